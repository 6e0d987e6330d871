package dev.distillery.model;

/**
 * What a trainer needs to know of its examples whatever they hold (labelled texts for a
 * classifier, token sequences for a language model): their name, count, token lengths for
 * length-grouped batches, and a hash that refuses resuming a run on other data.
 */
public interface TrainingExamples {
    /** The examples' name, for messages. */
    String name();

    /** Number of examples. */
    int size();

    /** Token count of each example. */
    int[] lengths();

    /** A hash of the examples. */
    long fingerprint();
}
