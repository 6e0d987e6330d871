package dev.distillery.io;

import dev.distillery.model.EncoderConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Hugging Face tensor names and shapes of a BERT or DistilBERT checkpoint, as PyTorch's
 * {@code state_dict()} spells them, and a check of a set of tensors against them.
 *
 * <p>Canonical names are those of {@code BertForSequenceClassification} /
 * {@code DistilBertForSequenceClassification}: encoder tensors under {@code bert.} or
 * {@code distilbert.}, head tensors at top level. A bare encoder checkpoint
 * ({@code BertModel.save_pretrained}) has the same encoder names without the prefix;
 * {@link #canonical} adds it. Linear weights are {@code [out, in]} as in {@code nn.Linear}.
 *
 * <p>For a 1-layer BERT with hidden 4, intermediate 8 and 2 labels, {@code expected} starts with
 * {@code bert.embeddings.word_embeddings.weight -> [vocab, 4]} and ends with
 * {@code classifier.bias -> [2]}.
 */
public final class WeightNames {
    private WeightNames() {
    }

    /** How names are written in a file. */
    public enum Layout {
        /** Encoder under {@code bert.}/{@code distilbert.}, head at top level (the classifier classes). */
        PREFIXED,
        /** Encoder names without prefix and no head ({@code BertModel}/{@code DistilBertModel}). */
        BARE
    }

    /** {@code "bert."} or {@code "distilbert."}. */
    public static String prefix(EncoderConfig c) {
        return c.family() + ".";
    }

    /**
     * Canonical names to shapes, in the order PyTorch registers them. Head tensors are included
     * when the config has labels (BERT's pooler is part of the encoder, as in {@code BertModel}).
     * A layer with pruned heads has narrower attention projections ({@link EncoderConfig#attentionWidth}).
     */
    public static Map<String, int[]> expected(EncoderConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int h = c.hiddenSize();
        int ff = c.intermediateSize();
        String p = prefix(c);
        m.put(p + "embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        m.put(p + "embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        if (c.isDistilBert()) {
            layerNorm(m, p + "embeddings.LayerNorm", h);
            for (int i = 0; i < c.numLayers(); i++) {
                String l = p + "transformer.layer." + i + ".";
                int a = c.attentionWidth(i);
                linear(m, l + "attention.q_lin", a, h);
                linear(m, l + "attention.k_lin", a, h);
                linear(m, l + "attention.v_lin", a, h);
                linear(m, l + "attention.out_lin", h, a);
                layerNorm(m, l + "sa_layer_norm", h);
                linear(m, l + "ffn.lin1", ff, h);
                linear(m, l + "ffn.lin2", h, ff);
                layerNorm(m, l + "output_layer_norm", h);
            }
            if (c.numLabels() > 0) {
                linear(m, "pre_classifier", h, h);
                linear(m, "classifier", c.numLabels(), h);
            }
        } else {
            m.put(p + "embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
            layerNorm(m, p + "embeddings.LayerNorm", h);
            for (int i = 0; i < c.numLayers(); i++) {
                String l = p + "encoder.layer." + i + ".";
                int a = c.attentionWidth(i);
                linear(m, l + "attention.self.query", a, h);
                linear(m, l + "attention.self.key", a, h);
                linear(m, l + "attention.self.value", a, h);
                linear(m, l + "attention.output.dense", h, a);
                layerNorm(m, l + "attention.output.LayerNorm", h);
                linear(m, l + "intermediate.dense", ff, h);
                linear(m, l + "output.dense", h, ff);
                layerNorm(m, l + "output.LayerNorm", h);
            }
            linear(m, p + "pooler.dense", h, h);
            if (c.numLabels() > 0) {
                linear(m, "classifier", c.numLabels(), h);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    private static void linear(Map<String, int[]> m, String name, int out, int in) {
        m.put(name + ".weight", new int[] {out, in});
        m.put(name + ".bias", new int[] {out});
    }

    private static void layerNorm(Map<String, int[]> m, String name, int h) {
        m.put(name + ".weight", new int[] {h});
        m.put(name + ".bias", new int[] {h});
    }

    /** True for tensors that are a head, not part of the encoder (no prefix in either layout). */
    public static boolean isHead(String canonicalName) {
        return canonicalName.startsWith("classifier.") || canonicalName.startsWith("pre_classifier.");
    }

    /**
     * The canonical name of {@code name} as found in a file: a bare encoder name gets the family
     * prefix; names already prefixed, head names and unknown names are returned unchanged.
     */
    public static String canonical(EncoderConfig c, String name) {
        String p = prefix(c);
        if (name.startsWith(p) || isHead(name)) {
            return name;
        }
        boolean encoderName = name.startsWith("embeddings.")
                || (c.isDistilBert() ? name.startsWith("transformer.") : name.startsWith("encoder.") || name.startsWith("pooler."));
        return encoderName ? p + name : name;
    }

    /** The name under which a canonical tensor is written in {@code layout}. */
    public static String inLayout(EncoderConfig c, String canonicalName, Layout layout) {
        String p = prefix(c);
        return layout == Layout.BARE && canonicalName.startsWith(p) ? canonicalName.substring(p.length()) : canonicalName;
    }

    /**
     * Buffers that some checkpoints store but that carry no learned weights (older transformers
     * saved BERT's {@code position_ids}); readers drop them silently.
     */
    public static boolean isNonPersistentBuffer(String canonicalName) {
        return canonicalName.endsWith("embeddings.position_ids");
    }

    /**
     * The result of comparing tensors with {@link #expected}.
     *
     * @param wrongShape one entry per tensor, "name: expected [a, b], found [c, d]"
     */
    public record Check(List<String> missing, List<String> unexpected, List<String> wrongShape) {
        public Check {
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
            wrongShape = List.copyOf(wrongShape);
        }

        /** No missing tensor and none of the wrong shape; unexpected ones may still be present. */
        public boolean usable() {
            return missing.isEmpty() && wrongShape.isEmpty();
        }

        public boolean exact() {
            return usable() && unexpected.isEmpty();
        }

        /** One sentence listing every problem, e.g. "missing classifier.bias; wrong shape ...". */
        public String describe() {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add(missing.size() + " missing (" + abbreviate(missing) + ")");
            }
            if (!wrongShape.isEmpty()) {
                parts.add(wrongShape.size() + " of the wrong shape (" + abbreviate(wrongShape) + ")");
            }
            if (!unexpected.isEmpty()) {
                parts.add(unexpected.size() + " unexpected (" + abbreviate(unexpected) + ")");
            }
            return parts.isEmpty() ? "all tensors present with the expected shapes" : String.join("; ", parts);
        }

        private static String abbreviate(List<String> items) {
            int shown = Math.min(items.size(), 8);
            String list = String.join(", ", items.subList(0, shown));
            return items.size() > shown ? list + ", and " + (items.size() - shown) + " more" : list;
        }
    }

    /** Compares canonical names and shapes with what {@code c} expects. */
    public static Check check(EncoderConfig c, Map<String, long[]> actualShapes) {
        Map<String, int[]> expected = expected(c);
        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            long[] actual = actualShapes.get(e.getKey());
            if (actual == null) {
                missing.add(e.getKey());
            } else if (!sameShape(e.getValue(), actual)) {
                wrong.add(e.getKey() + ": expected " + Arrays.toString(e.getValue()) + ", found " + Arrays.toString(actual));
            }
        }
        TreeSet<String> unexpected = new TreeSet<>(actualShapes.keySet());
        unexpected.removeAll(expected.keySet());
        return new Check(missing, new ArrayList<>(unexpected), wrong);
    }

    static boolean sameShape(int[] expected, long[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }
}
