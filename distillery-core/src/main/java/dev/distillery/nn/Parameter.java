package dev.distillery.nn;

import dev.distillery.tensor.Tensor;

/**
 * A trainable tensor with its Hugging Face name and a gradient of the same shape.
 *
 * <p>The gradient is allocated on first use, so models that only run inference do not pay twice
 * their weight memory. Backward passes add into it; an optimizer reads it and calls
 * {@link #zeroGrad()}.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private Tensor grad;
    /** Bumped by whoever writes {@link #data()}, so frozen inference snapshots can tell they are stale. */
    private volatile long version;

    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
    }

    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    public float[] data() {
        return value.data();
    }

    /**
     * Marks the value as changed: optimizers, weight loaders and anything else writing
     * {@link #data()} call this after writing, so that snapshots such as a classifier's frozen
     * copy are rebuilt instead of serving the old weights.
     */
    public void touch() {
        version++;
    }

    /** How many times {@link #touch()} was called; a snapshot taken at one version is stale at another. */
    public long version() {
        return version;
    }

    /** The accumulated gradient, zero until a backward pass adds to it. */
    public synchronized Tensor grad() {
        if (grad == null) {
            grad = Tensor.zeros(value.shape());
        }
        return grad;
    }

    public boolean hasGrad() {
        return grad != null;
    }

    public void zeroGrad() {
        if (grad != null) {
            java.util.Arrays.fill(grad.data(), 0f);
        }
    }

    @Override
    public String toString() {
        return name + value;
    }
}
