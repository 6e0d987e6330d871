package dev.distillery.distill;

/** How a student's weights start. */
public enum StudentInit {
    /** Embeddings, an evenly spread subset of layers and the head copied from the teacher (DistilBERT). */
    FROM_TEACHER,
    /** Hugging Face's random initialisation from the seed. */
    RANDOM
}
