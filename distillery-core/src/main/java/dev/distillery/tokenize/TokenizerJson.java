package dev.distillery.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distillery.tokenize.WordPieceTokenizer.AddedToken;
import dev.distillery.tokenize.WordPieceTokenizer.Config;
import dev.distillery.tokenize.WordPieceTokenizer.Padding;
import dev.distillery.tokenize.WordPieceTokenizer.Side;
import dev.distillery.tokenize.WordPieceTokenizer.TemplateSlot;
import dev.distillery.tokenize.WordPieceTokenizer.Truncation;

import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the BERT subset of Hugging Face's tokenizer.json (https://huggingface.co/docs/tokenizers/api/tokenizer):
 * {@code BertNormalizer}, {@code BertPreTokenizer}, a {@code WordPiece} model, {@code TemplateProcessing} or
 * {@code BertProcessing}, added tokens, truncation and padding. Anything else is refused by name rather than
 * approximated, since a silently different pipeline gives silently different ids.
 */
final class TokenizerJson {
    private TokenizerJson() {
    }

    static WordPieceTokenizer read(InputStream in, String source) throws IOException {
        return read(new JsonFields(source).parse(in), source);
    }

    /** Reads an already parsed tokenizer.json whose {@code model.type} is WordPiece. */
    static WordPieceTokenizer read(JsonNode root, String source) throws IOException {
        JsonFields f = new JsonFields(source);
        Reader r = new Reader(f);
        JsonNode model = f.object(root, "model");
        f.requireType(model, "model", "WordPiece");
        Vocab vocab = r.vocab(f.object(model, "vocab"));
        List<AddedToken> added = r.addedTokens(root.path("added_tokens"));
        List<String> missing = new ArrayList<>();
        for (AddedToken t : added) {
            if (!vocab.contains(t.content())) {
                missing.add(t.content());
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidTokenizerException(source + ": added_tokens " + missing
                    + " are not in model.vocab; only added tokens that are WordPiece entries are supported");
        }
        Config config = new Config(
                r.normalizer(root.path("normalizer")),
                f.text(model, "unk_token"),
                model.hasNonNull("continuing_subword_prefix") ? f.text(model, "continuing_subword_prefix") : "##",
                model.hasNonNull("max_input_chars_per_word") ? f.positiveInt(model, "max_input_chars_per_word") : 100,
                added,
                r.template(root.path("post_processor")),
                r.truncation(root.path("truncation")),
                r.padding(root.path("padding"), vocab));
        r.preTokenizer(root.path("pre_tokenizer"));
        try {
            return new WordPieceTokenizer(vocab, config);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenizerException(source + ": " + e.getMessage());
        }
    }

    /** The fields of a {@code BertNormalizer} entry at {@code field}, with Hugging Face's defaults. */
    static BertNormalizer bertNormalizer(JsonFields f, JsonNode node, String field) throws InvalidTokenizerException {
        JsonNode strip = node.get("strip_accents");
        if (strip != null && !strip.isNull() && !strip.isBoolean()) {
            throw f.bad(field + ".strip_accents", "must be true, false or null, was " + strip);
        }
        return BertNormalizer.of(f.bool(node, "clean_text", true), f.bool(node, "handle_chinese_chars", true),
                strip == null || strip.isNull() ? null : strip.booleanValue(), f.bool(node, "lowercase", true));
    }

    /** The WordPiece parts of the file, read with field-naming complaints. */
    private record Reader(JsonFields f) {

        Vocab vocab(JsonNode vocabNode) throws InvalidTokenizerException {
            String[] byId = new String[vocabNode.size()];
            Iterator<Map.Entry<String, JsonNode>> fields = vocabNode.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                JsonNode idNode = e.getValue();
                if (!idNode.isIntegralNumber() || idNode.intValue() < 0 || idNode.intValue() >= byId.length) {
                    throw f.bad("model.vocab", "must map tokens to the dense ids 0.." + (byId.length - 1) + "; '"
                            + e.getKey() + "' has " + idNode);
                }
                int id = idNode.intValue();
                if (byId[id] != null) {
                    throw f.bad("model.vocab", "gives id " + id + " to both '" + byId[id] + "' and '" + e.getKey() + "'");
                }
                byId[id] = e.getKey();
            }
            if (byId.length == 0) {
                throw f.bad("model.vocab", "is empty");
            }
            return Vocab.of(Arrays.asList(byId));
        }

        List<AddedToken> addedTokens(JsonNode node) throws InvalidTokenizerException {
            List<AddedToken> added = new ArrayList<>();
            if (node.isMissingNode() || node.isNull()) {
                return added;
            }
            if (!node.isArray()) {
                throw f.bad("added_tokens", "must be an array");
            }
            for (JsonNode t : node) {
                String content = f.text(t, "content");
                for (String unsupported : List.of("single_word", "lstrip", "rstrip")) {
                    if (f.bool(t, unsupported, false)) {
                        throw f.bad("added_tokens." + unsupported, "is true for '" + content + "'; only false is supported");
                    }
                }
                added.add(new AddedToken(content, f.bool(t, "normalized", true)));
            }
            return added;
        }

        BertNormalizer normalizer(JsonNode node) throws InvalidTokenizerException {
            if (node.isMissingNode() || node.isNull()) {
                return new BertNormalizer(false, false, false, false);
            }
            f.requireType(node, "normalizer", "BertNormalizer");
            return bertNormalizer(f, node, "normalizer");
        }

        void preTokenizer(JsonNode node) throws InvalidTokenizerException {
            if (node.isMissingNode() || node.isNull()) {
                throw f.bad("pre_tokenizer", "is missing; expected BertPreTokenizer");
            }
            f.requireType(node, "pre_tokenizer", "BertPreTokenizer");
        }

        List<TemplateSlot> template(JsonNode node) throws InvalidTokenizerException {
            if (node.isMissingNode() || node.isNull()) {
                return List.of(TemplateSlot.text(0));
            }
            f.requireType(node, "post_processor", "TemplateProcessing", "BertProcessing");
            if (node.path("type").textValue().equals("BertProcessing")) {
                return List.of(new TemplateSlot(List.of(pairToken(node, "cls")), 0), TemplateSlot.text(0),
                        new TemplateSlot(List.of(pairToken(node, "sep")), 0));
            }
            JsonNode single = node.get("single");
            if (single == null || !single.isArray()) {
                throw f.bad("post_processor.single", "must be an array of template pieces");
            }
            JsonNode specials = node.path("special_tokens");
            List<TemplateSlot> slots = new ArrayList<>();
            for (JsonNode piece : single) {
                if (piece.has("Sequence")) {
                    slots.add(TemplateSlot.text(piece.get("Sequence").path("type_id").asInt(0)));
                } else if (piece.has("SpecialToken")) {
                    JsonNode st = piece.get("SpecialToken");
                    String id = f.text(st, "id");
                    JsonNode spec = specials.get(id);
                    if (spec == null || !spec.path("tokens").isArray()) {
                        throw f.bad("post_processor.special_tokens", "has no entry with tokens for '" + id + "'");
                    }
                    List<String> tokens = new ArrayList<>();
                    for (JsonNode tok : spec.get("tokens")) {
                        tokens.add(tok.asText());
                    }
                    slots.add(new TemplateSlot(tokens, st.path("type_id").asInt(0)));
                } else {
                    throw f.bad("post_processor.single", "holds " + piece + "; expected Sequence or SpecialToken");
                }
            }
            return slots;
        }

        private String pairToken(JsonNode node, String field) throws InvalidTokenizerException {
            JsonNode pair = node.get(field);
            if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual()) {
                throw f.bad("post_processor." + field, "must be [token, id]");
            }
            return pair.get(0).textValue();
        }

