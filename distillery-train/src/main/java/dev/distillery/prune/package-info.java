/**
 * Makes trained encoders smaller by removing what matters least: whole attention heads, feed-forward
 * neurons and layers (physically, so the same kernels run a smaller model), or individual weights by
 * magnitude to a target sparsity, in one shot or on a gradual schedule during recovery.
 * Importance comes from the gradient of the loss with respect to a mask on each structure
 * (Michel et al. 2019; Molchanov et al. 2017); recovery is distillation from the unpruned model.
 */
package dev.distillery.prune;
