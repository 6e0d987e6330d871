package dev.distillery.recipe;

import dev.distillery.data.BundledData;
import dev.distillery.distill.DistillOptions;
import dev.distillery.distill.Divergence;
import dev.distillery.distill.StudentInit;
import dev.distillery.pipeline.DistillationOptions;
import dev.distillery.pipeline.PruningOptions;
import dev.distillery.pipeline.QuantizationOptions;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.prune.LayerChoice;
import dev.distillery.prune.SparsityScope;
import dev.distillery.quant.QuantScheme;
import dev.distillery.robust.AdversarialAugmentation;
import dev.distillery.robust.AttackOptions;
import dev.distillery.train.TrainOptions;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A checked recipe: every field of {@link RecipeSchema} with its value (given or default), paths made
 * absolute against the recipe's folder. Made by {@link RecipeReader}, which has already checked types,
 * ranges, files and cross-field rules, so nothing here fails on user input.
 * <pre>{@code
 * Recipe r = RecipeReader.read(Path.of("recipe.yaml"));
 * r.integer("student.layers");        // 3
 * r.teacherOptions(out, false, cmd);  // what train-teacher would get
 * }</pre>
 *
 * @param source where the recipe came from, for messages ({@code recipe.yaml}, {@code demo})
 * @param values field path to value: {@link Long}, {@link Double}, {@link Boolean}, {@link String},
 *               {@link Path} or {@code List<String>}; absent when neither given nor defaulted
 * @param given  paths the recipe itself set
 */
public record Recipe(String source, Map<String, Object> values, Set<String> given) {
    public Recipe {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        given = Set.copyOf(given);
    }

    public boolean has(String path) {
        return values.get(check(path)) != null;
    }

    public long integer(String path) {
        return (Long) values.get(check(path));
    }

    /** An integer field the schema bounds to the {@code int} range. */
    public int smallInteger(String path) {
        return Math.toIntExact(integer(path));
    }

    public double number(String path) {
        return (Double) values.get(check(path));
    }

    public boolean flag(String path) {
        return (Boolean) values.get(check(path));
    }

    /** A text, choice or model field, or null when unset. */
    public String text(String path) {
        return (String) values.get(check(path));
    }

    /** A file or folder field, absolute, or null when unset. */
    public Path path(String path) {
        return (Path) values.get(check(path));
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String path) {
        return (List<String>) values.get(check(path));
    }

    /** A copy whose output folder is {@code dir} (run --out). */
    public Recipe withOutputDir(Path dir) {
        Map<String, Object> v = new LinkedHashMap<>(values);
        v.put("outputs.dir", dir.toAbsolutePath().normalize());
        return new Recipe(source, v, given);
    }

    /**
     * The values of the named sections in a stable order, paths and lists as strings: the options part
     * of a step's cache key.
     */
    public Map<String, String> sectionValues(String... sections) {
        Map<String, String> m = new TreeMap<>();
        for (String s : sections) {
            for (Field f : RecipeSchema.section(s)) {
                Object v = values.get(f.path());
                m.put(f.path(), v == null ? "" : v.toString());
            }
        }
        return m;
    }

    /** What {@code train-teacher} would be given for this recipe's data and teacher sections. */
    public TeacherOptions teacherOptions(Path out, boolean resume, String command) {
        TrainOptions training = TrainOptions.defaults().withEpochs(smallInteger("teacher.epochs"))
                .withBatchSize(smallInteger("teacher.batch_size")).withLearningRate(number("teacher.learning_rate"))
                .withSeed(integer("teacher.seed")).withPatience(smallInteger("teacher.patience"))
                .withCheckpointEverySteps(smallInteger("teacher.checkpoint_every"));
        return new TeacherOptions(text("teacher.base"), path("data.dir"), path("data.train"), path("data.validation"),
                path("data.test"), text("data.text_column"), text("data.label_column"), flag("data.normalize_urls"),
                smallInteger("teacher.max_length"), smallInteger("teacher.max_train_rows"), flag("teacher.class_weights"),
                training, out, resume, command);
    }

