package dev.distillery.prune;

/** How whole layers are chosen for removal. */
public enum LayerChoice {
    /** Greedily drop the layer whose removal raises the loss on the importance sample least, then repeat. */
    IMPORTANCE,
    /** Keep an evenly spread subset, first and last included, as DistilBERT's initialisation does. */
    SPREAD
}
