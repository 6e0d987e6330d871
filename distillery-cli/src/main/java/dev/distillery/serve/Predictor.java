package dev.distillery.serve;

import dev.distillery.classify.Prediction;

import java.util.List;

/**
 * What the server needs of a model: predictions for a batch of raw texts, in order, callable from
 * any thread. {@code Classifier::predictBatch} is one; tests wrap it to hold a batch in flight.
 */
@FunctionalInterface
public interface Predictor {
    List<Prediction> predictBatch(List<String> texts);
}
