/**
 * A trained classifier on disk and in memory: a Hugging Face checkpoint folder plus a
 * {@code distillery.json} manifest, loaded into a thread-safe {@link dev.distillery.classify.Classifier}.
 * The manifest carries what prediction must repeat (labels, text transform, maximum length) and how
 * the model was made, and {@link dev.distillery.classify.Evaluation} scores a classifier on labelled data.
 */
package dev.distillery.classify;