        Truncation truncation(JsonNode node) throws InvalidTokenizerException {
            if (node.isMissingNode() || node.isNull()) {
                return null;
            }
            return new Truncation(f.positiveInt(node, "max_length"), side(node, "truncation.direction"));
        }

        Padding padding(JsonNode node, Vocab vocab) throws InvalidTokenizerException {
            if (node.isMissingNode() || node.isNull()) {
                return new Padding("[PAD]", 0, Side.RIGHT, 0);
            }
            String padToken = f.text(node, "pad_token");
            JsonNode padId = node.get("pad_id");
            if (padId != null && padId.isIntegralNumber() && padId.intValue() != vocab.id(padToken)) {
                throw f.bad("padding.pad_id", "is " + padId + " but '" + padToken + "' has id " + vocab.id(padToken));
            }
            JsonNode multiple = node.get("pad_to_multiple_of");
            int padToMultipleOf = multiple == null || multiple.isNull() ? 0 : f.positiveInt(node, "pad_to_multiple_of");
            return new Padding(padToken, node.path("pad_type_id").asInt(0), side(node, "padding.direction"), padToMultipleOf);
        }

        private Side side(JsonNode node, String field) throws InvalidTokenizerException {
            String direction = node.path("direction").asText("Right");
            return switch (direction) {
                case "Right" -> Side.RIGHT;
                case "Left" -> Side.LEFT;
                default -> throw f.bad(field, "is " + direction + "; expected Left or Right");
            };
        }
    }
}
