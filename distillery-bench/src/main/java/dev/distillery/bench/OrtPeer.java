package dev.distillery.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distillery.model.EncoderInput;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style ONNX encoder run by ONNX Runtime (CPU), the reference that Distillery's forward
 * pass is tested and benchmarked against.
 *
 * <p>Life cycle: construct once per model (the session owns native memory and ORT's thread
 * pool), call {@link #run} any number of times from one thread, then {@link #close}.
 * <pre>{@code
 * try (OrtPeer ort = new OrtPeer(MiniLm.modelBytes(), 2)) {
 *     OrtPeer.Output out = ort.run(input); // out.meanPooled() is [batch, 384]
 * }
 * }</pre>
 */
public final class OrtPeer implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String hiddenOutput;
    private final boolean takesTokenTypes;
    private final int threads;

    /**
     * The encoder's outputs for one batch.
     *
     * @param lastHidden [batch, seqLen, hidden], padding positions included
     * @param meanPooled [batch, hidden], the mask-weighted mean of {@code lastHidden} over tokens
     */
    public record Output(int batch, int seqLen, int hidden, float[] lastHidden, float[] meanPooled) {
    }

    /**
     * Opens {@code onnxModel} with {@code intraOpThreads} threads for one operator (ORT counts the
     * calling thread among them) and no inter-operator parallelism, as a single request would run.
     */
    public OrtPeer(byte[] onnxModel, int intraOpThreads) throws OrtException {
        this(onnxModel, intraOpThreads, false);
    }

    /**
     * As {@link #OrtPeer(byte[], int)}; {@code allowSpinning} keeps ORT's default of idle workers
     * busy-waiting for the next operator, which is faster alone but steals the cores Distillery
     * needs when the two are interleaved in one process.
     */
    public OrtPeer(byte[] onnxModel, int intraOpThreads, boolean allowSpinning) throws OrtException {
        if (intraOpThreads <= 0) {
            throw new IllegalArgumentException("ONNX Runtime thread count must be positive, got " + intraOpThreads);
        }
        this.threads = intraOpThreads;
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
            this.session = env.createSession(onnxModel, options);
        }
        Set<String> inputs = session.getInputNames();
        if (!inputs.contains("input_ids") || !inputs.contains("attention_mask")) {
            session.close();
            throw new IllegalArgumentException("ONNX model inputs are " + inputs
                    + "; expected input_ids and attention_mask (and optionally token_type_ids)");
        }
        this.takesTokenTypes = inputs.contains("token_type_ids");
        this.hiddenOutput = findHiddenOutput(session);
    }

    /** The first rank-3 float output: the last hidden state [batch, seq, hidden] of a HF export. */
    private static String findHiddenOutput(OrtSession session) throws OrtException {
        for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
            if (e.getValue().getInfo() instanceof TensorInfo t && t.getShape().length == 3) {
                return e.getKey();
            }
        }
        String message = "ONNX model has no rank-3 output; expected the last hidden state [batch, seq, hidden] among "
                + session.getOutputNames();
        session.close();
        throw new IllegalArgumentException(message);
    }

    public int threads() {
        return threads;
    }

    /** Runs the encoder on a padded batch and mean-pools with its attention mask. */
    public Output run(EncoderInput input) throws OrtException {
        long[] shape = {input.batch(), input.seqLen()};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(input.inputIds())), shape));
            feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(input.attentionMask())), shape));
            if (takesTokenTypes) {
                feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(input.tokenTypeIds())), shape));
            }
            try (OrtSession.Result result = session.run(feeds, Set.of(hiddenOutput))) {
                OnnxValue value = result.get(hiddenOutput).orElseThrow();
                OnnxTensor tensor = (OnnxTensor) value;
                long[] outShape = tensor.getInfo().getShape();
                int hidden = (int) outShape[2];
                FloatBuffer buffer = tensor.getFloatBuffer();
                float[] lastHidden = new float[buffer.remaining()]; // [batch, seq, hidden]
                buffer.get(lastHidden);
                return new Output(input.batch(), input.seqLen(), hidden, lastHidden,
                        meanPool(lastHidden, input.attentionMask(), input.batch(), input.seqLen(), hidden));
            }
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
        }
    }

    /**
     * sentence-transformers' mean pooling: {@code sum(h · mask, dim=1) / clamp(mask.sum(1), 1e-9)}.
     *
     * @param hidden [batch, seqLen, width]
     * @param mask   [batch, seqLen]
     * @return [batch, width]
     */
    static float[] meanPool(float[] hidden, int[] mask, int batch, int seqLen, int width) {
        float[] pooled = new float[batch * width];
        for (int b = 0; b < batch; b++) {
            int count = 0;
            for (int t = 0; t < seqLen; t++) {
                if (mask[b * seqLen + t] == 0) {
                    continue;
                }
                count++;
                int row = (b * seqLen + t) * width;
                for (int j = 0; j < width; j++) {
                    pooled[b * width + j] += hidden[row + j];
                }
            }
            float scale = 1f / Math.max(count, 1e-9f);
            for (int j = 0; j < width; j++) {
                pooled[b * width + j] *= scale;
            }
        }
        return pooled;
    }

    private static long[] widen(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return wide;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
