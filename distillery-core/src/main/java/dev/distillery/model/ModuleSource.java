package dev.distillery.model;

import dev.distillery.nn.Embedding;
import dev.distillery.nn.Init;
import dev.distillery.nn.LayerNorm;
import dev.distillery.nn.Linear;
import dev.distillery.nn.RmsNorm;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Where a family's builder gets each module of a model, by Hugging Face name: fresh trainable
 * modules initialised as Hugging Face does ({@link #random}), or frozen ones over the weights of a
 * {@link WeightSource} in whatever format it holds them ({@link #frozen}). A family writes its
 * builder once against this interface and gets both the trainable and the serving model.
 */
public interface ModuleSource {
    /**
     * A projection of {@code in} inputs whose parts (stacked along out) are the tensors
     * {@code names}, part i having {@code outs[i]} rows; with or without biases.
     */
    Linear linear(List<String> names, int in, int[] outs, boolean bias);

    /** A one-part projection with a bias. */
    default Linear linear(String name, int in, int out) {
        return linear(List.of(name), in, new int[] {out}, true);
    }

    LayerNorm layerNorm(String name, int dim, float eps);

    /** An RMSNorm of {@code dim} weights (1 at start when trainable). */
    RmsNorm rmsNorm(String name, int dim, float eps);

    /** An embedding table [rows, width]; a trainable one zeroes row {@code paddingIdx} (−1 for none) as HF does. */
    Embedding embedding(String name, int rows, int width, int paddingIdx);

    /** True when the modules are trainable (FP32 masters), false when frozen. */
    boolean trainable();

    /** Trainable modules from N(0, std²) weights drawn in build order, zero biases and unit norms. */
    static ModuleSource random(SplittableRandom rng, float std) {
        return new ModuleSource() {
            @Override
            public Linear linear(List<String> names, int in, int[] outs, boolean bias) {
                return Linear.random(names, in, outs, bias, std, rng);
            }

            @Override
            public LayerNorm layerNorm(String name, int dim, float eps) {
                return new LayerNorm(name, dim, eps);
            }

            @Override
            public RmsNorm rmsNorm(String name, int dim, float eps) {
                return new RmsNorm(name, dim, eps);
            }

            @Override
            public Embedding embedding(String name, int rows, int width, int paddingIdx) {
                return new Embedding(name, rows, width, paddingIdx, std, rng);
            }

            @Override
            public boolean trainable() {
                return true;
            }
        };
    }

    /** {@link #random(SplittableRandom, float)} with BERT's {@code initializer_range} of 0.02. */
    static ModuleSource random(SplittableRandom rng) {
        return random(rng, Init.BERT_STD);
    }

    /**
     * Frozen modules over {@code source}'s weights, used as it hands them out; a projection of
     * several parts asks for them as one stacked weight ({@link WeightSource#stacked}).
     *
     * @throws WeightMismatchException (from the source) naming a missing or wrongly shaped tensor
     */
    static ModuleSource frozen(WeightSource source) {
        return new ModuleSource() {
            @Override
            public Linear linear(List<String> names, int in, int[] outs, boolean bias) {
                List<String> weights = names.stream().map(n -> n + ".weight").toList();
                float[][] biases = null;
                if (bias) {
                    biases = new float[names.size()][];
                    for (int i = 0; i < names.size(); i++) {
                        biases[i] = source.vector(names.get(i) + ".bias", outs[i]);
                    }
                }
                return Linear.frozen(names, outs, names.size() == 1 ? source.linear(weights.getFirst(), outs[0], in)
                        : source.stacked(weights, outs, in), biases);
            }

            @Override
            public LayerNorm layerNorm(String name, int dim, float eps) {
                return LayerNorm.frozen(name, source.vector(name + ".weight", dim), source.vector(name + ".bias", dim),
                        eps);
            }

            @Override
            public RmsNorm rmsNorm(String name, int dim, float eps) {
                return RmsNorm.frozen(name, source.vector(name + ".weight", dim), eps);
            }

            @Override
            public Embedding embedding(String name, int rows, int width, int paddingIdx) {
                return Embedding.frozen(name, source.table(name + ".weight", rows, width));
            }

            @Override
            public boolean trainable() {
                return false;
            }
        };
    }
}
