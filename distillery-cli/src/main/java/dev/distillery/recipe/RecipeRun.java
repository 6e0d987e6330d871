package dev.distillery.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.classify.Manifest;
import dev.distillery.data.BundledData;
import dev.distillery.data.SplitFiles;
import dev.distillery.io.AtomicFiles;
import dev.distillery.pipeline.Distillation;
import dev.distillery.pipeline.DistillationResult;
import dev.distillery.pipeline.Pruning;
import dev.distillery.pipeline.PruningResult;
import dev.distillery.pipeline.Quantization;
import dev.distillery.pipeline.QuantizationResult;
import dev.distillery.pipeline.TeacherResult;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.report.Table;
import dev.distillery.train.Trainer;
import dev.distillery.robust.AttackOptions;
import dev.distillery.train.TrainingListener;
import dev.distillery.verify.EfficiencyOptions;
import dev.distillery.verify.ReportWriter;
import dev.distillery.verify.UrlAttack;
import dev.distillery.verify.Verification;
import dev.distillery.verify.VerificationOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs a recipe's steps in order into an output folder:
 * <pre>
 * OUT/summary.json, OUT/report.html     verification of every model
 * OUT/models/teacher/                   each a classifier folder (predict, evaluate, serve, inspect)
 * OUT/models/student/
 * OUT/models/student-int8/, ...
 * OUT/.run/STEP.json                    the cache key a finished step was made with
 * OUT/.run/work/STEP/                   a step in progress (checkpoints for resuming)
 * CACHE/teachers/KEY/                   fine-tuned teachers, shared by every run on this machine
 * CACHE/teacher-logits/KEY.bin          a teacher's logits over a student's training rows, likewise
 * </pre>
 * A step's key hashes its options, the content of its input files and the keys of the steps it
 * reads ({@link StepKey}). A step whose key matches {@code OUT/.run/STEP.json} and whose folder is
 * there is skipped. A step writes into {@code .run/work/STEP} and the finished folder is renamed into
 * {@code models/} in one move, so {@code models/} never holds a half-written model; an interrupted
 * step finds its work folder (same key) and resumes from its checkpoints.
 */
public final class RecipeRun {
    public static final String MODELS = "models";
    public static final String STATE = ".run";
    /** Environment variable naming the cache folder when the recipe's outputs.cache is not set. */
    public static final String CACHE_ENV = "DISTILLERY_CACHE";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Recipe recipe;
    private final Path out;
    private final Path cache;
    private final PrintStream log;
    private final TrainingListener progress;
    private final String command;
    private final Map<String, String> keys = new LinkedHashMap<>();

    /**
     * @param log      step headers and the pipeline's own messages
     * @param progress training progress of the teacher and student steps
     * @param command  the command line, recorded in every model's manifest
     */
    public RecipeRun(Recipe recipe, PrintStream log, TrainingListener progress, String command) {
        Path dir = recipe.path("outputs.dir");
        if (dir == null) {
            throw new RecipeException(recipe.source(), "outputs.dir", "missing: give an output folder in the recipe or run --out DIR");
        }
        this.recipe = recipe;
        this.out = dir;
        this.cache = cacheRoot(recipe);
        this.log = log;
        this.progress = progress;
        this.command = command;
    }

    /** outputs.cache, else $DISTILLERY_CACHE, else ~/.cache/distillery. */
    public static Path cacheRoot(Recipe recipe) {
        Path p = recipe.path("outputs.cache");
        if (p != null) {
            return p;
        }
        String env = System.getenv(CACHE_ENV);
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath()
                : Path.of(System.getProperty("user.home"), ".cache", "distillery");
    }

    /** Whether a step ran or was found finished. */
    public record StepOutcome(String name, String key, boolean skipped, double seconds) {
    }

    /**
     * What a run produced.
     *
     * @param models  model name to folder, in the order they were made
     * @param report  the HTML report, or null when verification is off
     * @param summary the summary.json, or null when verification is off
     */
    public record Result(Path out, List<StepOutcome> steps, Map<String, Path> models, Path report, Path summary) {
        /**
         * One row per model: from summary.json when the run verified its models (scores, latency, robustness),
         * else size on disk and the test scores each manifest records.
         */
        public Table table() throws IOException {
            return summary != null && Files.isRegularFile(summary) ? SummaryTable.read(summary) : ModelTable.of(models);
        }
    }

