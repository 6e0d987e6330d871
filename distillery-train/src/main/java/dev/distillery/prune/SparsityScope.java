package dev.distillery.prune;

/** Where magnitude pruning ranks weights against each other. */
public enum SparsityScope {
    /** Every prunable matrix loses the same fraction of its own smallest weights. */
    LAYER,
    /** One threshold over all prunable matrices: wide, low-magnitude ones lose more. */
    GLOBAL
}
