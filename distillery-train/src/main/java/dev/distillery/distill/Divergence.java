package dev.distillery.distill;

/** Which KL divergence between the temperature-softened teacher and student distributions is minimised. */
public enum Divergence {
    /** KL(p_teacher ‖ p_student), Hinton et al. 2015 and DistilBERT: the student covers every teacher mode. */
    FORWARD_KL,
    /** KL(p_student ‖ p_teacher), MiniLLM (Gu et al. 2024): the student seeks the teacher's main mode. */
    REVERSE_KL
}