    /** A step that writes {@code work}; {@code resuming} when a previous attempt with the same key left it there. */
    @FunctionalInterface
    interface Body {
        void produce(Path work, boolean resuming) throws IOException;
    }

    /** One step: the folder it makes (under models/, or the output folder itself), and how. */
    private record Step(String name, String title, KeySource key, Body body, boolean model) {
    }

    @FunctionalInterface
    private interface KeySource {
        String key() throws IOException;
    }

    public Result run() throws IOException {
        Files.createDirectories(out.resolve(STATE));
        // two runs into one folder would move each other's work folders; the OS drops the lock if we die
        try (FileChannel lockFile = FileChannel.open(out.resolve(STATE).resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(lockFile)) {
            if (lock == null) {
                throw new IllegalStateException("another distillery run is writing " + out + "; wait for it or use another --out");
            }
            return runLocked();
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by another run in this JVM
        }
    }

    /**
     * What {@link #run} would do, one line per step, "cached" for the finished ones; runs nothing (the
     * keys hash the input files, which is quick next to any step).
     */
    public List<String> describe() throws IOException {
        List<Step> steps = plan();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String key = s.key().key();
            keys.put(s.name(), key);
            lines.add(String.format(Locale.ROOT, "[%d/%d] %s: %s%s", i + 1, steps.size(), s.name(), s.title(),
                    finished(s, key) ? " (cached)" : ""));
        }
        return lines;
    }

