package dev.distillery.recipe;

import dev.distillery.recipe.Field.Kind;

import dev.distillery.quant.QuantScheme;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every field a recipe may hold, in document order, with its type, default, limits and the
 * command-line options it stands for. Defaults equal those of the commands, so a recipe that says
 * nothing about a step runs it as the command would.
 */
public final class RecipeSchema {
    /** Top-level sections in the order the run uses them. */
    public static final List<String> SECTIONS = List.of("data", "teacher", "student", "distillation", "quantization",
            "pruning", "verification", "outputs");

    /** The commands whose every option has a recipe field (a test walks their picocli options). */
    public static final List<String> COMMANDS = List.of("train-teacher", "distill", "quantize", "prune", "report");

    /**
     * Options without a field, because every command has them or the run decides them itself; keyed by
     * option ({@code --help}) for every command, or by command and option ({@code quantize --model}).
     */
    public static final Map<String, String> IMPLICIT = Map.ofEntries(
            Map.entry("--help", "run has its own --help"),
            Map.entry("--version", "run has its own --version"),
            Map.entry("--verbose", "run has its own --verbose"),
            Map.entry("--no-verify", "run has its own --no-verify"),
            Map.entry("--resume", "automatic: an interrupted step resumes from its checkpoints"),
            Map.entry("--out", "automatic: each step writes OUT/models/NAME (OUT is outputs.dir or run --out)"),
            Map.entry("quantize --model", "automatic: the student (models/student)"),
            Map.entry("quantize --train", "quantize reads no training file"),
            Map.entry("prune --checkpoint-every", "a recipe's pruning recovery checkpoints at the command's default"),
            Map.entry("report --models", "automatic: every model the run made"),
            Map.entry("report --teacher", "automatic: models/teacher is the reference"));

    /** Whether {@code option} of {@code command} needs no field; see {@link #IMPLICIT}. */
    public static boolean implicit(String command, String option) {
        return IMPLICIT.containsKey(option) || IMPLICIT.containsKey(command + " " + option);
    }

    private static final int MAX_INT = Integer.MAX_VALUE;
    private static final List<Field> FIELDS = build();
    private static final Map<String, Field> BY_PATH = index();

    private RecipeSchema() {
    }

    public static List<Field> fields() {
        return FIELDS;
    }

    public static Optional<Field> field(String path) {
        return Optional.ofNullable(BY_PATH.get(path));
    }

    /** The fields of one section ({@code ""} for the top level), in document order. */
    public static List<Field> section(String section) {
        return FIELDS.stream().filter(f -> f.section().equals(section)).toList();
    }

    /**
     * The reference of every field: path, type, default, the command-line options it stands for, and
     * what it does, as a Markdown table; docs/recipes.md holds exactly this text (scripts/update-docs).
     */
    public static String markdownTable() {
        StringBuilder b = new StringBuilder("| field | value | default | command-line option | notes |\n|---|---|---|---|---|\n");
        for (Field f : FIELDS) {
            String cli = String.join(", ", f.cli().stream()
                    .map(c -> "`" + c.command() + " " + c.option() + "`" + (c.inverted() ? " (inverted)" : "")).toList());
            Object d = f.defaultValue();
            String dflt = d == null ? "" : "`" + (d instanceof Double x ? Field.number(x) : d) + "`";
            b.append("| `").append(f.path()).append("` | ").append(f.expected()).append(" | ").append(dflt).append(" | ")
                    .append(cli).append(" | ").append(f.doc()).append(" |\n");
        }
        return b.toString();
    }

    private static Field integer(String section, String name, long dflt) {
        return Field.of(section, name, Kind.INTEGER, dflt).range(0, MAX_INT);
    }

    private static Field number(String section, String name, double dflt) {
        return Field.of(section, name, Kind.NUMBER, dflt).range(0, Double.POSITIVE_INFINITY);
    }

    private static Field flag(String section, String name, boolean dflt) {
        return Field.of(section, name, Kind.BOOLEAN, dflt);
    }

