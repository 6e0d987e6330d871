package dev.distillery.model.distilbert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.model.ClassificationHead;
import dev.distillery.model.ConfigFields;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderFamily;
import dev.distillery.model.EncoderNames;
import dev.distillery.model.InvalidConfigException;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModuleSource;
import dev.distillery.nn.EncoderBlock;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * DistilBERT (Sanh et al., "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and
 * lighter", 2019) as Hugging Face's {@code DistilBertModel} /
 * {@code DistilBertForSequenceClassification}: no token types, no dropout between attention and
 * its LayerNorm, a LayerNorm ε fixed at 1e-12 in code, and a ReLU {@code pre_classifier} head at
 * top level instead of BERT's pooler.
 */
public final class DistilBertFamily implements EncoderFamily {
    public static final DistilBertFamily INSTANCE = new DistilBertFamily();

    /** DistilBERT's LayerNorm epsilon, fixed in its code rather than in its config. */
    public static final float LAYER_NORM_EPS = 1e-12f;

    /** The one table of DistilBERT's tensor names ({@code DistilBertForSequenceClassification.state_dict()}). */
    public static final EncoderNames NAMES = new EncoderNames("distilbert.", "transformer.layer.",
            "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm",
            "ffn.lin1", "ffn.lin2", "output_layer_norm", false, "pre_classifier", "classifier", List.of("vocab_"));

    private DistilBertFamily() {
    }

    @Override
    public String name() {
        return "distilbert";
    }

    @Override
    public EncoderNames names() {
        return NAMES;
    }

    /**
     * {@code DistilBertConfig} (dim, n_layers, n_heads, hidden_dim, ...): missing sizes take its
     * defaults; an activation other than exact GELU or sinusoidal positions are refused.
     */
    @Override
    public EncoderConfig readConfig(ConfigFields f, List<String> labels, Map<Integer, List<Integer>> prunedHeads) {
        String act = f.string("activation", "gelu");
        if (!act.equals("gelu")) {
            throw f.error("activation is \"" + act + "\", but only \"gelu\" (exact, erf-based) is supported");
        }
        JsonNode sinusoidal = f.node("sinusoidal_pos_embds");
        if (sinusoidal != null && (!sinusoidal.isBoolean() || sinusoidal.booleanValue())) {
            throw f.error("sinusoidal_pos_embds is " + sinusoidal
                    + ", but only learned position embeddings (false) are supported");
        }
        try {
            return new EncoderConfig("distilbert", f.positiveInt("vocab_size", 30522), f.positiveInt("dim", 768),
                    f.nonNegativeInt("n_layers", 6), f.positiveInt("n_heads", 12), f.positiveInt("hidden_dim", 3072),
                    f.positiveInt("max_position_embeddings", 512), 0, LAYER_NORM_EPS, f.number("dropout", 0.1f),
                    f.number("attention_dropout", 0.1f), f.number("seq_classif_dropout", 0.2f), labels,
                    new TreeMap<>(prunedHeads));
        } catch (InvalidConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw f.error(e.getMessage());
        }
    }

    @Override
    public ObjectNode writeConfig(ModelConfig config, ObjectNode o) {
        EncoderConfig c = (EncoderConfig) config;
        o.putArray("architectures").add(c.numLabels() > 0 ? "DistilBertForSequenceClassification" : "DistilBertModel");
        o.put("activation", "gelu");
        o.put("attention_dropout", exact(c.attentionDropout()));
        o.put("dim", c.hiddenSize());
        o.put("dropout", exact(c.hiddenDropout()));
        o.put("hidden_dim", c.intermediateSize());
        o.put("initializer_range", 0.02);
        o.put("max_position_embeddings", c.maxPositions());
        o.put("model_type", "distilbert");
        o.put("n_heads", c.numHeads());
        o.put("n_layers", c.numLayers());
        o.put("pad_token_id", 0);
        o.put("qa_dropout", 0.1);
        o.put("seq_classif_dropout", exact(c.classifierDropout()));
        o.put("sinusoidal_pos_embds", false);
        o.put("tie_weights_", true);
        return o;
    }

    private static double exact(float v) {
        return Double.parseDouble(Float.toString(v));
    }

    /** {@code TransformerBlock}: no dropout between attention and its LayerNorm, hidden dropout after the FFN. */
    @Override
    public EncoderBlock block(EncoderConfig c, int layer, ModuleSource m, String prefix) {
        EncoderNames.Layer n = NAMES.layer(prefix, layer);
        int h = c.hiddenSize();
        int inner = c.attentionWidth(layer); // below hidden when heads were pruned
        int ffn = c.intermediateSize();
        return new EncoderBlock(m.linear(n.qkv(), h, new int[] {inner, inner, inner}, true),
                m.linear(n.attentionOut(), inner, h), m.layerNorm(n.attentionNorm(), h, c.layerNormEps()),
                m.linear(n.intermediate(), h, ffn), m.linear(n.output(), ffn, h),
                m.layerNorm(n.outputNorm(), h, c.layerNormEps()), c.headsInLayer(layer), c.attentionDropout(),
                0f, c.hiddenDropout());
    }

    @Override
    public ClassificationHead.Activation headActivation() {
        return ClassificationHead.Activation.RELU;
    }

    @Override
    public String tokenizerClass() {
        return "DistilBertTokenizer";
    }

    @Override
    public EncoderConfig studentConfig(EncoderConfig t, int vocab, int hidden, int layers, int heads, int ffn,
                                       int maxPositions) {
        return new EncoderConfig("distilbert", vocab, hidden, layers, heads, ffn, maxPositions, 0, t.layerNormEps(),
                t.hiddenDropout(), t.attentionDropout(), t.classifierDropout(), t.labels());
    }

    @Override
    public String describe(ModelConfig config) {
        EncoderConfig c = (EncoderConfig) config;
        return "DistilBERT encoder, " + c.numLayers() + " layers, hidden " + c.hiddenSize() + ", " + c.numHeads()
                + " heads, FFN " + c.intermediateSize() + ", vocabulary " + c.vocabSize() + ", " + c.maxPositions()
                + " positions";
    }
}
