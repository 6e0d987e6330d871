/**
 * Knowledge distillation: training a small student classifier to imitate a fine-tuned teacher, with
 * soft-target and hidden-state losses, cached teacher logits, student construction from the teacher,
 * vocabulary trimming and teacher-labelled URL augmentation.
 * {@link dev.distillery.distill.Distiller} ties these together over the {@link dev.distillery.train.Trainer}.
 * Decoder LLMs distil token by token ({@link dev.distillery.distill.TokenDistillationLoss}: forward KL,
 * MiniLLM's reverse KL or a mix) into students cut from the teacher's layers
 * ({@link dev.distillery.distill.DecoderStudents}), run by {@link dev.distillery.distill.DecoderDistiller}.
 */
package dev.distillery.distill;