    /**
     * What {@code distill} would be given for this recipe's data, student and distillation sections.
     *
     * @param teacherLogits where the teacher's logits over the training rows are kept, or null for {@code out}'s checkpoints
     */
    public DistillationOptions distillationOptions(Path teacher, Path out, String command, Path teacherLogits) {
        TrainOptions training = TrainOptions.defaults().withEpochs(smallInteger("distillation.epochs"))
                .withBatchSize(smallInteger("distillation.batch_size"))
                .withLearningRate(number("distillation.learning_rate")).withSeed(integer("distillation.seed"))
                .withCheckpointEverySteps(smallInteger("distillation.checkpoint_every"));
        DistillOptions distill = DistillOptions.defaults().withTrain(training)
                .withInit(text("student.init").equals("random") ? StudentInit.RANDOM : StudentInit.FROM_TEACHER)
                .withDivergence(text("distillation.loss").equals("reverse-kl") ? Divergence.REVERSE_KL : Divergence.FORWARD_KL)
                .withTemperature(number("distillation.temperature")).withAlpha(number("distillation.alpha"))
                .withHiddenWeight(number("distillation.hidden_weight"))
                .withAttentionWeight(number("distillation.attention_weight"))
                .withAugmentPerExample(smallInteger("distillation.augment"))
                .withHardLabelsOnly(flag("distillation.hard_labels_only"))
                .withTrimVocabulary(flag("distillation.trim_vocabulary"))
                .withVocabMinCount(smallInteger("distillation.vocab_min_count"));
        return new DistillationOptions(teacher, path("data.dir"), path("data.train"), path("data.validation"),
                path("data.test"), smallInteger("student.layers"), smallInteger("student.hidden"),
                smallInteger("student.heads"), smallInteger("student.ffn"), smallInteger("distillation.max_length"),
                smallInteger("distillation.max_train_rows"), distill, out, command, text("data.text_column"),
                text("data.label_column"), false, text("distillation.qat"), !flag("distillation.adversarial") ? null
                : new AdversarialAugmentation(smallInteger("distillation.adversarial_urls"),
                        AttackOptions.defaults().withQueryBudget(smallInteger("distillation.adversarial_budget"))),
                teacherLogits, path("distillation.teacher_logits"));
    }

    /** What {@code quantize} would be given to quantize {@code model} as {@code scheme}. */
    public QuantizationOptions quantizationOptions(Path model, String scheme, Path out, String command) {
        boolean evaluate = flag("quantization.evaluate");
        boolean budget = has("quantization.max_f1_drop");
        // The validation split refits the quantized model's temperature, so it is always read; the test split only
        // when scoring is asked for. As for training, no folder and no train file mean the bundled splits.
        boolean bundled = path("data.dir") == null && path("data.train") == null;
        boolean scores = evaluate || budget;
        Path dir = bundled ? null : path("data.dir");
        Path validation = bundled ? BundledData.phishingUrls().validation() : dir == null ? path("data.validation") : null;
        Path test = !scores || dir != null ? null : bundled ? BundledData.phishingUrls().test() : path("data.test");
        String keep = text("quantization.keep_as");
        return new QuantizationOptions(model, QuantScheme.fromId(scheme), list("quantization.skip"), dir, validation, test,
                evaluate, budget ? number("quantization.max_f1_drop") : Double.NaN,
                keep.equals("fp32") ? null : QuantScheme.fromId(keep), out, command);
    }

    /** What {@code prune} would be given to prune {@code model}, recovering from {@code teacher} (null: itself). */
    public PruningOptions pruningOptions(Path model, Path teacher, Path out, String command) {
        TrainOptions training = TrainOptions.defaults().withBatchSize(smallInteger("pruning.batch_size"))
                .withLearningRate(number("pruning.learning_rate")).withSeed(integer("pruning.seed"));
        DistillOptions distill = DistillOptions.defaults().withTrain(training).withTemperature(number("pruning.temperature"))
                .withAlpha(number("pruning.alpha"));
        return new PruningOptions(model, teacher, path("data.dir"), path("data.train"), path("data.validation"),
                path("data.test"), number("pruning.heads"), number("pruning.ffn"), smallInteger("pruning.layers"),
                text("pruning.layer_choice").equals("spread") ? LayerChoice.SPREAD : LayerChoice.IMPORTANCE,
                number("pruning.sparsity"), text("pruning.sparsity_scope").equals("global") ? SparsityScope.GLOBAL
                : SparsityScope.LAYER, flag("pruning.gradual"), flag("pruning.store_sparse"),
                smallInteger("pruning.importance_rows"), smallInteger("pruning.recover_epochs"),
                smallInteger("pruning.max_train_rows"), smallInteger("pruning.latency_runs"), distill, out, command);
    }

    private static String check(String path) {
        if (RecipeSchema.field(path).isEmpty()) {
            throw new IllegalArgumentException("no recipe field " + path);
        }
        return path;
    }
}
