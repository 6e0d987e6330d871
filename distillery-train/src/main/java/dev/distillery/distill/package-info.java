/**
 * Knowledge distillation: training a small student classifier to imitate a fine-tuned teacher, with
 * soft-target and hidden-state losses, cached teacher logits, student construction from the teacher,
 * vocabulary trimming and teacher-labelled URL augmentation.
 * {@link dev.distillery.distill.Distiller} ties these together over the {@link dev.distillery.train.Trainer}.
 */
package dev.distillery.distill;
