package dev.distillery.model.bert;

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
 * BERT (Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
 * Understanding", 2019) as Hugging Face's {@code BertModel} / {@code BertForSequenceClassification}:
 * token-type embeddings, hidden dropout after attention and after the feed-forward block, and a
 * tanh pooler over the first token that belongs to the encoder. MiniLM checkpoints are BERT.
 */
public final class BertFamily implements EncoderFamily {
    public static final BertFamily INSTANCE = new BertFamily();

    /** The one table of BERT's tensor names ({@code BertForSequenceClassification.state_dict()}). */
    public static final EncoderNames NAMES = new EncoderNames("bert.", "encoder.layer.",
            "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
            true, "bert.pooler.dense", "classifier", List.of("cls."));

    private BertFamily() {
    }

    @Override
    public String name() {
        return "bert";
    }

    @Override
    public EncoderNames names() {
        return NAMES;
    }

    /**
     * {@code BertConfig}: missing sizes take its defaults (bert-base); an activation other than
     * exact GELU or relative position embeddings are refused, since the block computes neither.
     */
    @Override
    public EncoderConfig readConfig(ConfigFields f, List<String> labels, Map<Integer, List<Integer>> prunedHeads) {
        String act = f.string("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw f.error("hidden_act is \"" + act + "\", but only \"gelu\" (exact, erf-based) is supported");
        }
        String positions = f.string("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw f.error("position_embedding_type is \"" + positions + "\", but only \"absolute\" is supported");
        }
        float hiddenDropout = f.number("hidden_dropout_prob", 0.1f);
        Float classifierDropout = f.nullableNumber("classifier_dropout");
        try {
            return new EncoderConfig("bert", f.positiveInt("vocab_size", 30522), f.positiveInt("hidden_size", 768),
                    f.nonNegativeInt("num_hidden_layers", 12), f.positiveInt("num_attention_heads", 12),
                    f.positiveInt("intermediate_size", 3072), f.positiveInt("max_position_embeddings", 512),
                    f.nonNegativeInt("type_vocab_size", 2), f.number("layer_norm_eps", 1e-12f), hiddenDropout,
                    f.number("attention_probs_dropout_prob", 0.1f),
                    classifierDropout == null ? hiddenDropout : classifierDropout, labels, new TreeMap<>(prunedHeads));
        } catch (InvalidConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw f.error(e.getMessage());
        }
    }

    @Override
    public ObjectNode writeConfig(ModelConfig config, ObjectNode o) {
        EncoderConfig c = (EncoderConfig) config;
        o.putArray("architectures").add(c.numLabels() > 0 ? "BertForSequenceClassification" : "BertModel");
        o.put("attention_probs_dropout_prob", exact(c.attentionDropout()));
        o.put("classifier_dropout", exact(c.classifierDropout()));
        o.put("hidden_act", "gelu");
        o.put("hidden_dropout_prob", exact(c.hiddenDropout()));
        o.put("hidden_size", c.hiddenSize());
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", c.intermediateSize());
        o.put("layer_norm_eps", exact(c.layerNormEps()));
        o.put("max_position_embeddings", c.maxPositions());
        o.put("model_type", "bert");
        o.put("num_attention_heads", c.numHeads());
        o.put("num_hidden_layers", c.numLayers());
        o.put("pad_token_id", 0);
        o.put("position_embedding_type", "absolute");
        o.put("type_vocab_size", c.typeVocabSize());
        o.put("use_cache", true);
        return o;
    }

    /** The shortest decimal that reads back as the same float (0.1f is written 0.1, not 0.10000000149). */
    private static double exact(float v) {
        return Double.parseDouble(Float.toString(v));
    }

    /** {@code BertLayer}: hidden dropout after attention and after the feed-forward block. */
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
                c.hiddenDropout(), c.hiddenDropout());
    }

    @Override
    public ClassificationHead.Activation headActivation() {
        return ClassificationHead.Activation.TANH;
    }

    @Override
    public String tokenizerClass() {
        return "BertTokenizer";
    }

    /** A BERT student keeps the teacher's token types, at least the two segments of a BERT vocabulary. */
    @Override
    public EncoderConfig studentConfig(EncoderConfig t, int vocab, int hidden, int layers, int heads, int ffn,
                                       int maxPositions) {
        return new EncoderConfig("bert", vocab, hidden, layers, heads, ffn, maxPositions, Math.max(t.typeVocabSize(), 2),
                t.layerNormEps(), t.hiddenDropout(), t.attentionDropout(), t.classifierDropout(), t.labels());
    }

    @Override
    public String describe(ModelConfig config) {
        EncoderConfig c = (EncoderConfig) config;
        return "BERT encoder, " + c.numLayers() + " layers, hidden " + c.hiddenSize() + ", " + c.numHeads() + " heads, FFN "
                + c.intermediateSize() + ", vocabulary " + c.vocabSize() + ", " + c.maxPositions() + " positions, "
                + c.typeVocabSize() + " token types";
    }
}
