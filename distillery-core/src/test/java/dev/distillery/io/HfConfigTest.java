package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.model.EncoderConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HfConfigTest {
    @TempDir
    Path tmp;

    // The config.json shipped with sentence-transformers/all-MiniLM-L6-v2 (a BertModel, no head).
    private static final String MINILM = """
            {"_name_or_path": "nreimers/MiniLM-L6-H384-uncased", "architectures": ["BertModel"],
             "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": false, "hidden_act": "gelu",
             "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
             "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
             "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute",
             "transformers_version": "4.8.2", "type_vocab_size": 2, "use_cache": true, "vocab_size": 30522}
            """;

    // The config.json of distilbert-base-uncased-finetuned-sst-2-english.
    private static final String SST2 = """
            {"activation": "gelu", "architectures": ["DistilBertForSequenceClassification"], "attention_dropout": 0.1,
             "dim": 768, "dropout": 0.1, "finetuning_task": "sst-2", "hidden_dim": 3072,
             "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}, "initializer_range": 0.02,
             "label2id": {"NEGATIVE": 0, "POSITIVE": 1}, "max_position_embeddings": 512, "model_type": "distilbert",
             "n_heads": 12, "n_layers": 6, "output_past": true, "pad_token_id": 0, "qa_dropout": 0.1,
             "seq_classif_dropout": 0.2, "sinusoidal_pos_embds": false, "tie_weights_": true, "vocab_size": 30522}
            """;

    private EncoderConfig parse(String json) throws IOException {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json);
        return HfConfig.read(p);
    }

    @Test
    void readsABertModelConfig() throws IOException {
        EncoderConfig c = parse(MINILM);
        assertEquals(new EncoderConfig("bert", 30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of()), c);
    }

    @Test
    void readsADistilBertClassifierConfig() throws IOException {
        EncoderConfig c = parse(SST2);
        assertEquals(new EncoderConfig("distilbert", 30522, 768, 6, 12, 3072, 512, 0, 1e-12f, 0.1f, 0.1f, 0.2f,
                List.of("NEGATIVE", "POSITIVE")), c);
    }

    @Test
    void bertClassifierDropoutFallsBackToHiddenDropout() throws IOException {
        EncoderConfig c = parse("{\"model_type\":\"bert\",\"hidden_dropout_prob\":0.3,\"classifier_dropout\":null,"
                + "\"architectures\":[\"BertForSequenceClassification\"],\"num_labels\":3}");
        assertEquals(0.3f, c.classifierDropout());
        assertEquals(List.of("LABEL_0", "LABEL_1", "LABEL_2"), c.labels());
        assertEquals(768, c.hiddenSize(), "missing sizes take the transformers defaults");
    }

    @Test
    void labelsFollowTheArchitecture() throws IOException {
        assertEquals(List.of("LABEL_0", "LABEL_1"),
                parse("{\"model_type\":\"bert\",\"architectures\":[\"BertForSequenceClassification\"]}").labels());
        assertEquals(List.of(), parse("{\"model_type\":\"bert\",\"architectures\":[\"BertForMaskedLM\"],"
                + "\"id2label\":{\"0\":\"a\",\"1\":\"b\"}}").labels());
        assertEquals(List.of("x", "y", "z"), parse("{\"model_type\":\"bert\",\"id2label\":{\"2\":\"z\",\"0\":\"x\",\"1\":\"y\"}}").labels());
    }

    @Test
    void writesWhatItReads() throws IOException {
        for (EncoderConfig c : List.of(
                new EncoderConfig("bert", 100, 8, 2, 2, 16, 32, 2, 1e-7f, 0.15f, 0.05f, 0.25f, List.of("benign", "phishing", "malware")),
                new EncoderConfig("bert", 100, 8, 1, 4, 16, 32, 1, 1e-12f, 0.1f, 0.1f, 0.1f, List.of()),
                new EncoderConfig("distilbert", 50, 12, 3, 3, 20, 64, 0, 1e-12f, 0.1f, 0.2f, 0.3f, List.of("a", "b")),
                new EncoderConfig("distilbert", 50, 12, 3, 3, 20, 64, 0, 1e-12f, 0.1f, 0.2f, 0.3f, List.of()))) {
            Path p = tmp.resolve("config.json");
            HfConfig.write(p, c, "float32");
            assertEquals(c, HfConfig.read(p), Files.readString(p));
        }
    }

    @Test
    void writesTheFieldsTransformersNeeds() throws IOException {
        EncoderConfig c = new EncoderConfig("bert", 100, 8, 2, 2, 16, 32, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of("benign", "phishing"));
        ObjectNode json = HfConfig.toJson(c, "float16");
        assertEquals("BertForSequenceClassification", json.get("architectures").get(0).textValue());
        assertEquals("bert", json.get("model_type").textValue());
        assertEquals("phishing", json.get("id2label").get("1").textValue());
        assertEquals(1, json.get("label2id").get("phishing").intValue());
        assertEquals("float16", json.get("torch_dtype").textValue());
        assertEquals(HfConfig.TRANSFORMERS_VERSION, json.get("transformers_version").textValue());
        assertEquals(0.1, json.get("hidden_dropout_prob").doubleValue(), 0.0, "written as the decimal 0.1, not 0.10000000149");
        List<String> keys = json.properties().stream().map(java.util.Map.Entry::getKey).toList();
        assertEquals(keys.stream().sorted().toList(), keys, "keys sorted as transformers writes them");
        String text = HfConfig.pretty(json);
        assertTrue(text.startsWith("{\n  \"architectures\": [\n    \"BertForSequenceClassification\"\n  ],"), text);
        JsonNode distil = HfConfig.toJson(
                new EncoderConfig("distilbert", 100, 8, 2, 2, 16, 32, 0, 1e-12f, 0.1f, 0.1f, 0.2f, List.of()), "float32");
        assertEquals("DistilBertModel", distil.get("architectures").get(0).textValue());
        assertEquals(false, distil.get("sinusoidal_pos_embds").booleanValue());
        assertEquals(8, distil.get("dim").intValue());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            other activation      | {"model_type":"bert","hidden_act":"gelu_new"}                       | hidden_act is "gelu_new"
            relative positions    | {"model_type":"bert","position_embedding_type":"relative_key"}      | position_embedding_type
            sinusoidal positions  | {"model_type":"distilbert","sinusoidal_pos_embds":true}             | sinusoidal_pos_embds
            distilbert activation | {"model_type":"distilbert","activation":"relu"}                     | activation is "relu"
            other model type      | {"model_type":"roberta"}                                            | model_type "roberta"
            no model type         | {"hidden_size":8}                                                   | no "model_type"
            size not a number     | {"model_type":"bert","hidden_size":"768"}                           | "hidden_size" must be a non-negative integer
            fractional size       | {"model_type":"bert","num_hidden_layers":2.5}                       | "num_hidden_layers"
            zero vocabulary       | {"model_type":"bert","vocab_size":0}                                | "vocab_size" must be a positive integer
            heads do not divide   | {"model_type":"bert","hidden_size":10,"num_attention_heads":3}      | not a positive multiple of 3
            negative dropout      | {"model_type":"bert","hidden_dropout_prob":-0.1}                    | "hidden_dropout_prob"
            label ids with a gap  | {"model_type":"bert","id2label":{"0":"a","2":"b"}}                  | without gaps
            label id not a number | {"model_type":"bert","id2label":{"zero":"a"}}                       | not an integer id
            not an object         | [1]                                                                 | must hold a JSON object
            not JSON              | {"model_type":                                                      | not valid JSON
            """)
    void rejects(String why, String json, String expected) throws IOException {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> HfConfig.read(p));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(p.toString()), why + ": " + e.getMessage());
    }
}
