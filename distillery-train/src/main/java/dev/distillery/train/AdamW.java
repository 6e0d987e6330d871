package dev.distillery.train;

import dev.distillery.nn.Parameter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019) exactly as
 * PyTorch's {@code torch.optim.AdamW} single-tensor path, per parameter tensor:
 * <pre>
 *   step += 1
 *   p *= 1 − lr·λ                                   (decoupled decay; λ = 0 for no-decay names)
 *   m = β₁·m + (1 − β₁)·g
 *   v = β₂·v + (1 − β₂)·g²
 *   p += −(lr / (1 − β₁^step)) · m / (√v / √(1 − β₂^step) + ε)
 * </pre>
 * Scalars are computed in double and rounded to float where PyTorch passes a Python float to a
 * float32 tensor op; the element operations round in the same order as PyTorch's CPU kernels,
 * which its fixture test checks bit for bit. ε sits outside the square root, as in PyTorch and
 * unlike the original Adam paper's ε̂ variant.
 *
 * <p>Parameters without a gradient are skipped and keep their step count, as PyTorch skips
 * {@code grad is None}. {@link #state()} and {@link #restore} copy the step counts and moments so
 * a resumed run continues exactly.
 */
public final class AdamW {
    /** Hyper-parameters; PyTorch's defaults are β = (0.9, 0.999), ε = 1e-8, λ = 0.01. */
    public record Options(double beta1, double beta2, double eps, double weightDecay) {
        public Options {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("AdamW betas must lie in [0, 1): got " + beta1 + ", " + beta2);
            }
            if (!(eps >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("AdamW eps " + eps + " and weight decay " + weightDecay
                        + " must be non-negative");
            }
        }

        public static Options withWeightDecay(double weightDecay) {
            return new Options(0.9, 0.999, 1e-8, weightDecay);
        }
    }

    /** Optimizer state of one parameter tensor: PyTorch's {@code step}, {@code exp_avg}, {@code exp_avg_sq}. */
    public record ParamState(String name, long step, float[] expAvg, float[] expAvgSq) {
    }

    /** Optimizer state of every parameter, in parameter order. */
    public record State(List<ParamState> params) {
        public State {
            params = List.copyOf(params);
        }
    }

    private final List<Parameter> params;
    private final Options options;
    private final boolean[] decays;
    private final long[] steps;
    private final float[][] expAvg;   // per parameter, same size as its value
    private final float[][] expAvgSq; // per parameter, same size as its value

    /**
     * @param noDecay names of parameters that get no weight decay, e.g. {@link #biasOrLayerNorm}
     */
    public AdamW(List<Parameter> params, Options options, Predicate<String> noDecay) {
        this.params = List.copyOf(params);
        this.options = options;
        int n = this.params.size();
        decays = new boolean[n];
        steps = new long[n];
        expAvg = new float[n][];
        expAvgSq = new float[n][];
        for (int i = 0; i < n; i++) {
            Parameter p = this.params.get(i);
            decays[i] = !noDecay.test(p.name());
            expAvg[i] = new float[p.data().length];
            expAvgSq[i] = new float[p.data().length];
        }
    }

    /**
     * Hugging Face's Trainer rule, by name: biases and LayerNorm weights are not decayed. BERT
     * names LayerNorms {@code …LayerNorm.weight}, DistilBERT {@code …sa_layer_norm.weight} and
     * {@code …output_layer_norm.weight}.
     */
    public static boolean biasOrLayerNorm(String name) {
        return name.endsWith(".bias") || name.equals("bias") || name.contains("LayerNorm") || name.contains("layer_norm");
    }

    public Options options() {
        return options;
    }

    public List<Parameter> parameters() {
        return params;
    }

    /** Whether parameter {@code name} is decayed. */
    public boolean decays(String name) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return decays[i];
            }
        }
        throw new IllegalArgumentException("the optimizer has no parameter named " + name);
    }

    /** One update of every parameter that has a gradient, with learning rate {@code lr}. */
    public void step(double lr) {
        double beta1 = options.beta1();
        double beta2 = options.beta2();
        // PyTorch passes these Python floats to float32 kernels, which round them to float once
        float b1 = (float) beta1;
        float oneMinusB1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float oneMinusB2 = (float) (1 - beta2);
        float eps = (float) options.eps();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (!p.hasGrad()) {
                continue;
            }
            float[] w = p.data();
            float[] g = p.grad().data();
            float[] m = expAvg[i];
            float[] v = expAvgSq[i];
            long step = ++steps[i];
            double weightDecay = decays[i] ? options.weightDecay() : 0.0;
            float decay = (float) (1 - lr * weightDecay);
            double biasCorrection1 = 1 - StrictMath.pow(beta1, step);
            double biasCorrection2Sqrt = Math.sqrt(1 - StrictMath.pow(beta2, step));
            float negStepSize = (float) -(lr / biasCorrection1);
            float bc2Sqrt = (float) biasCorrection2Sqrt;
            for (int j = 0; j < w.length; j++) {
                w[j] *= decay;
                // PyTorch's add_(alpha) and addcmul_ kernels fuse the final multiply-add on FMA hardware
                m[j] = Math.fma(g[j], oneMinusB1, m[j] * b1);
                v[j] = Math.fma(oneMinusB2 * g[j], g[j], v[j] * b2);
                float denom = (float) Math.sqrt(v[j]) / bc2Sqrt + eps;
                w[j] = w[j] + negStepSize * m[j] / denom;
            }
            p.touch();
        }
    }

    /** A deep copy of the step counts and moments. */
    public State state() {
        List<ParamState> out = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) {
            out.add(new ParamState(params.get(i).name(), steps[i], expAvg[i].clone(), expAvgSq[i].clone()));
        }
        return new State(out);
    }

    /**
     * Copies in a saved state; it must hold exactly this optimizer's parameters with the same sizes.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or wrongly sized parameters
     */
    public void restore(State state) {
        Map<String, ParamState> byName = new HashMap<>();
        for (ParamState s : state.params()) {
            byName.put(s.name(), s);
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            ParamState s = byName.remove(p.name());
            if (s == null) {
                problems.add("missing " + p.name());
            } else if (s.expAvg().length != expAvg[i].length || s.expAvgSq().length != expAvgSq[i].length) {
                problems.add(p.name() + " has " + s.expAvg().length + "/" + s.expAvgSq().length
                        + " moments, expected " + expAvg[i].length);
            } else if (s.step() < 0) {
                problems.add(p.name() + " has negative step " + s.step());
            }
        }
        byName.keySet().forEach(name -> problems.add("unexpected " + name));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("optimizer state does not fit the model: " + String.join("; ", problems));
        }
        for (ParamState s : state.params()) {
            int i = indexOf(s.name());
            steps[i] = s.step();
            System.arraycopy(s.expAvg(), 0, expAvg[i], 0, expAvg[i].length);
            System.arraycopy(s.expAvgSq(), 0, expAvgSq[i], 0, expAvgSq[i].length);
        }
    }

    /** Zeroes every parameter's gradient, as {@code optimizer.zero_grad(set_to_none=False)}. */
    public void zeroGrad() {
        for (Parameter p : params) {
            p.zeroGrad();
        }
    }

    private int indexOf(String name) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no parameter " + name);
    }
}
