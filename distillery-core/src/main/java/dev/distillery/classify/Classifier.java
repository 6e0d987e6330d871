package dev.distillery.classify;

import dev.distillery.data.Dataset;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.eval.CalibrationObjective;
import dev.distillery.eval.TemperatureFit;
import dev.distillery.eval.TemperatureScaling;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;
import dev.distillery.model.WeightMismatchException;
import dev.distillery.onnx.ImportedEncoder;
import dev.distillery.onnx.MiniLm;
import dev.distillery.quant.QuantizationInfo;
import dev.distillery.quant.QuantizedCheckpoint;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.WordPieceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sequence classifier with everything needed to turn raw text into a label: the recorded text
 * transform, the tokenizer, the maximum length and the label names.
 *
 * <p>Life cycle: {@link #load} a saved folder (or {@link #forFineTuning} a pretrained encoder and
 * train {@link #model()}), then {@link #predict} from any number of threads. Predictions run on
 * a frozen, pre-packed {@link SequenceClassifier} snapshot ({@link SequenceClassifier#freeze()}), taken on first use and taken again
 * whenever the trainable model's {@link SequenceClassifier#version()} moved (a training step or a
 * weight load), so a classifier being trained never serves stale weights. {@link #forInference}
 * wraps a model that exists only in frozen form (a quantized checkpoint): it predicts, but has
 * no trainable {@link #model()} and cannot {@link #save} FP32 files.
 * {@link #save} writes a Hugging Face folder plus {@value Manifest#FILE}.
 * <pre>{@code
 * Classifier c = Classifier.load(Path.of("models/teacher"));
 * c.predict("HTTPS://www.paypal.com.account-verify.example/").label();   // "1"
 * }</pre>
 */
public final class Classifier {
    /** The name that selects the bundled all-MiniLM-L6-v2 as a base model. */
    public static final String MINILM = "minilm";
    /** Texts per forward pass in batch prediction. */
    public static final int DEFAULT_BATCH_SIZE = 64;
    /** Seeds the calibration guard's bootstrap, so the same held-out rows give the same verdict. */
    public static final long CALIBRATION_SEED = 42;

    private final SequenceClassifier model; // null for an inference-only classifier
    private final EncoderConfig config;
    private final WordPieceTokenizer tokenizer;
    private final Path tokenizerFile;
    private final boolean lowerCase;
    private final Manifest manifest;
    private final LabelMap labels;
    private final TextTransform transform;
    /** The snapshot predictions use and the model version it was taken at; guarded by this. */
    private SequenceClassifier frozen;
    private long frozenVersion;

    private Classifier(SequenceClassifier model, WordPieceTokenizer tokenizer, Path tokenizerFile, boolean lowerCase,
                       Manifest manifest) {
        this(model, null, tokenizer, tokenizerFile, lowerCase, manifest);
    }

    private Classifier(SequenceClassifier model, SequenceClassifier frozen, WordPieceTokenizer tokenizer,
                       Path tokenizerFile, boolean lowerCase, Manifest manifest) {
        this.config = encoderConfig(model != null ? model : frozen);
        if (!config.labels().equals(manifest.labels())) {
            throw new IllegalArgumentException("model labels " + config.labels() + " differ from the manifest's "
                    + manifest.labels());
        }
        this.model = model;
        this.frozen = frozen;
        this.tokenizer = tokenizer;
        this.tokenizerFile = tokenizerFile;
        this.lowerCase = lowerCase;
        this.manifest = manifest;
        this.labels = LabelMap.of(manifest.labels());
        this.transform = manifest.transform();
    }

    /**
     * A classifier to fine-tune: the encoder of {@code base} ({@value #MINILM} or a Hugging Face folder) and a
     * classification head for {@code labels}, initialised from {@code seed} as Hugging Face does. A folder's own
     * head is kept only when its labels are exactly {@code labels}; otherwise it is replaced, as
     * {@code from_pretrained(..., ignore_mismatched_sizes=True)} does.
     */
    public static Classifier forFineTuning(String base, LabelMap labels, TextTransform transform, int maxLength, long seed)
            throws IOException {
        Manifest manifest = Manifest.of(labels.names(), transform, maxLength);
        if (base.equals(MINILM)) {
            ImportedEncoder imported = MiniLm.load();
            SequenceClassifier model = SequenceClassifier.create(imported.config().withLabels(labels.names()), seed);
            model.loadPretrained(imported.weights());
            Path tokenizerCopy = Files.createTempFile("distillery-minilm-", "-tokenizer.json");
            tokenizerCopy.toFile().deleteOnExit();
            try (InputStream in = MiniLm.open(MiniLm.TOKENIZER_RESOURCE)) {
                Files.copy(in, tokenizerCopy, StandardCopyOption.REPLACE_EXISTING);
            }
            WordPieceTokenizer tokenizer = WordPieceTokenizer.fromTokenizerJson(tokenizerCopy);
            checkMaxLength(maxLength, model.config(), MINILM);
            return new Classifier(model, tokenizer, tokenizerCopy, true, manifest);
        }
        Path dir = Path.of(base);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(base, null, "expected 'minilm' or a Hugging Face checkpoint folder");
        }
        QuantizationInfo quantization = Manifest.quantizationIn(dir);
        if (quantization != null) {
            throw new CheckpointFormatException(dir + " holds a classifier quantized as " + quantization.scheme()
                    + ", which cannot be trained; fine-tune the FP32 folder it was quantized from (or use distill --qat)");
        }
        Checkpoint checkpoint = Checkpoint.read(dir);
        WordPieceTokenizer tokenizer = tokenizerOf(checkpoint);
        SequenceClassifier model = SequenceClassifier.create(checkpoint.config().withLabels(labels.names()), seed);
        Map<String, Tensor> weights = checkpoint.weights();
        if (!checkpoint.config().labels().equals(labels.names())) {
            weights = new LinkedHashMap<>(weights);
            String classifier = checkpoint.config().encoderFamily().names().classifier() + ".";
            weights.keySet().removeIf(name -> name.startsWith(classifier));
        }
        model.loadPretrained(weights);
        checkMaxLength(maxLength, model.config(), dir.toString());
        return new Classifier(model, tokenizer, checkpoint.tokenizerFile(), checkpoint.lowerCase(), manifest);
    }

    /**
     * A classifier that only predicts, around a model in any weight format (a quantized checkpoint
     * loaded into a {@link SequenceClassifier}): {@link #model()} and {@link #save} refuse it.
     *
     * @param tokenizerFile the tokenizer.json or vocab.txt {@code tokenizer} was read from
     * @throws CheckpointFormatException when the model has fewer positions than the manifest's maximum length
     */
    public static Classifier forInference(SequenceClassifier model, WordPieceTokenizer tokenizer, Path tokenizerFile,
                                          boolean lowerCase, Manifest manifest) throws CheckpointFormatException {
        checkMaxLength(manifest.maxLength(), model.config(), "given");
        return new Classifier(null, model, tokenizer, tokenizerFile, lowerCase, manifest);
    }

    /**
     * Loads a folder written by {@link #save}, first checking its files against the digests its manifest records
     * unless {@code -Ddistillery.verify=false} (see {@link ModelFolder}).
     *
     * @throws ModelIntegrityException   when a file changed, is missing, or was added since the folder was saved
     * @throws CheckpointFormatException when a file is damaged or the manifest disagrees with config.json
     */
    public static Classifier load(Path dir) throws IOException {
        return load(dir, ModelFolder.defaultVerification());
    }

    /** As {@link #load(Path)}, checking the files or not as {@code verification} says. */
    public static Classifier load(Path dir, Verification verification) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw ModelFolder.missing(dir);
        }
        Manifest manifest = Manifest.read(dir.resolve(Manifest.FILE));
        if (verification == Verification.CHECK) {
            ModelFolder.verify(dir, manifest);
        }
        if (manifest.isQuantized()) {
            return loadQuantized(dir, manifest);
        }
        Checkpoint checkpoint = Checkpoint.read(dir);
        if (!checkpoint.config().labels().equals(manifest.labels())) {
            throw new CheckpointFormatException(dir.resolve(Checkpoint.CONFIG) + " names labels "
                    + checkpoint.config().labels() + " but " + dir.resolve(Manifest.FILE) + " names " + manifest.labels());
        }
        checkMaxLength(manifest.maxLength(), checkpoint.config(), dir.toString());
        SequenceClassifier model = SequenceClassifier.create(checkpoint.config(), 0);
        try {
            model.loadWeights(checkpoint.weights());
        } catch (WeightMismatchException e) {
            throw new CheckpointFormatException(dir.resolve(Checkpoint.WEIGHTS) + " is not a complete classifier: "
                    + e.getMessage(), e);
        }
        return new Classifier(model, tokenizerOf(checkpoint), checkpoint.tokenizerFile(), checkpoint.lowerCase(), manifest);
    }

    /**
     * A classifier with this one's labels, text transform and lower-casing but another model, tokenizer and maximum
     * length, as a distilled student is. A tokenizer other than this one's is saved as its vocab.txt.
     *
     * @throws CheckpointFormatException when the model has fewer positions than the maximum length
     */
    public Classifier withModel(SequenceClassifier other, WordPieceTokenizer otherTokenizer, int otherMaxLength)
            throws IOException {
        checkMaxLength(otherMaxLength, encoderConfig(other), "student " + other.config().family());
        if (otherTokenizer.vocabSize() != other.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + otherTokenizer.vocabSize()
                    + " word pieces but the model's embeddings " + other.config().vocabSize());
        }
        Path file = tokenizerFile;
        if (otherTokenizer != tokenizer) {
            file = Files.createTempFile("distillery-student-", "-vocab.txt");
            file.toFile().deleteOnExit();
            otherTokenizer.writeVocab(file);
        }
        return new Classifier(other, otherTokenizer, file, lowerCase, Manifest.of(labels.names(), transform, otherMaxLength));
    }

    /**
     * A folder written by {@code distillery quantize}: quantized weights stay packed and are computed on by the
     * low-bit kernels; the classifier predicts but cannot be trained or saved as FP32.
     */
    private static Classifier loadQuantized(Path dir, Manifest manifest) throws IOException {
        QuantizedCheckpoint q = QuantizedCheckpoint.read(dir, manifest.quantization());
        if (!q.config().labels().equals(manifest.labels())) {
            throw new CheckpointFormatException(dir.resolve(Checkpoint.CONFIG) + " names labels "
                    + q.config().labels() + " but " + dir.resolve(Manifest.FILE) + " names " + manifest.labels());
        }
        checkMaxLength(manifest.maxLength(), q.config(), dir.toString());
        SequenceClassifier frozen;
        try {
            frozen = SequenceClassifier.fromWeights(q.config(), new QuantizedWeightSource(q.dense(), q.quantized()));
        } catch (WeightMismatchException e) {
            throw new CheckpointFormatException(dir.resolve(Checkpoint.WEIGHTS) + " is not a complete classifier: "
                    + e.getMessage(), e);
        }
        WordPieceTokenizer tokenizer = tokenizerOf(dir, q.tokenizerFile(), q.lowerCase());
        return forInference(frozen, tokenizer, q.tokenizerFile(), q.lowerCase(), manifest);
    }

    private static WordPieceTokenizer tokenizerOf(Checkpoint checkpoint) throws IOException {
        return tokenizerOf(checkpoint.directory(), checkpoint.tokenizerFile(), checkpoint.lowerCase());
    }

    private static WordPieceTokenizer tokenizerOf(Path dir, Path file, boolean lowerCase) throws IOException {
        if (file == null) {
            throw new NoSuchFileException(dir.resolve(Checkpoint.TOKENIZER_JSON).toString(), null,
                    "the model folder has neither tokenizer.json nor vocab.txt");
        }
        return file.getFileName().toString().endsWith(".json") ? WordPieceTokenizer.fromTokenizerJson(file)
                : WordPieceTokenizer.fromVocabTxt(file, lowerCase);
    }

    /** The tokenizer.json or vocab.txt the tokenizer was read from (a temporary copy for the bundled MiniLM). */
    public Path tokenizerFile() {
        return tokenizerFile;
    }

    /** The encoder config of a classifier model: a classifier folder is an encoder checkpoint. */
    private static EncoderConfig encoderConfig(SequenceClassifier model) {
        if (model.config() instanceof EncoderConfig c) {
            return c;
        }
        throw new IllegalArgumentException("a classifier folder holds an encoder; this model is a "
                + model.config().family() + " model");
    }

    /** Whether the tokenizer lower-cases, as saved in tokenizer_config.json. */
    public boolean lowerCase() {
        return lowerCase;
    }

    /** True when the classifier was loaded from a quantized folder (it predicts but cannot be trained). */
    public boolean isQuantized() {
        return manifest.isQuantized();
    }

    private static void checkMaxLength(int maxLength, ModelConfig config, String where) throws CheckpointFormatException {
        if (maxLength < 3 || maxLength > config.maxPositions()) {
            throw new CheckpointFormatException("max length " + maxLength + " is outside [3, " + config.maxPositions()
                    + "], the positions the model " + where + " has");
        }
    }

    /**
     * Writes the folder whole ({@link ModelFolder#write}): the Hugging Face files (FP32 weights), then
     * {@value Manifest#FILE} recording each file's SHA-256, in a temporary sibling renamed into place, so a crash
     * leaves the previous folder or the complete new one.
     *
     * @param manifest this classifier's manifest with provenance and metrics added
     * @return the manifest as written, with the files it records
     */
    public Manifest save(Path dir, Manifest manifest) throws IOException {
        return save(dir, manifest, files -> {
        });
    }

    /**
     * As {@link #save(Path, Manifest)}, running {@code andThen} on the written files before the manifest records them
     * (pruning stores the weights sparsely there).
     */
    public Manifest save(Path dir, Manifest manifest, ModelFolder.Contents andThen) throws IOException {
        Manifest checked = checked(manifest);
        return ModelFolder.write(dir, files -> {
            writeFiles(files);
            andThen.writeTo(files);
        }, checked);
    }

    /** {@code manifest} when it describes this classifier (labels, transform, maximum length). */
    private Manifest checked(Manifest manifest) {
        if (!manifest.labels().equals(this.manifest.labels()) || !manifest.textTransform().equals(this.manifest.textTransform())
                || manifest.maxLength() != this.manifest.maxLength()) {
            throw new IllegalArgumentException("the manifest to save (labels " + manifest.labels() + ", transform "
                    + manifest.textTransform() + ", max length " + manifest.maxLength() + ") does not describe this classifier "
                    + this.manifest);
        }
        return manifest;
    }

    /** Writes the Hugging Face files of this classifier (FP32 weights, tokenizer, configs) into {@code dir}. */
    private void writeFiles(Path dir) throws IOException {
        SequenceClassifier model = model();
        Checkpoint.write(dir, config, model.weights(), tokenizerFile, new Checkpoint.WriteOptions(DType.F32, lowerCase));
    }

    /**
     * The trainable FP32 model; training it is seen by the next prediction.
     *
     * @throws IllegalStateException for an inference-only classifier ({@link #forInference})
     */
    public SequenceClassifier model() {
        if (model == null) {
            throw new IllegalStateException("this " + config.family() + " classifier holds only an inference snapshot "
                    + "(a quantized or frozen model), which cannot be trained or saved as FP32; load the FP32 folder");
        }
        return model;
    }

    /** The model's configuration, for trainable and inference-only classifiers alike. */
    public EncoderConfig config() {
        return config;
    }

    /** The snapshot predictions run on, re-frozen first when the trainable model changed since the last one. */
    public synchronized SequenceClassifier frozen() {
        if (model != null && (frozen == null || frozenVersion != model.version())) {
            frozenVersion = model.version();
            frozen = model.freeze();
        }
        return frozen;
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    public Manifest manifest() {
        return manifest;
    }

    public LabelMap labels() {
        return labels;
    }

    public TextTransform transform() {
        return transform;
    }

    public int maxLength() {
        return manifest.maxLength();
    }

    public Prediction predict(String text) {
        return predictBatch(List.of(text)).getFirst();
    }

    /** Predictions for raw texts (the recorded transform is applied here), in input order. */
    public List<Prediction> predictBatch(List<String> texts) {
        int n = labels.size();
        float[] probs = probabilities(texts); // [texts, labels]
        int[] best = BatchInference.argmax(probs, n);
        List<Prediction> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            float[] row = new float[n];
            System.arraycopy(probs, i * n, row, 0, n);
            out.add(new Prediction(best[i], labels.name(best[i]), labels.names(), row));
        }
        return out;
    }

    /** Class probabilities of raw texts, {@code [texts, labels]}. */
    public float[] probabilities(List<String> texts) {
        return probabilitiesOfPrepared(texts.stream().map(transform::apply).toList());
    }

    /**
     * Class probabilities of texts the transform was already applied to, {@code [texts, labels]}: the softmax of
     * the logits divided by the manifest's calibration temperature (1 without one).
     */
    public float[] probabilitiesOfPrepared(List<String> prepared) {
        float[] probs = logitsOfPrepared(prepared); // [texts, labels]
        return TemperatureScaling.probabilities(probs, labels.size(), manifest.temperature());
    }

    /** Raw logits of prepared texts, {@code [texts, labels]}, before calibration and softmax. */
    public float[] logitsOfPrepared(List<String> prepared) {
        TokenizedExamples examples = tokenize("input", prepared, new int[prepared.size()]);
        return BatchInference.logits(frozen(), examples, DEFAULT_BATCH_SIZE);
    }

    /** This classifier with {@code c} in its manifest, so every prediction divides logits by its temperature. */
    public Classifier withCalibration(Manifest.Calibration c) {
        // an inference-only classifier has no model to re-freeze, so it carries its snapshot over
        return new Classifier(model, model == null ? frozen() : null, tokenizer, tokenizerFile, lowerCase,
                manifest.withCalibration(c));
    }

    /**
     * This classifier with a temperature fitted on {@code heldOut} (never the training rows, whose logits are
     * over-confident by construction), applied only when {@link TemperatureScaling#choose}'s guard accepts it;
     * records ECE and NLL before and after.
     *
     * @param fittedOn  how to name the data in the manifest, e.g. {@code "validation: /data/validation.csv.gz"}
     * @param objective what the fit minimises on {@code heldOut}
     * @param model     how to name this model in the manifest; null for "this model (fp32)" or its scheme
     */
    public Classifier calibrated(Dataset heldOut, String fittedOn, CalibrationObjective objective, String model) {
        return calibratedAndScored(heldOut, fittedOn, objective, model).classifier();
    }

    /** A classifier calibrated on held-out rows, and its scores on those rows after calibration. */
    public record Calibrated(Classifier classifier, Evaluation heldOut) {
    }

    /**
     * As {@link #calibrated(Dataset, String, CalibrationObjective, String)}, and also the calibrated
     * model's scores on {@code heldOut}, from the same forward pass: callers that report validation
     * metrics after fitting on validation need not run the model over it twice.
     */
    public Calibrated calibratedAndScored(Dataset heldOut, String fittedOn, CalibrationObjective objective, String model) {
        if (heldOut.size() == 0) {
            throw new IllegalArgumentException(heldOut.name() + " has no rows to fit a temperature on");
        }
        float[] logits = logitsOfPrepared(tokenizeCheck(heldOut).texts()); // [rows, labels]
        TemperatureFit fit = TemperatureScaling.choose(logits, heldOut.labels(), labels.size(), objective, CALIBRATION_SEED);
        String who = model != null ? model
                : "this model (" + (manifest.isQuantized() ? manifest.quantization().scheme().id() : "fp32") + ")";
        Classifier calibrated = withCalibration(Manifest.Calibration.of(fit, fittedOn, who));
        float[] probs = TemperatureScaling.probabilities(logits, labels.size(), calibrated.manifest().temperature());
        return new Calibrated(calibrated, Evaluation.of(heldOut.name(), labels.names(), heldOut.labels(), probs));
    }

    /**
     * Tokenized examples of {@code data}, whose texts must already carry this classifier's transform
     * (as a dataset read with it, or the bundled pre-normalised files, do).
     */
    public TokenizedExamples tokenize(Dataset data) {
        tokenizeCheck(data);
        return tokenize(data.name(), data.texts(), data.labels());
    }

    /** {@code data} when it was read with this classifier's transform and labels; otherwise a message naming both. */
    private Dataset tokenizeCheck(Dataset data) {
        if (data.transform() != transform) {
            throw new IllegalArgumentException(data.name() + " was read with the text transform " + data.transform().id()
                    + " but the model expects " + transform.id());
        }
        if (!data.labelMap().equals(labels)) {
            throw new IllegalArgumentException(data.name() + " has labels " + data.labelMap() + " but the model " + labels);
        }
        return data;
    }

    private TokenizedExamples tokenize(String name, List<String> texts, int[] labelIndices) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) {
            ids.add(tokenizer.encode(t, manifest.maxLength()).ids());
        }
        return new TokenizedExamples(name, ids.toArray(int[][]::new), null, labelIndices, labels.size(), tokenizer.padId());
    }

    @Override
    public String toString() {
        return config.family() + " classifier " + labels + " (" + transform.id() + ", max " + maxLength() + " tokens)";
    }
}
