package dev.distillery.testing;

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

/**
 * Runs an ONNX encoder or classifier in ONNX Runtime and returns every float output by name, flattened:
 * once ({@link #outputs}) or, holding one session, for many batches ({@link #run}).
 */
public final class OnnxRuntimeRun implements AutoCloseable {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final OrtSession session;

    /** Opens one session on {@code model} with ONNX Runtime's default options. */
    public OnnxRuntimeRun(byte[] model) throws OrtException {
        this.session = ENV.createSession(model, new OrtSession.SessionOptions());
    }

    /** One run of {@code model}; see {@link #run}. */
    public static Map<String, float[]> outputs(byte[] model, EncoderInput input) throws Exception {
        try (OnnxRuntimeRun run = new OnnxRuntimeRun(model)) {
            return run.run(input);
        }
    }

    /** Feeds input_ids, attention_mask and, when the model takes it, token_type_ids. */
    public Map<String, float[]> run(EncoderInput input) throws OrtException {
        long[] shape = {input.batch(), input.seqLen()};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put("input_ids", tensor(input.inputIds(), shape));
            feeds.put("attention_mask", tensor(input.attentionMask(), shape));
            if (session.getInputNames().contains("token_type_ids")) {
                feeds.put("token_type_ids", tensor(input.tokenTypeIds(), shape));
            }
            Map<String, float[]> outputs = new HashMap<>();
            try (OrtSession.Result result = session.run(feeds)) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    FloatBuffer buffer = ((OnnxTensor) e.getValue()).getFloatBuffer();
                    float[] values = new float[buffer.remaining()];
                    buffer.get(values);
                    outputs.put(e.getKey(), values);
                }
            }
            return outputs;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** The first rank-3 float output: the last hidden state {@code [batch, seqLen, hidden]} of a Hugging Face export. */
    public float[] lastHidden(EncoderInput input) throws OrtException {
        for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
            if (e.getValue().getInfo() instanceof TensorInfo t && t.getShape().length == 3) {
                return run(input).get(e.getKey());
            }
        }
        throw new IllegalArgumentException("no rank-3 output among " + session.getOutputNames());
    }

    /**
     * sentence-transformers' mean pooling, {@code sum(h · mask, dim=1) / clamp(mask.sum(1), 1e-9)}, written
     * here apart from Distillery's own so that it can serve as the reference.
     *
     * @param hidden [batch, seqLen, width]
     * @return [batch, width]
     */
    public static float[] meanPooled(float[] hidden, EncoderInput input, int width) {
        int seqLen = input.seqLen();
        int[] mask = input.attentionMask(); // [batch, seqLen]
        float[] pooled = new float[input.batch() * width];
        for (int b = 0; b < input.batch(); b++) {
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

    private static OnnxTensor tensor(int[] values, long[] shape) throws OrtException {
        long[] wide = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return OnnxTensor.createTensor(ENV, LongBuffer.wrap(wide), shape);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
