package dev.distillery.io;

import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Hugging Face tensor names and shapes of a checkpoint, as PyTorch's {@code state_dict()}
 * spells them, and a check of a set of tensors against them. The names come from the config's
 * family ({@link ModelFamily#tensorShapes}), the one place they are written down.
 *
 * <p>Canonical names are those of the task model ({@code BertForSequenceClassification}, ...):
 * backbone tensors under the family's prefix ({@code bert.}, {@code distilbert.}), head tensors
 * at top level. A bare backbone checkpoint ({@code BertModel.save_pretrained}) has the same
 * backbone names without the prefix; {@link #canonical} adds it. Linear weights are
 * {@code [out, in]} as in {@code nn.Linear}.
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
        /** Backbone under the family prefix, head at top level (the task-model classes). */
        PREFIXED,
        /** Backbone names without prefix and no head ({@code BertModel}/{@code DistilBertModel}). */
        BARE
    }

    /** The family prefix, e.g. {@code "bert."}. */
    public static String prefix(ModelConfig c) {
        return ModelFamilies.of(c).weightPrefix();
    }

    /**
     * Canonical names to shapes, in the order PyTorch registers them; head tensors are included
     * when the config has labels. A layer with pruned heads has narrower attention projections
     * ({@link ModelConfig#attentionWidth}).
     */
    public static Map<String, int[]> expected(ModelConfig c) {
        return Collections.unmodifiableMap(ModelFamilies.of(c).tensorShapes(c));
    }

    /**
     * The canonical name of {@code name} as found in a file: a bare backbone name gets the family
     * prefix; names already prefixed, head names and unknown names are returned unchanged.
     */
    public static String canonical(ModelConfig c, String name) {
        return ModelFamilies.of(c).canonicalName(c, name);
    }

    /** The name under which a canonical tensor is written in {@code layout}. */
    public static String inLayout(ModelConfig c, String canonicalName, Layout layout) {
        String p = prefix(c);
        return layout == Layout.BARE && canonicalName.startsWith(p) ? canonicalName.substring(p.length()) : canonicalName;
    }

    /**
     * Buffers that some checkpoints store but that carry no learned weights (older transformers
     * saved BERT's {@code position_ids}); readers drop them silently.
     */
    public static boolean isNonPersistentBuffer(ModelConfig c, String canonicalName) {
        return ModelFamilies.of(c).isBuffer(canonicalName);
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
    public static Check check(ModelConfig c, Map<String, long[]> actualShapes) {
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
