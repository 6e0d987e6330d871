package dev.distillery.lora;

import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.model.ModuleSource;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.WeightSource;
import dev.distillery.nn.LoraAdapter;
import dev.distillery.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Models with LoRA adapters: fresh trainable adapters on a frozen base (the fine-tune of a decoder
 * or of a classifier),
 * a saved adapter applied to a base (generation and scoring, the base never changed), and an
 * adapter merged into the base's FP32 weights (PEFT's {@code merge_and_unload}: W + (α/r)·B·A).
 * <pre>{@code
 * try (FrozenBase base = FrozenBase.load(Path.of("stories260K"), "nf4-dq")) {
 *     CausalLanguageModel lm = LoraModels.training(base, lora, 42);   // only A and B train
 * }
 * }</pre>
 */
public final class LoraModels {
    private LoraModels() {
    }

    /** The base's decoder with fresh adapters drawn from {@code seed} on the roles of {@code lora}. */
    public static CausalLanguageModel training(FrozenBase base, LoraConfig lora, long seed) {
        ModelConfig config = base.config();
        LoraModules modules = LoraModules.training(config, ModuleSource.frozen(base.weights()), lora, seed, null);
        return ModelFamilies.of(config).causalLm(config, modules);
    }

    /**
     * A sequence classifier of {@code config} over the frozen FP32 {@code weights} (encoder and
     * head, by canonical names) with fresh adapters drawn from {@code seed} on the roles of
     * {@code lora}; the head modules ({@link ModelFamily#headModules}) train in full from the
     * values {@code weights} holds for them, as PEFT's {@code modules_to_save}.
     */
    public static SequenceClassifier trainingClassifier(ModelConfig config, Map<String, Tensor> weights,
                                                        LoraConfig lora, long seed) {
        LoraModules modules = LoraModules.training(config, ModuleSource.frozen(WeightSource.fp32(weights)), lora, seed,
                weights);
        return ModelFamilies.of(config).classifier(config, modules);
    }

    /**
     * The decoder of {@code config} on the frozen {@code base} weights with {@code adapter} applied
     * (frozen too), computed as base plus adapter on every pass.
     *
     * @param adapterDir the adapter's folder, for messages
     * @throws IllegalArgumentException in one sentence naming {@code adapterDir} when the adapter
     *                                  does not fit the base (other modules, other shapes)
     */
    public static CausalLanguageModel withAdapter(ModelConfig config, WeightSource base, PeftAdapter adapter,
                                                  Path adapterDir) {
        return build(config, base, adapter, adapterDir, modules -> ModelFamilies.of(config).causalLm(config, modules));
    }

    /**
     * The classifier of {@code config} (its labels those the adapter's head was trained on) on the
     * frozen {@code base} encoder with {@code adapter} applied: adapters as separate products, the
     * saved head ({@code modules_to_save}) as the head.
     *
     * @throws IllegalArgumentException in one sentence naming {@code adapterDir} when the adapter does not fit the base
     */
    public static SequenceClassifier classifierWithAdapter(ModelConfig config, WeightSource base, PeftAdapter adapter,
                                                           Path adapterDir) {
        return build(config, base, adapter, adapterDir, modules -> ModelFamilies.of(config).classifier(config, modules));
    }

    /** {@code model} built on the frozen base with the adapter's modules, every one of which it must use. */
    private static <T> T build(ModelConfig config, WeightSource base, PeftAdapter adapter, Path adapterDir,
                               Function<LoraModules, T> model) {
        check(config, adapter, adapterDir);
        try {
            LoraModules modules = LoraModules.loading(config, ModuleSource.frozen(base), adapter);
            T built = model.apply(modules);
            modules.checkAllUsed();
            return built;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(adapterDir + " does not fit this " + config.family() + " base: "
                    + e.getMessage(), e);
        }
    }

    /**
     * {@code weights} (a full FP32 model of {@code config}, decoder or classifier, by its canonical names) with
     * {@code adapter} merged in: each adapted projection's weight W + (α/r)·B·A, saved biases in
     * place of the base's. Returns new tensors for what changes and the given ones otherwise.
     *
     * @throws IllegalArgumentException when the adapter does not fit the base, naming {@code adapterDir}
     */
    public static Map<String, Tensor> merge(ModelConfig config, Map<String, Tensor> weights, PeftAdapter adapter,
                                            Path adapterDir) {
        check(config, adapter, adapterDir);
        Map<String, Tensor> merged = new LinkedHashMap<>(weights);
        for (Map.Entry<String, Tensor> e : adapter.tensors().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.endsWith(PeftAdapter.LORA_B)) {
                continue;
            }
            if (name.endsWith(PeftAdapter.LORA_A)) {
                String stem = name.substring(0, name.length() - PeftAdapter.LORA_A.length());
                Tensor w = weights.get(stem + ".weight");
                Tensor b = adapter.tensors().get(stem + PeftAdapter.LORA_B);
                if (w == null || w.rank() != 2 || w.dim(0) != b.dim(0) || w.dim(1) != t.dim(1)) {
                    throw new IllegalArgumentException(adapterDir + " does not fit this " + config.family() + " base: "
                            + stem + " is " + (w == null ? "absent" : Arrays.toString(w.shape())) + " in the base but "
                            + "the adapter's B·A is [" + b.dim(0) + ", " + t.dim(1) + "]");
                }
                float[] delta = LoraAdapter.of(stem, t, b, adapter.alpha(), 0f, false).delta();
                float[] m = w.data().clone();
                for (int i = 0; i < m.length; i++) {
                    m[i] += delta[i];
                }
                merged.put(stem + ".weight", Tensor.of(m, w.shape()));
            } else {
                Tensor base = weights.get(name);
                if (base == null || !Arrays.equals(base.shape(), t.shape())) {
                    throw new IllegalArgumentException(adapterDir + " does not fit this " + config.family() + " base: "
                            + "its tensor " + name + " " + Arrays.toString(t.shape()) + " has no counterpart of that "
                            + "shape in the base");
                }
                merged.put(name, t.copy());
            }
        }
        return merged;
    }

    /** The adapter's task is the model's, and it names only projections of this family and shape. */
    private static void check(ModelConfig config, PeftAdapter adapter, Path adapterDir) {
        ModelFamily family = ModelFamilies.of(config);
        String task = family.outputLayer(config) != null ? PeftAdapter.CAUSAL_LM : PeftAdapter.SEQ_CLS;
        if (!task.equals(adapter.taskType())) {
            throw new IllegalArgumentException(adapterDir + " is a " + adapter.taskType() + " adapter; a "
                    + config.family() + " model takes a " + task + " adapter");
        }
        List<String> projections = family.adapterTargets(config).values().stream().flatMap(List::stream).toList();
        for (String stem : adapter.adaptedStems()) {
            if (!projections.contains(stem)) {
                throw new IllegalArgumentException(adapterDir + " adapts " + stem + ", which this " + family.name()
                        + " base of " + config.numLayers() + " layers does not have: it was made for another base model");
            }
        }
    }
}
