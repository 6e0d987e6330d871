package dev.distillery.lora;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.ModuleSource;
import dev.distillery.nn.Embedding;
import dev.distillery.nn.Init;
import dev.distillery.nn.LayerNorm;
import dev.distillery.nn.Linear;
import dev.distillery.nn.LoraAdapter;
import dev.distillery.nn.Parameter;
import dev.distillery.nn.RmsNorm;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The modules of a LoRA model, for a family's builder: every module comes frozen from the base
 * (in whatever format the base holds it: packed FP32 or 4-bit), and the projections of the
 * targeted roles get a {@link LoraAdapter} on their part, fresh and trainable
 * ({@link #training}) or loaded from a saved adapter and frozen ({@link #loading}). A classifier's
 * head modules ({@link ModelFamily#headModules}) train in full from the base's values or a fresh
 * initialisation, as PEFT's {@code modules_to_save}.
 * <pre>{@code
 * ModuleSource m = LoraModules.training(config, ModuleSource.frozen(base), lora, 42, Map.of());
 * CausalLanguageModel lm = ModelFamilies.of(config).causalLm(config, m);
 * lm.parameters();   // every adapter's A and B, nothing of the base
 * }</pre>
 */
public final class LoraModules implements ModuleSource {
    private final ModuleSource base;
    private final Map<String, String> roleOf;      // adapted stem → role
    private final Set<String> heads;               // stems trained in full
    private final LoraConfig lora;
    private final Map<String, Tensor> initial;     // head weights to start from; loaded adapter tensors
    private final boolean trainable;
    private final SplittableRandom rng;
    private final Set<String> used = new LinkedHashSet<>();

    private LoraModules(ModuleSource base, Map<String, String> roleOf, Set<String> heads, LoraConfig lora,
                        Map<String, Tensor> initial, boolean trainable, SplittableRandom rng) {
        if (base.trainable()) {
            throw new IllegalArgumentException("LoRA adapts a frozen base; the base modules given are trainable");
        }
        this.base = base;
        this.roleOf = roleOf;
        this.heads = heads;
        this.lora = lora;
        this.initial = initial;
        this.trainable = trainable;
        this.rng = rng;
    }

    /**
     * Fresh trainable adapters on the roles of {@code lora}, drawn from {@code seed} in build order,
     * over the frozen {@code base}. With {@code headWeights} non-null the model is a classifier
     * fine-tune: its head modules train in full, starting from {@code headWeights} where it holds
     * them with the right shape (a teacher that is already a classifier of the same labels) and
     * from Hugging Face's initialisation otherwise.
     */
    public static LoraModules training(ModelConfig config, ModuleSource base, LoraConfig lora, long seed,
                                       Map<String, Tensor> headWeights) {
        if (lora.bias() == LoraConfig.Bias.ALL) {
            throw new IllegalArgumentException("training with bias \"all\" (every bias of the model, norms included) "
                    + "is not supported; use \"lora_only\" or \"none\"");
        }
        ModelFamily family = ModelFamilies.of(config);
        Set<String> heads = headWeights == null ? Set.of() : new LinkedHashSet<>(family.headModules(config));
        return new LoraModules(base, roles(config, lora.targets()), heads, lora,
                headWeights == null ? Map.of() : headWeights, true, new SplittableRandom(seed));
    }

    /**
     * The adapters of {@code adapter} over the frozen {@code base}, frozen themselves (for
     * generation, scoring and merging): every projection with {@code lora_A}/{@code lora_B}
     * tensors gets its adapter, saved biases replace the base's, and saved head modules are used
     * as the head. Call {@link #checkAllUsed()} after building to refuse tensors of modules the
     * model does not have.
     */
    public static LoraModules loading(ModelConfig config, ModuleSource base, PeftAdapter adapter) {
        Map<String, String> roleOf = new HashMap<>();
        for (String stem : adapter.adaptedStems()) {
            roleOf.put(stem, adapter.roleOf(config, stem));
        }
        return new LoraModules(base, roleOf, new LinkedHashSet<>(adapter.headStems()), adapter.loraConfig(config),
                adapter.tensors(), false, null);
    }

    /** stem → role for the chosen roles of {@code config}'s family. */
    static Map<String, String> roles(ModelConfig config, List<String> chosen) {
        Map<String, List<String>> all = ModelFamilies.of(config).adapterTargets(config);
        Map<String, String> roleOf = new HashMap<>();
        for (String role : chosen) {
            List<String> stems = all.get(role);
            if (stems == null) {
                throw new IllegalArgumentException("unknown LoRA target \"" + role + "\"; choose from "
                        + String.join(", ", all.keySet()));
            }
            stems.forEach(s -> roleOf.put(s, role));
        }
        return roleOf;
    }

    @Override
    public Linear linear(List<String> names, int in, int[] outs, boolean bias) {
        if (names.stream().anyMatch(heads::contains)) {
            return head(names, in, outs, bias);
        }
        Linear frozen = base.linear(names, in, outs, bias);
        List<LoraAdapter> adapters = new ArrayList<>();
        boolean[] trainBias = bias && trainable && lora.bias() == LoraConfig.Bias.LORA_ONLY ? new boolean[outs.length]
                : null;
        float[][] savedBiases = bias && !trainable ? new float[outs.length][] : null;
        boolean any = false;
        for (int p = 0; p < names.size(); p++) {
            String stem = names.get(p);
            LoraAdapter a = null;
            if (roleOf.containsKey(stem)) {
                a = trainable ? LoraAdapter.create(stem, in, outs[p], lora.rank(), lora.alpha(), lora.dropout(), rng)
                        : LoraAdapter.of(stem, take(stem + ".lora_A.weight"), take(stem + ".lora_B.weight"),
                        lora.alpha(), lora.dropout(), false);
                any = true;
                if (trainBias != null) {
                    trainBias[p] = true;
                }
            }
            if (savedBiases != null && initial.containsKey(stem + ".bias")) {
                savedBiases[p] = take(stem + ".bias").data();
            }
            adapters.add(a);
        }
        if (savedBiases != null && Arrays.stream(savedBiases).anyMatch(b -> b != null)) {
            for (int p = 0; p < outs.length; p++) {
                if (savedBiases[p] == null) {
                    savedBiases[p] = frozen.bias(p).data();
                }
            }
            frozen = Linear.frozen(names, outs, frozen.frozenWeight(), savedBiases);
        }
        return any || trainBias != null ? frozen.withAdapters(adapters, trainBias) : frozen;
    }

    /** A head module trained in full (or, loading, the saved one frozen). */
    private Linear head(List<String> names, int in, int[] outs, boolean bias) {
        if (!trainable) {
            int total = Arrays.stream(outs).sum();
            float[] w = new float[total * in];
            float[][] b = bias ? new float[outs.length][] : null;
            int row = 0;
            for (int p = 0; p < names.size(); p++) {
                System.arraycopy(take(names.get(p) + ".weight").data(), 0, w, row * in, outs[p] * in);
                row += outs[p];
                if (b != null) {
                    b[p] = take(names.get(p) + ".bias").data();
                }
            }
            return Linear.frozen(names, outs, LinearWeight.fp32(w, total, in), b);
        }
        Linear l = Linear.random(names, in, outs, bias, Init.BERT_STD, rng);
        for (Parameter p : l.parameters()) {
            Tensor t = initial.get(p.name());
            if (t != null && Arrays.equals(t.shape(), p.value().shape())) {
                System.arraycopy(t.data(), 0, p.data(), 0, t.size());
                p.touch();
            }
        }
        return l;
    }

    /** A loaded tensor, checked present and counted as used. */
    private Tensor take(String name) {
        Tensor t = initial.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the adapter has no tensor " + name + " that its config implies");
        }
        used.add(name);
        return t;
    }

    /**
     * After a loading build: every tensor of the adapter was placed. A leftover names a module the
     * model does not have: an adapter made for another base.
     */
    public void checkAllUsed() {
        List<String> left = initial.keySet().stream().filter(n -> !used.contains(n)).sorted().toList();
        if (!trainable && !left.isEmpty()) {
            throw new IllegalArgumentException("the adapter holds " + left.size() + " tensor(s) for modules this model "
                    + "does not have, e.g. " + left.getFirst() + ": it was made for another base model");
        }
    }

    @Override
    public LayerNorm layerNorm(String name, int dim, float eps) {
        LayerNorm n = base.layerNorm(name, dim, eps);
        return !trainable && initial.containsKey(name + ".bias") ? n.withBias(take(name + ".bias").data()) : n;
    }

    @Override
    public RmsNorm rmsNorm(String name, int dim, float eps) {
        return base.rmsNorm(name, dim, eps);
    }

    @Override
    public Embedding embedding(String name, int rows, int width, int paddingIdx) {
        return base.embedding(name, rows, width, paddingIdx);
    }

    /** False: the base's modules are frozen (a tied output layer stays the frozen embedding). */
    @Override
    public boolean trainable() {
        return false;
    }
}
