package dev.distillery.embed;

import dev.distillery.classify.Manifest;
import dev.distillery.io.Checkpoint;
import dev.distillery.model.Backbone;
import dev.distillery.model.Encoder;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.onnx.ActivationPrecision;
import dev.distillery.onnx.BertOnnxExporter;
import dev.distillery.onnx.ImportedEncoder;
import dev.distillery.onnx.MiniLm;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizationInfo;
import dev.distillery.quant.QuantizedCheckpoint;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.Batch;
import dev.distillery.tokenize.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family encoder with its tokenizer, turning texts into sentence embeddings:
 * {@code F.normalize(mean_pool(encoder(tokenize(texts))), dim=1)} as sentence-transformers'
 * all-MiniLM-L6-v2 pipeline does (Reimers and Gurevych 2019, Sentence-BERT).
 *
 * <p>Life cycle: {@link #load} once (it reads every weight), then {@link #embed} from any number
 * of threads: the encoder keeps no state between calls.
 * <pre>{@code
 * SentenceEncoder minilm = SentenceEncoder.load("minilm");
 * float[] e = minilm.embed(List.of("paypal-login.example.com"));  // [1, 384], unit length
 * }</pre>
 */
public final class SentenceEncoder {
    /** The name that selects the bundled all-MiniLM-L6-v2. */
    public static final String MINILM = "minilm";
    /** sentence-transformers' max_seq_length for all-MiniLM-L6-v2; longer texts are cut. */
    public static final int DEFAULT_MAX_LENGTH = 256;
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** torch.nn.functional.normalize's default floor on the norm, so an all-zero vector stays zero. */
    private static final float NORM_EPS = 1e-12f;

    private final String name;
    private final EncoderConfig config;
    private final Backbone encoder;
    private final Backbone frozen;
    private final WordPieceTokenizer tokenizer;
    private final boolean bundledOnnx;
    private final QuantizedCheckpoint quantized; // null unless the folder is quantized
    private final QuantScheme quantizedAs;

    private SentenceEncoder(String name, EncoderConfig config, Backbone encoder, WordPieceTokenizer tokenizer,
                            boolean bundledOnnx, QuantizedCheckpoint quantized, QuantScheme quantizedAs) {
        this.name = name;
        this.config = config;
        this.encoder = encoder;
        this.frozen = encoder.freeze();
        this.tokenizer = tokenizer;
        this.bundledOnnx = bundledOnnx;
        this.quantized = quantized;
        this.quantizedAs = quantizedAs;
    }

    /**
     * Loads {@code "minilm"} (the bundled ONNX export) or a Hugging Face checkpoint folder
     * ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json} or {@code vocab.txt});
     * a classifier checkpoint contributes its encoder only. A quantized folder (one whose
     * {@code distillery.json} records a quantization) runs on its packed weights, frozen.
     */
    public static SentenceEncoder load(String model) throws IOException {
        if (model.equals(MINILM)) {
            ImportedEncoder imported = MiniLm.load();
            Encoder encoder = Encoder.create(imported.config(), 0);
            encoder.loadWeights(imported.weights());
            return new SentenceEncoder(MINILM, imported.config(), encoder, MiniLm.tokenizer(), true, null, null);
        }
        Path dir = Path.of(model);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(model, null, "expected 'minilm' or a Hugging Face checkpoint folder");
        }
        QuantizationInfo quantization = Manifest.quantizationIn(dir);
        if (quantization != null) {
            QuantizedCheckpoint q = QuantizedCheckpoint.read(dir, quantization);
            // quantize writes classifier folders only: the encoder is the classifier's backbone
            Backbone frozen = SequenceClassifier.fromWeights(q.config(),
                    new QuantizedWeightSource(q.dense(), q.quantized())).backbone();
            return new SentenceEncoder(dir.toString(), q.config(), frozen, tokenizer(dir, q.tokenizerFile(), q.lowerCase()),
                    false, q, quantization.scheme());
        }
        Checkpoint checkpoint = Checkpoint.read(dir);
        return new SentenceEncoder(dir.toString(), checkpoint.config(), encoderOf(checkpoint.config(), checkpoint.weights()),
                tokenizer(dir, checkpoint.tokenizerFile(), checkpoint.lowerCase()), false, null, null);
    }

    private static WordPieceTokenizer tokenizer(Path dir, Path file, boolean lowerCase) throws IOException {
        if (file == null) {
            throw new NoSuchFileException(dir.resolve(Checkpoint.TOKENIZER_JSON).toString(), null,
                    "the checkpoint has neither tokenizer.json nor vocab.txt");
        }
        return file.getFileName().toString().endsWith(".json") ? WordPieceTokenizer.fromTokenizerJson(file)
                : WordPieceTokenizer.fromVocabTxt(file, lowerCase);
    }

    private static Backbone encoderOf(EncoderConfig config, Map<String, Tensor> weights) {
        if (config.numLabels() > 0) {
            SequenceClassifier classifier = SequenceClassifier.create(config, 0);
            classifier.loadWeights(weights);
            return classifier.backbone();
        }
        Encoder encoder = Encoder.create(config, 0);
        encoder.loadWeights(weights);
        return encoder;
    }

    public String name() {
        return name;
    }

    public Backbone encoder() {
        return encoder;
    }

    /**
     * The snapshot of {@link #encoder()} taken at load that {@link #embed} runs: pre-packed for
     * speed, and unaffected by later changes to the encoder's weights.
     */
    public Backbone frozen() {
        return frozen;
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    public EncoderConfig config() {
        return config;
    }

    /** The scheme a quantized folder was quantized with; null for FP32 weights. */
    public QuantScheme quantizedAs() {
        return quantizedAs;
    }

    /**
     * This encoder as an ONNX model, for running a peer runtime on the same weights: the bundled
     * file for MiniLM, an export ({@link BertOnnxExporter}) for a checkpoint folder, with a quantized
     * folder's own codes and scales. Made on request (90 MB for MiniLM in FP32).
     */
    public byte[] onnxModel() throws IOException {
        return onnxModel(ActivationPrecision.FP32);
    }

    /** {@link #onnxModel()} with a quantized folder's activations as {@code activations} says. */
    public byte[] onnxModel(ActivationPrecision activations) throws IOException {
        if (bundledOnnx) {
            return MiniLm.modelBytes();
        }
        return quantized == null ? BertOnnxExporter.export(config(), encoder.weights(), false)
                : BertOnnxExporter.export(config(), quantized.dense(), quantized.quantized(), false, activations);
    }

    /** Tokenizes {@code texts}, cut to {@code maxLength} tokens and padded to the longest. */
    public EncoderInput tokenize(List<String> texts, int maxLength) {
        Batch b = tokenizer.encodeBatch(texts, Math.min(maxLength, config().maxPositions()));
        return new EncoderInput(b.batch(), b.seqLen(), b.ids(), b.typeIds(), b.mask());
    }

    /** Tokenizes {@code texts} to exactly {@code seqLen} tokens each: cut, then padded. */
    public EncoderInput tokenizeExactly(List<String> texts, int seqLen) {
        Batch b = tokenizer.encodeBatch(texts, seqLen);
        int n = b.batch();
        int[] ids = new int[n * seqLen]; // [n, seqLen]
        int[] typeIds = new int[n * seqLen]; // [n, seqLen]
        int[] mask = new int[n * seqLen]; // [n, seqLen]
        Arrays.fill(ids, tokenizer.padId());
        // Rows hold at most seqLen real tokens; a pad-to-multiple setting may add padding beyond.
        int copy = Math.min(b.seqLen(), seqLen);
        for (int r = 0; r < n; r++) {
            System.arraycopy(b.ids(), r * b.seqLen(), ids, r * seqLen, copy);
            System.arraycopy(b.typeIds(), r * b.seqLen(), typeIds, r * seqLen, copy);
            System.arraycopy(b.mask(), r * b.seqLen(), mask, r * seqLen, copy);
        }
        return new EncoderInput(n, seqLen, ids, typeIds, mask);
    }

    /** Unit-length mean-pooled embeddings of {@code texts} in their order, [texts, hidden]. */
    public float[] embed(List<String> texts) {
        return embed(texts, DEFAULT_MAX_LENGTH, DEFAULT_BATCH_SIZE);
    }

    /**
     * Unit-length mean-pooled embeddings, [texts, hidden]. Texts are batched in order of length so
     * a batch pads little; results come back in input order.
     */
    public float[] embed(List<String> texts, int maxLength, int batchSize) {
        if (batchSize <= 0 || maxLength <= 0) {
            throw new IllegalArgumentException("batch size and max length must be positive");
        }
        int hidden = config().hiddenSize();
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> texts.get(i).length()));
        float[] out = new float[texts.size() * hidden]; // [texts, hidden]
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            List<String> chunk = Arrays.stream(order, from, to).map(texts::get).toList();
            float[] pooled = frozen.meanPooled(tokenize(chunk, maxLength)); // [chunk, hidden]
            for (int r = 0; r < chunk.size(); r++) {
                normalize(pooled, r * hidden, hidden);
                System.arraycopy(pooled, r * hidden, out, order[from + r] * hidden, hidden);
            }
        }
        return out;
    }

    /** x / max(‖x‖₂, 1e-12) in place, accumulating in double so the norm is exact to float. */
    public static void normalize(float[] x, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) x[off + i] * x[off + i];
        }
        float scale = (float) (1 / Math.max(Math.sqrt(sum), NORM_EPS));
        for (int i = 0; i < n; i++) {
            x[off + i] *= scale;
        }
    }
}
