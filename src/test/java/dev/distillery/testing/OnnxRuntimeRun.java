package dev.distillery.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distillery.model.EncoderInput;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/** Runs an ONNX encoder or classifier once in ONNX Runtime and returns every float output by name, flattened. */
public final class OnnxRuntimeRun {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private OnnxRuntimeRun() {
    }

    /** Feeds input_ids, attention_mask and, when the model takes it, token_type_ids. */
    public static Map<String, float[]> outputs(byte[] model, EncoderInput input) throws Exception {
        long[] shape = {input.batch(), input.seqLen()};
        try (OrtSession session = ENV.createSession(model, new OrtSession.SessionOptions())) {
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
    }

    private static OnnxTensor tensor(int[] values, long[] shape) throws Exception {
        long[] wide = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return OnnxTensor.createTensor(ENV, LongBuffer.wrap(wide), shape);
    }
}
