package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.model.EncoderConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightNamesTest {
    static final EncoderConfig BERT_BASE = new EncoderConfig("bert", 30522, 768, 12, 12, 3072, 512, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of());
    static final EncoderConfig DISTILBERT_BASE =
            new EncoderConfig("distilbert", 30522, 768, 6, 12, 3072, 512, 0, 1e-12f, 0.1f, 0.1f, 0.2f, List.of());
    static final EncoderConfig MINILM = new EncoderConfig("bert", 30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of());

    private static long parameters(EncoderConfig c) {
        long n = 0;
        for (int[] shape : WeightNames.expected(c).values()) {
            long p = 1;
            for (int d : shape) {
                p *= d;
            }
            n += p;
        }
        return n;
    }

    /** Published parameter counts: bert-base-uncased's BertModel, distilbert-base-uncased, all-MiniLM-L6-v2. */
    @Test
    void parameterCountsMatchThePublishedModels() {
        assertEquals(109_482_240L, parameters(BERT_BASE));
        assertEquals(66_362_880L, parameters(DISTILBERT_BASE));
        assertEquals(22_713_216L, parameters(MINILM));
        // A 2-label head adds classifier [2, 768] + [2], and for DistilBERT pre_classifier [768, 768] + [768].
        assertEquals(109_482_240L + 2 * 768 + 2, parameters(BERT_BASE.withLabels(List.of("a", "b"))));
        assertEquals(66_362_880L + 768 * 768 + 768 + 2 * 768 + 2, parameters(DISTILBERT_BASE.withLabels(List.of("a", "b"))));
    }

    @Test
    void namesFollowTransformers() {
        Map<String, int[]> bert = WeightNames.expected(MINILM.withLabels(List.of("a", "b", "c")));
        assertEquals(List.of(30522, 384), asList(bert.get("bert.embeddings.word_embeddings.weight")));
        assertEquals(List.of(1536, 384), asList(bert.get("bert.encoder.layer.5.intermediate.dense.weight")));
        assertEquals(List.of(384, 1536), asList(bert.get("bert.encoder.layer.0.output.dense.weight")));
        assertEquals(List.of(384), asList(bert.get("bert.encoder.layer.3.attention.output.LayerNorm.bias")));
        assertEquals(List.of(384, 384), asList(bert.get("bert.pooler.dense.weight")));
        assertEquals(List.of(3, 384), asList(bert.get("classifier.weight")));
        assertEquals(6 * 16 + 5 + 2 + 2, bert.size());

        Map<String, int[]> distil = WeightNames.expected(DISTILBERT_BASE.withLabels(List.of("a", "b")));
        assertEquals(List.of(768, 768), asList(distil.get("distilbert.transformer.layer.5.attention.out_lin.weight")));
        assertEquals(List.of(3072, 768), asList(distil.get("distilbert.transformer.layer.0.ffn.lin1.weight")));
        assertEquals(List.of(768), asList(distil.get("distilbert.transformer.layer.2.output_layer_norm.weight")));
        assertEquals(List.of(768, 768), asList(distil.get("pre_classifier.weight")));
        assertFalse(distil.containsKey("distilbert.embeddings.token_type_embeddings.weight"));
    }

    @Test
    void canonicalNamesAddThePrefixToBareEncoderNamesOnly() {
        assertEquals("bert.encoder.layer.0.attention.self.query.weight",
                WeightNames.canonical(MINILM, "encoder.layer.0.attention.self.query.weight"));
        assertEquals("bert.pooler.dense.bias", WeightNames.canonical(MINILM, "pooler.dense.bias"));
        assertEquals("bert.embeddings.LayerNorm.weight", WeightNames.canonical(MINILM, "bert.embeddings.LayerNorm.weight"));
        assertEquals("classifier.weight", WeightNames.canonical(MINILM, "classifier.weight"));
        assertEquals("cls.predictions.bias", WeightNames.canonical(MINILM, "cls.predictions.bias"));
        assertEquals("distilbert.transformer.layer.1.ffn.lin2.bias",
                WeightNames.canonical(DISTILBERT_BASE, "transformer.layer.1.ffn.lin2.bias"));
        assertEquals("embeddings.word_embeddings.weight", WeightNames.inLayout(MINILM,
                "bert.embeddings.word_embeddings.weight", WeightNames.Layout.BARE));
    }

    @Test
    void checkReportsMissingUnexpectedAndMisshapenTogether() {
        EncoderConfig tiny = new EncoderConfig("bert", 10, 4, 1, 2, 8, 16, 2, 1e-12f, 0f, 0f, 0f, List.of("a", "b"));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        WeightNames.expected(tiny).forEach((name, shape) -> {
            long[] s = new long[shape.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = shape[i];
            }
            shapes.put(name, s);
        });
        assertTrue(WeightNames.check(tiny, shapes).exact());
        shapes.remove("classifier.bias");
        shapes.put("bert.encoder.layer.0.output.dense.weight", new long[] {8, 4});
        shapes.put("cls.predictions.bias", new long[] {10});
        WeightNames.Check check = WeightNames.check(tiny, shapes);
        assertEquals(List.of("classifier.bias"), check.missing());
        assertEquals(List.of("cls.predictions.bias"), check.unexpected());
        assertEquals(List.of("bert.encoder.layer.0.output.dense.weight: expected [4, 8], found [8, 4]"), check.wrongShape());
        assertFalse(check.usable());
        String message = check.describe();
        assertTrue(message.contains("1 missing (classifier.bias)") && message.contains("1 of the wrong shape")
                && message.contains("1 unexpected (cls.predictions.bias)"), message);
    }

    private static List<Integer> asList(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