    private static List<Field> build() {
        List<Field> f = new ArrayList<>();
        f.add(Field.of("", "name", Kind.TEXT, null).doc("A name for the run, shown in the report."));

        f.add(Field.of("data", "dir", Kind.FOLDER, null).cli("train-teacher", "--data").cli("distill", "--data")
                .cli("quantize", "--data").cli("prune", "--data")
                .doc("Folder with train, validation and test files (.csv, .tsv or .jsonl, optionally .gz). "
                        + "Without dir or train: the bundled phishing-urls splits."));
        f.add(Field.of("data", "train", Kind.FILE, null).cli("train-teacher", "--train").cli("distill", "--train")
                .cli("prune", "--train")
                .doc("Training file (instead of dir)."));
        f.add(Field.of("data", "validation", Kind.FILE, null).cli("train-teacher", "--validation").cli("distill", "--validation")
                .cli("quantize", "--validation").cli("prune", "--validation")
                .doc("Validation file, scored after each epoch."));
        f.add(Field.of("data", "test", Kind.FILE, null).cli("train-teacher", "--test").cli("distill", "--test")
                .cli("quantize", "--test").cli("prune", "--test")
                .doc("Test file on which every model is compared."));
        f.add(Field.of("data", "text_column", Kind.TEXT, null).cli("train-teacher", "--text-column").cli("distill", "--text-column")
                .cli("report", "--text-column")
                .doc("Text column; absent: url, else text."));
        f.add(Field.of("data", "label_column", Kind.TEXT, "label").cli("train-teacher", "--label-column")
                .cli("distill", "--label-column").cli("report", "--label-column").doc("Label column."));
        f.add(flag("data", "normalize_urls", false).cli("train-teacher", "--normalize-urls")
                .doc("Strip scheme, one www. and one trailing / while reading, and at prediction time."));

        f.add(Field.of("teacher", "base", Kind.MODEL, "minilm").cli("train-teacher", "--model")
                .doc("Encoder to fine-tune: 'minilm' (bundled all-MiniLM-L6-v2) or a Hugging Face folder."));
        f.add(Field.of("teacher", "trained", Kind.FOLDER, null).cli("distill", "--teacher")
                .doc("A classifier folder saved by train-teacher: used as the teacher as it is, with no fine-tuning "
                        + "(then no other teacher field may be set)."));
        f.add(integer("teacher", "epochs", 3).range(1, MAX_INT).cli("train-teacher", "--epochs"));
        f.add(integer("teacher", "batch_size", 32).range(1, MAX_INT).cli("train-teacher", "--batch-size"));
        f.add(number("teacher", "learning_rate", 5e-5).cli("train-teacher", "--lr").doc("Peak learning rate."));
        f.add(integer("teacher", "max_length", 64).range(3, 512).cli("train-teacher", "--max-length")
                .doc("Tokens per text including [CLS] and [SEP]."));
        f.add(integer("teacher", "max_train_rows", 0).cli("train-teacher", "--max-train-rows")
                .doc("Fine-tune on a seeded random subset of this many rows; 0 for all."));
        f.add(Field.of("teacher", "seed", Kind.INTEGER, 42L).cli("train-teacher", "--seed"));
        f.add(flag("teacher", "class_weights", false).cli("train-teacher", "--class-weights")
                .doc("Weight the loss by inverse class frequency."));
        f.add(integer("teacher", "patience", 2).cli("train-teacher", "--patience")
                .doc("Stop after this many epochs without a better validation score; 0 never stops early."));
        f.add(integer("teacher", "checkpoint_every", 100).cli("train-teacher", "--checkpoint-every")
                .doc("Checkpoint every this many optimizer steps, so an interrupted run resumes."));

        f.add(integer("student", "layers", 0).cli("distill", "--student-layers").doc("0 for half the teacher's."));
        f.add(integer("student", "hidden", 0).cli("distill", "--student-hidden").doc("0 for the teacher's."));
        f.add(integer("student", "heads", 0).cli("distill", "--student-heads").doc("0 for the teacher's."));
        f.add(integer("student", "ffn", 0).cli("distill", "--student-ffn").doc("0 for the teacher's."));
        f.add(Field.of("student", "init", Kind.CHOICE, "from-teacher").choices("from-teacher", "random")
                .cli("distill", "--init").doc("Copy embeddings, spread layers and head from the teacher, or start at random."));

        String[] schemes = Arrays.stream(QuantScheme.values()).map(QuantScheme::id).toArray(String[]::new);
        f.add(Field.of("distillation", "loss", Kind.CHOICE, "forward-kl").choices("forward-kl", "reverse-kl")
                .cli("distill", "--loss").doc("KL direction between teacher and student."));
        f.add(number("distillation", "temperature", 2).range(0.01, 100).cli("distill", "--temperature"));
        f.add(number("distillation", "alpha", 0.5).range(0, 1).cli("distill", "--alpha")
                .doc("Weight of the soft-target loss; the rest goes to cross-entropy on the labels."));
        f.add(number("distillation", "hidden_weight", 0).cli("distill", "--hidden-weight")
                .doc("Weight of the hidden-state MSE to the teacher; 0 turns it off."));
        f.add(number("distillation", "attention_weight", 0).cli("distill", "--attention-weight")
                .doc("Weight of the attention-map loss to the teacher; 0 turns it off."));
        f.add(integer("distillation", "augment", 0).cli("distill", "--augment")
                .doc("Teacher-labelled URL variants per training row."));
        f.add(flag("distillation", "hard_labels_only", false).cli("distill", "--hard-labels-only")
                .doc("The ablation: train on the dataset's labels only."));
        f.add(flag("distillation", "trim_vocabulary", true).cliInverted("distill", "--no-trim-vocab")
                .doc("Keep only the word pieces the training data uses."));
        f.add(integer("distillation", "vocab_min_count", 1).range(1, MAX_INT).cli("distill", "--vocab-min-count")
                .doc("With trim_vocabulary, keep only the pieces the training data uses at least this many times."));
        f.add(integer("distillation", "epochs", 3).range(1, MAX_INT).cli("distill", "--epochs"));
        f.add(integer("distillation", "batch_size", 32).range(1, MAX_INT).cli("distill", "--batch-size"));
        f.add(number("distillation", "learning_rate", 1e-4).cli("distill", "--lr"));
        f.add(integer("distillation", "max_length", 0).cli("distill", "--max-length").doc("0 for the teacher's."));
        f.add(integer("distillation", "max_train_rows", 0).cli("distill", "--max-train-rows")
                .doc("Distil on a seeded random subset of this many rows; 0 for all."));
        f.add(Field.of("distillation", "seed", Kind.INTEGER, 42L).cli("distill", "--seed"));
        f.add(integer("distillation", "checkpoint_every", 100).cli("distill", "--checkpoint-every")
                .doc("Checkpoint every this many optimizer steps, so an interrupted run resumes."));
        f.add(Field.of("distillation", "qat", Kind.CHOICE, null).choices(schemes).cli("distill", "--qat")
                .doc("Quantization-aware training: train the student through fake quantization to this scheme."));
        f.add(flag("distillation", "adversarial", false).cli("distill", "--adversarial")
                .doc("Attack phishing training URLs against the teacher and train on the successful ones too."));
        f.add(integer("distillation", "adversarial_urls", 200).range(1, MAX_INT).cli("distill", "--adversarial-urls")
                .doc("Phishing training URLs to attack."));
        f.add(integer("distillation", "adversarial_budget", 100).range(1, MAX_INT).cli("distill", "--adversarial-budget")
                .doc("Teacher queries per attacked URL."));
        f.add(Field.of("distillation", "teacher_logits", Kind.FOLDER, null).cli("distill", "--teacher-logits")
                .doc("A content-keyed teacher-logits cache (written by the distillery-spark labelling job): training rows "
                        + "found in it are not run through the teacher."));

        f.add(Field.of("quantization", "schemes", Kind.CHOICE_LIST, List.of("int8", "nf4-dq")).choices(schemes)
                .cli("quantize", "--scheme")
                .doc("Post-training quantized copies of the student, each saved as models/student-SCHEME; [] for none."));
        f.add(Field.of("quantization", "skip", Kind.TEXT_LIST, List.of()).cli("quantize", "--skip")
                .doc("Leave weights FP32 whose name contains a pattern or matches it as a glob."));
        f.add(flag("quantization", "evaluate", false).cli("quantize", "--evaluate")
                .doc("Score FP32 and quantized on the validation and test splits into the manifest."));
        f.add(Field.of("quantization", "max_f1_drop", Kind.NUMBER, null).range(0, 0.99).cli("quantize", "--max-f1-drop")
                .doc("Mixed precision: keep the most F1-sensitive weights at keep_as until the validation F1 drop is at "
                        + "most this; absent for none."));
        List<String> keep = new ArrayList<>(List.of("fp32"));
        keep.addAll(List.of(schemes));
        f.add(Field.of("quantization", "keep_as", Kind.CHOICE, "fp32").choices(keep.toArray(String[]::new))
                .cli("quantize", "--keep-as").doc("Format of the weights kept for accuracy."));

        f.add(flag("pruning", "enabled", false).doc("Prune a model into models/SOURCE-pruned."));
        f.add(Field.of("pruning", "source", Kind.CHOICE, "student").choices("student", "teacher").cli("prune", "--model")
                .doc("The model to prune."));
        f.add(flag("pruning", "recover_from_teacher", false).cli("prune", "--teacher")
                .doc("Recover by distilling from models/teacher rather than from the unpruned model (needs the same "
                        + "tokenizer: a student with distillation.trim_vocabulary false)."));
        f.add(number("pruning", "heads", 0).range(0, 0.99).cli("prune", "--heads").doc("Fraction of each layer's attention heads to remove."));
        f.add(number("pruning", "ffn", 0).range(0, 0.99).cli("prune", "--ffn").doc("Fraction of feed-forward neurons to remove."));
        f.add(integer("pruning", "layers", 0).cli("prune", "--layers").doc("Whole layers to remove."));
        f.add(Field.of("pruning", "layer_choice", Kind.CHOICE, "importance").choices("importance", "spread").cli("prune", "--layer-choice")
                .doc("Drop the layers whose removal costs least, or keep an evenly spread subset."));
        f.add(number("pruning", "sparsity", 0).range(0, 0.99).cli("prune", "--sparsity")
                .doc("Fraction of the encoder layers' linear weights to zero by magnitude."));
        f.add(Field.of("pruning", "sparsity_scope", Kind.CHOICE, "layer").choices("layer", "global").cli("prune", "--sparsity-scope")
                .doc("Rank weights within each matrix or across all of them."));
        f.add(flag("pruning", "gradual", false).cli("prune", "--gradual").doc("Reach the sparsity on a cubic schedule during recovery."));
        f.add(flag("pruning", "store_sparse", false).cli("prune", "--store-sparse").doc("Save the weights as model.sparse.safetensors when smaller."));
        f.add(integer("pruning", "importance_rows", 512).range(1, MAX_INT).cli("prune", "--importance-rows").doc("Training rows on which importance is measured."));
        f.add(integer("pruning", "recover_epochs", 0).cli("prune", "--recover-epochs").doc("Epochs of distillation after pruning; 0 for none."));
        f.add(integer("pruning", "max_train_rows", 0).cli("prune", "--max-train-rows").doc("Recover on a seeded random subset of this many rows; 0 for all."));
        f.add(integer("pruning", "batch_size", 32).range(1, MAX_INT).cli("prune", "--batch-size"));
        f.add(number("pruning", "learning_rate", 5e-5).cli("prune", "--lr"));
        f.add(number("pruning", "temperature", 2).range(0.01, 100).cli("prune", "--temperature"));
        f.add(number("pruning", "alpha", 0.5).range(0, 1).cli("prune", "--alpha"));
        f.add(integer("pruning", "latency_runs", 200).cli("prune", "--latency-runs").doc("Timed batch-1 passes in the before/after comparison; 0 to skip."));
        f.add(Field.of("pruning", "seed", Kind.INTEGER, 42L).cli("prune", "--seed"));

        f.add(flag("verification", "enabled", true)
                .doc("Measure every model on the test split and write summary.json and report.html."));
        f.add(Field.of("verification", "data", Kind.FILE, null).cli("report", "--data").doc("Labelled file to verify on; absent: the test split."));
        f.add(flag("verification", "robustness", true).cliInverted("report", "--no-robustness").doc("Run the adversarial URL attack on every model."));
        f.add(flag("verification", "timing", true).cliInverted("report", "--no-timing").doc("Measure latency, throughput and heap."));
        f.add(integer("verification", "latency_runs", 200).range(1, MAX_INT).cli("report", "--latency-runs").doc("Timed single-text predictions per model."));
        f.add(integer("verification", "attack_urls", 100).cli("report", "--attack-rows")
                .doc("Phishing rows of the test data attacked per model (the first ones); 0 for all."));
        f.add(integer("verification", "attack_budget", 100).range(1, MAX_INT).cli("report", "--attack-budget")
                .doc("Model queries per attacked URL, the clean one included."));
        f.add(Field.of("verification", "seed", Kind.INTEGER, 42L).cli("report", "--seed").doc("Seeds the attack's edits."));
        f.add(integer("verification", "listed", 25).cli("report", "--list").doc("Disagreements listed per direction in the report."));

        f.add(Field.of("outputs", "dir", Kind.OUTPUT_FOLDER, null)
                .doc("Output folder (run --out overrides it): summary.json, report.html, models/NAME/."));
        f.add(Field.of("outputs", "cache", Kind.OUTPUT_FOLDER, null)
                .doc("Where fine-tuned teachers are kept across runs and output folders; absent: $DISTILLERY_CACHE, "
                        + "else ~/.cache/distillery."));
        return List.copyOf(f);
    }

    private static Map<String, Field> index() {
        Map<String, Field> m = new LinkedHashMap<>();
        for (Field f : FIELDS) {
            if (m.put(f.path(), f) != null) {
                throw new AssertionError("two recipe fields named " + f.path());
            }
        }
        return m;
    }
}
