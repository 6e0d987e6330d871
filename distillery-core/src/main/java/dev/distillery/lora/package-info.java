/**
 * Low-rank adaptation (LoRA, Hu et al. 2021) and its 4-bit-base form (QLoRA, Dettmers et al. 2023)
 * over any model family: which projections an adapter targets (by the roles each family declares),
 * building a model whose frozen base carries trainable or loaded adapters, the PEFT adapter folder
 * ({@code adapter_config.json}, {@code adapter_model.safetensors}) and merging an adapter into its base.
 */
package dev.distillery.lora;
