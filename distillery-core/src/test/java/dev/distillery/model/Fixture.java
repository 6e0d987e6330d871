package dev.distillery.model;

import static dev.distillery.testing.JsonArrays.floats;
import static dev.distillery.testing.JsonArrays.ints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tiny classifier with PyTorch outputs and gradients, written by scripts/fixtures/make_bert_fixture.py. */
record Fixture(JsonNode root, EncoderConfig config, EncoderInput input, int[] labels, float[] classWeights,
               Map<String, Tensor> weights, Map<String, Tensor> grads) {

    static final String REGENERATE = "regenerate with: /usr/bin/python3 scripts/fixtures/make_bert_fixture.py "
            + "distillery-core/src/test/resources/fixtures";

    static Fixture load(String family) {
        String resource = "/fixtures/tiny_" + family + "_classifier.json";
        JsonNode root;
        try (InputStream in = Fixture.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource + "; " + REGENERATE);
            }
            root = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode c = root.get("config");
        boolean distil = family.equals("distilbert");
        EncoderConfig config = new EncoderConfig(family, c.get("vocab_size").asInt(), c.get("hidden_size").asInt(),
                c.get("num_layers").asInt(), c.get("num_heads").asInt(), c.get("intermediate_size").asInt(),
                c.get("max_positions").asInt(), distil ? 0 : c.get("type_vocab_size").asInt(),
                (float) c.get("layer_norm_eps").asDouble(), 0.1f, 0.1f, 0.1f, List.of("a", "b", "c"));
        JsonNode in = root.get("inputs");
        EncoderInput input = new EncoderInput(in.get("batch").asInt(), in.get("seq_len").asInt(),
                ints(in.get("input_ids")), ints(in.get("token_type_ids")), ints(in.get("attention_mask")));
        return new Fixture(root, config, input, ints(in.get("labels")), floats(in.get("class_weights")),
                tensors(root.get("weights")), tensors(root.get("grads")));
    }

    Tensor tensor(String field) {
        return tensor(root.get(field));
    }

    float scalar(String field) {
        return (float) root.get(field).asDouble();
    }

    String header() {
        return root.get("header").toString();
    }

    private static Map<String, Tensor> tensors(JsonNode node) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), tensor(e.getValue())));
        return out;
    }

    static Tensor tensor(JsonNode node) {
        return Tensor.of(floats(node.get("data")), ints(node.get("shape")));
    }
}