    private Result runLocked() throws IOException {
        List<Step> steps = plan();
        log.printf("run %s into %s (%d steps)%n", recipe.source(), out, steps.size());
        List<StepOutcome> outcomes = new ArrayList<>();
        Map<String, Path> models = new LinkedHashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String key = s.key().key();
            keys.put(s.name(), key);
            String head = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, steps.size(), s.name());
            if (finished(s, key)) {
                log.printf("%s: %s, cached (key %s), skipped%n", head, s.title(), key.substring(0, 12));
                outcomes.add(new StepOutcome(s.name(), key, true, 0));
            } else {
                log.printf("%s: %s%n", head, s.title());
                long start = System.nanoTime();
                execute(s, key);
                double seconds = (System.nanoTime() - start) / 1e9;
                log.printf("%s: done in %s%n", head, duration(seconds));
                outcomes.add(new StepOutcome(s.name(), key, false, seconds));
            }
            if (s.model()) {
                models.put(s.name(), modelDir(s.name()));
            }
        }
        long ran = outcomes.stream().filter(o -> !o.skipped()).count();
        log.printf("finished in %s: %d step(s) run, %d cached%n",
                duration(outcomes.stream().mapToDouble(StepOutcome::seconds).sum()), ran, outcomes.size() - ran);
        boolean verified = recipe.flag("verification.enabled");
        return new Result(out, outcomes, models, verified ? out.resolve(ReportWriter.HTML) : null,
                verified ? out.resolve(ReportWriter.JSON) : null);
    }

    /** The steps this recipe asks for, in order. */
    private List<Step> plan() {
        List<Step> steps = new ArrayList<>();
        steps.add(teacherStep());
        steps.add(new Step("student", studentTitle(), this::studentKey, this::distil, true));
        for (String scheme : recipe.list("quantization.schemes")) {
            steps.add(quantizeStep(scheme));
        }
        if (recipe.flag("pruning.enabled")) {
            steps.add(pruneStep());
        }
        if (recipe.flag("verification.enabled")) {
            List<String> models = steps.stream().filter(Step::model).map(Step::name).toList();
            steps.add(new Step("report", "verify " + String.join(", ", models) + " and write the report",
                    () -> verifyKey(models), (work, resuming) -> verify(models, work), false));
        }
        return steps;
    }

    private Path modelDir(String name) {
        return out.resolve(MODELS).resolve(name);
    }

    private boolean finished(Step s, String key) throws IOException {
        Path marker = out.resolve(STATE).resolve(s.name() + ".json");
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        JsonNode done = JSON.readTree(marker.toFile());
        boolean present = s.model() ? Files.isRegularFile(modelDir(s.name()).resolve(Manifest.FILE))
                : Files.isRegularFile(out.resolve(ReportWriter.JSON)) && Files.isRegularFile(out.resolve(ReportWriter.HTML));
        return present && key.equals(done.path("key").asText());
    }

    private void execute(Step s, String key) throws IOException {
        Path work = out.resolve(STATE).resolve("work").resolve(s.name());
        Path workKey = out.resolve(STATE).resolve("work").resolve(s.name() + ".key");
        boolean resuming = Files.isDirectory(work) && Files.isRegularFile(workKey)
                && Files.readString(workKey).strip().equals(key);
        if (!resuming) {
            deleteTree(work);
            AtomicFiles.writeString(workKey, key + "\n");
        }
        Files.createDirectories(work);
        Files.deleteIfExists(out.resolve(STATE).resolve(s.name() + ".json"));
        s.body().produce(work, resuming);
        if (s.model()) {
            Path target = modelDir(s.name());
            deleteTree(target);
            Files.createDirectories(target.getParent());
            move(work, target);
        } else {
            // report files land beside models/, each replaced in one rename
            try (Stream<Path> files = Files.list(work)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.move(f, out.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                }
            }
            deleteTree(work);
        }
        Files.deleteIfExists(workKey);
        ObjectNode done = JSON.createObjectNode();
        done.put("key", key);
        done.put("finished_utc", Instant.now().toString());
        done.put("title", s.title());
        AtomicFiles.writeString(out.resolve(STATE).resolve(s.name() + ".json"), done.toPrettyString() + "\n");
    }

    // ---- teacher -------------------------------------------------------------------------------

    private Step teacherStep() {
        Path trained = recipe.path("teacher.trained");
        if (trained != null) {
            return new Step("teacher", "copy the trained teacher " + trained,
                    () -> new StepKey("teacher-given").folder("teacher.trained", trained).hex(),
                    (work, resuming) -> linkOrCopyTree(trained, work), true);
        }
        String title = String.format(Locale.ROOT, "fine-tune %s on %s, %d epoch(s), max length %d%s", recipe.text("teacher.base"),
                dataName(), recipe.integer("teacher.epochs"), recipe.integer("teacher.max_length"),
                recipe.integer("teacher.max_train_rows") > 0 ? ", " + recipe.integer("teacher.max_train_rows") + " rows" : "");
        return new Step("teacher", title, this::teacherKey, this::fineTune, true);
    }

    private String teacherKey() throws IOException {
        StepKey k = new StepKey("teacher");
        dataKey(k);
        for (Field f : RecipeSchema.section("teacher")) {
            if (!f.path().equals("teacher.base") && !f.path().equals("teacher.trained")) {
                k.put(f.path(), String.valueOf(recipe.values().get(f.path())));
            }
        }
        String base = recipe.text("teacher.base");
        return base.equals("minilm") ? k.put("teacher.base", "minilm").hex() : k.folder("teacher.base", Path.of(base)).hex();
    }

    /** Fine-tunes into the shared cache (resuming there after an interruption), then links the result into work. */
    private void fineTune(Path work, boolean resuming) throws IOException {
        String key = keys.get("teacher");
        Path cached = cache.resolve("teachers").resolve(key);
        if (Files.isRegularFile(cached.resolve(Manifest.FILE))) {
            log.printf("  fine-tuned teacher found in the cache %s%n", cached);
        } else {
            Path partial = cache.resolve("teachers").resolve(".partial-" + key);
            boolean resume = Files.isRegularFile(partial.resolve(TeacherTraining.CHECKPOINTS).resolve(Trainer.LAST));
            if (resume) {
                log.printf("  resuming the interrupted fine-tuning in %s%n", partial);
            }
            TeacherResult r = TeacherTraining.run(recipe.teacherOptions(partial, resume, command + " (teacher step)"),
                    progress, log);
            if (r.test() != null) {
                log.printf(Locale.ROOT, "  teacher test: accuracy %.4f, F1 %.4f%n", r.test().report().accuracy(),
                        r.test().binary() == null ? r.test().report().macroF1() : r.test().binary().f1());
            }
            move(partial, cached);
        }
        linkOrCopyTree(cached, work);
    }

    // ---- student -------------------------------------------------------------------------------

    private String studentTitle() {
        long layers = recipe.integer("student.layers");
        return String.format(Locale.ROOT, "distil a %s student (%s init), %d epoch(s)%s",
                layers == 0 ? "half-depth" : layers + "-layer", recipe.text("student.init"),
                recipe.integer("distillation.epochs"),
                recipe.integer("distillation.max_train_rows") > 0 ? ", " + recipe.integer("distillation.max_train_rows") + " rows" : "");
    }

    private String studentKey() throws IOException {
        StepKey k = new StepKey("student").put("teacher", keys.get("teacher"));
        dataKey(k);
        return k.putAll(recipe.sectionValues("student", "distillation")).hex();
    }

    private void distil(Path work, boolean resuming) throws IOException {
        // a student trained on the labels alone never asks the teacher for logits
        Path logits = recipe.flag("distillation.hard_labels_only") ? null : teacherLogitsFile();
        if (logits != null && Files.isRegularFile(logits)) {
            log.printf("  the teacher's logits over these training rows are in the cache %s%n", logits);
        }
        DistillationResult r = Distillation.run(recipe.distillationOptions(modelDir("teacher"), work,
                command + " (student step)", logits), progress, log);
        log.print(r.comparison());
    }

    /**
     * Where the teacher's logits over the student's training rows are kept, beside the cached teachers: keyed by the
     * teacher and by what decides those rows (data, subset, seed, variants, length), not by the student's shape or
     * training, so every student of one teacher and data reuses them, in any output folder.
     */
    private Path teacherLogitsFile() throws IOException {
        StepKey k = new StepKey("teacher-logits").put("teacher", keys.get("teacher"));
        dataKey(k);
        for (String f : List.of("distillation.max_train_rows", "distillation.seed", "distillation.augment",
                "distillation.max_length")) {
            k.put(f, String.valueOf(recipe.values().get(f)));
        }
        return cache.resolve("teacher-logits").resolve(k.hex() + ".bin");
    }

    // ---- quantized students --------------------------------------------------------------------

    private Step quantizeStep(String scheme) {
        return new Step("student-" + scheme, "quantize the student to " + scheme, () -> new StepKey("quantize")
                .put("student", keys.get("student")).put("scheme", scheme).putAll(recipe.sectionValues("quantization"))
                .hex(), (work, resuming) -> {
                    QuantizationResult r = Quantization.run(recipe.quantizationOptions(modelDir("student"), scheme, work,
                            command + " (student-" + scheme + " step)"), log);
                    log.print(r.summary());
                }, true);
    }

    // ---- pruning -------------------------------------------------------------------------------

    private Step pruneStep() {
        String source = recipe.text("pruning.source");
        boolean fromTeacher = recipe.flag("pruning.recover_from_teacher");
        return new Step(source + "-pruned", String.format(Locale.ROOT, "prune the %s (heads %s, FFN %s, %d layers, sparsity %s)",
                source, Field.number(recipe.number("pruning.heads")), Field.number(recipe.number("pruning.ffn")),
                recipe.integer("pruning.layers"), Field.number(recipe.number("pruning.sparsity"))), () -> {
                    StepKey k = new StepKey("prune").put("source", keys.get(source)).put("teacher", keys.get("teacher"));
                    dataKey(k);
                    return k.putAll(recipe.sectionValues("pruning")).hex();
                }, (work, resuming) -> {
                    boolean resume = resuming && Files.isRegularFile(work.resolve(TeacherTraining.CHECKPOINTS).resolve(Trainer.LAST));
                    if (resume) {
                        log.printf("  resuming the interrupted recovery in %s%n", work);
                    }
                    PruningResult r = Pruning.run(recipe.pruningOptions(modelDir(source), fromTeacher ? modelDir("teacher") : null,
                            work, command + " (" + source + "-pruned step)").withResume(resume), progress, log);
                    log.print(r.comparison());
                }, true);
    }

    // ---- verification and report ---------------------------------------------------------------

    private String verifyKey(List<String> models) throws IOException {
        StepKey k = new StepKey("report");
        for (String m : models) {
            k.put("model." + m, keys.get(m));
        }
        k.put("data.text_column", String.valueOf(recipe.text("data.text_column")))
                .put("data.label_column", recipe.text("data.label_column")).file("test", testFile());
        for (Field f : RecipeSchema.section("verification")) {
            if (!f.path().equals("verification.data")) {
                k.put(f.path(), String.valueOf(recipe.values().get(f.path())));
            }
        }
        return k.hex();
    }

    private Path testFile() {
        return recipe.path("verification.data") != null ? recipe.path("verification.data") : splitFiles().test();
    }

    /** Measures the teacher (the reference) and every other model on the test file; writes the report into work. */
    private void verify(List<String> models, Path work) throws IOException {
        List<Path> others = models.stream().filter(m -> !m.equals("teacher")).map(this::modelDir).toList();
        EfficiencyOptions d = EfficiencyOptions.defaults();
        VerificationOptions o = VerificationOptions.of(others, testFile()).withTeacher(modelDir("teacher"))
                .withColumns(recipe.text("data.text_column"), recipe.text("data.label_column"))
                .withEfficiency(recipe.flag("verification.timing") ? new EfficiencyOptions(true, d.warmupRuns(),
                        recipe.smallInteger("verification.latency_runs"), d.throughputBatches(), d.batchSize())
                        : EfficiencyOptions.sizeOnly())
                .withMaxListed(recipe.smallInteger("verification.listed"));
        o = recipe.flag("verification.robustness")
                ? o.withProbe(new UrlAttack(AttackOptions.defaults().withQueryBudget(recipe.smallInteger("verification.attack_budget"))
                        .withSeed(recipe.integer("verification.seed")), recipe.smallInteger("verification.attack_urls")))
                : o.withoutRobustness("turned off in the recipe (verification.robustness: false)");
        ReportWriter.write(Verification.run(o, log), work);
    }

    // ---- shared --------------------------------------------------------------------------------

    /** The data section's options and the content of the split files it names (or the bundled ones). */
    private void dataKey(StepKey k) throws IOException {
        for (Field f : RecipeSchema.section("data")) {
            Object v = recipe.values().get(f.path());
            if (!(v instanceof Path)) {
                k.put(f.path(), String.valueOf(v));
            }
        }
        SplitFiles files = splitFiles();
        k.file("data.train", files.train());
        if (files.validation() != null) {
            k.file("data.validation", files.validation());
        }
        if (files.test() != null) {
            k.file("data.test", files.test());
        }
    }

    private SplitFiles splitFiles() {
        if (recipe.path("data.dir") != null) {
            return SplitFiles.in(recipe.path("data.dir"));
        }
        if (recipe.path("data.train") != null) {
            return new SplitFiles(recipe.path("data.train"), recipe.path("data.validation"), recipe.path("data.test"));
        }
        return BundledData.phishingUrls();
    }

    private String dataName() {
        if (recipe.path("data.dir") != null) {
            return recipe.path("data.dir").toString();
        }
        return recipe.path("data.train") != null ? recipe.path("data.train").toString() : "the bundled phishing-urls";
    }

    /** Renames a folder in one step when the file system can, else copies it and removes the source. */
    static void move(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            linkOrCopyTree(from, to);
            deleteTree(from);
        }
    }

    /**
     * Recreates {@code from}'s regular files (hidden ones apart) under {@code to}, as hard links where
     * the file system allows (a teacher is 90 MB) and copies elsewhere.
     */
    static void linkOrCopyTree(Path from, Path to) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(from)) {
            files = s.filter(Files::isRegularFile).filter(p -> !from.relativize(p).toString().startsWith(".")).toList();
        }
        for (Path f : files) {
            Path target = to.resolve(from.relativize(f).toString());
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            try {
                Files.createLink(target, f);
            } catch (UnsupportedOperationException | FileSystemException e) {
                Files.copy(f, target);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** m:ss or h:mm:ss. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
