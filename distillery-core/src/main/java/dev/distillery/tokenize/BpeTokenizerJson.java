package dev.distillery.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distillery.tokenize.BpeTokenizer.Kind;
import dev.distillery.tokenize.BpeTokenizer.Parts;
import dev.distillery.tokenize.BpeTokenizer.SpecialIds;
import dev.distillery.tokenize.PreTokenizer.PrependScheme;
import dev.distillery.tokenize.Splitting.Behavior;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face tokenizer.json whose model is {@code BPE}
 * (https://huggingface.co/docs/tokenizers/api/tokenizer) into a {@link BpeTokenizer}: every
 * normalizer, pre-tokenizer, post-processor and decoder that decoder LLM tokenizers use (see
 * docs/formats.md for the list). A component outside that list, BPE dropout, or a pair template
 * without a single one is refused by name, never approximated.
 */
final class BpeTokenizerJson {
    private final JsonFields f;

    private BpeTokenizerJson(String source) {
        this.f = new JsonFields(source);
    }

    static Parts read(JsonNode root, String source) throws InvalidTokenizerException {
        return new BpeTokenizerJson(source).read(root);
    }

    private Parts read(JsonNode root) throws InvalidTokenizerException {
        JsonNode model = f.object(root, "model");
        f.requireType(model, "model", "BPE");
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && (!dropout.isNumber() || dropout.doubleValue() != 0.0)) {
            throw f.bad("model.dropout", "is " + dropout + "; BPE dropout is a training-time randomisation and is not"
                    + " supported (expected null)");
        }
        Map<String, Integer> vocab = vocab(f.object(model, "vocab"));
        List<String[]> merges = merges(model.get("merges"));

        // Added tokens take the model's id when the model spells them, else the next free id (AddedVocabulary::add_tokens).
        List<AddedTokens.Token> added = new ArrayList<>();
        Map<String, Integer> allIds = new HashMap<>(vocab);
        int nextId = vocab.size();
        JsonNode addedNode = root.path("added_tokens");
        if (!addedNode.isMissingNode() && !addedNode.isNull()) {
            if (!addedNode.isArray()) {
                throw f.bad("added_tokens", "must be an array");
            }
            for (JsonNode t : addedNode) {
                String content = f.text(t, "content");
                Integer id = allIds.get(content);
                if (id == null) {
                    id = nextId++;
                    allIds.put(content, id);
                }
                nextId = Math.max(nextId, id + 1);
                boolean special = f.bool(t, "special", false);
                added.add(new AddedTokens.Token(content, id, special, f.bool(t, "normalized", !special),
                        f.bool(t, "single_word", false), f.bool(t, "lstrip", false), f.bool(t, "rstrip", false)));
            }
        }
        int size = 0;
        for (int id : allIds.values()) {
            size = Math.max(size, id + 1);
        }
        String[] byId = new String[size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            byId[e.getValue()] = e.getKey();
        }
        for (AddedTokens.Token t : added) {
            byId[t.id()] = t.content();
        }
        TokenTable table = new TokenTable(byId);

        String prefix = f.optionalText(model, "continuing_subword_prefix");
        String suffix = f.optionalText(model, "end_of_word_suffix");
        MergeTable mergeTable = new MergeTable(merges.size());
        List<String> mergeList = new ArrayList<>(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String a = merges.get(rank)[0];
            String b = merges.get(rank)[1];
            Integer left = vocab.get(a);
            Integer right = vocab.get(b);
            String joined = a + (prefix != null && b.startsWith(prefix) ? b.substring(prefix.length()) : b);
            Integer merged = vocab.get(joined);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? a : right == null ? b : joined;
                throw f.bad("model.merges", "entry " + rank + " (\"" + a + " " + b + "\") uses '" + missing
                        + "', which is not in model.vocab");
            }
            mergeTable.put(left, right, rank, merged);
            mergeList.add(a + " " + b);
        }
        String unk = f.optionalText(model, "unk_token");
        int unkId = -1;
        if (unk != null) {
            Integer id = vocab.get(unk);
            if (id == null) {
                throw f.bad("model.unk_token", "is '" + unk + "', which is not in model.vocab");
            }
            unkId = id;
        }
        boolean ignoreMerges = f.bool(model, "ignore_merges", false);
        SubwordModel bpe = new RankedBpe(table, mergeTable, unkId, f.bool(model, "fuse_unk", false),
                f.bool(model, "byte_fallback", false), prefix, suffix, ignoreMerges);

        TextNormalizer normalizer = normalizer(root.path("normalizer"), "normalizer");
        PreTokenizer pre = preTokenizer(root.path("pre_tokenizer"), "pre_tokenizer");
        Template template = template(root.path("post_processor"), "post_processor", table);
        TokenDecoder decoder = decoder(root.path("decoder"), "decoder");

        JsonNode truncation = root.path("truncation");
        int truncationLength = Tokenizer.NO_TRUNCATION;
        boolean truncateLeft = false;
        if (!truncation.isMissingNode() && !truncation.isNull()) {
            truncationLength = f.positiveInt(truncation, "max_length");
            truncateLeft = side(truncation, "truncation.direction");
        }
        JsonNode padding = root.path("padding");
        int padId = -1;
        int padTypeId = 0;
        boolean padLeft = false;
        int padMultiple = 0;
        if (!padding.isMissingNode() && !padding.isNull()) {
            padId = f.nonNegativeInt(padding.get("pad_id"), "padding.pad_id");
            padTypeId = padding.path("pad_type_id").asInt(0);
            padLeft = side(padding, "padding.direction");
            JsonNode multiple = padding.get("pad_to_multiple_of");
            padMultiple = multiple == null || multiple.isNull() ? 0 : f.positiveInt(padding, "pad_to_multiple_of");
        }
        int[] prefixIds = template.prefix();
        int[] suffixIds = template.suffix();
        SpecialIds specials = new SpecialIds(prefixIds.length > 0 ? prefixIds[0] : -1,
                suffixIds.length > 0 ? suffixIds[suffixIds.length - 1] : -1, unkId, padId);
        String ggufPre = GgufPreTokenizers.nameOf(normalizer, pre, ignoreMerges, decoder, bpeIsPlain(prefix, suffix, unkId,
                model));
        return new Parts(Kind.RANKED_BPE, table, added, true, normalizer, pre, bpe, template, decoder, truncationLength,
                truncateLeft, padTypeId, padLeft, padMultiple, specials, ggufPre, null, mergeList);
    }

    /** Whether the model has nothing a GGUF "gpt2" vocabulary cannot say. */
    private boolean bpeIsPlain(String prefix, String suffix, int unkId, JsonNode model) throws InvalidTokenizerException {
        return prefix == null && suffix == null && unkId < 0 && !f.bool(model, "byte_fallback", false);
    }

    private Map<String, Integer> vocab(JsonNode node) throws InvalidTokenizerException {
        Map<String, Integer> vocab = HashMap.newHashMap(node.size());
        Map<Integer, String> seen = HashMap.newHashMap(node.size());
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            int id = f.nonNegativeInt(e.getValue(), "model.vocab");
            String previous = seen.put(id, e.getKey());
            if (previous != null) {
                throw f.bad("model.vocab", "gives id " + id + " to both '" + previous + "' and '" + e.getKey() + "'");
            }
            vocab.put(e.getKey(), id);
        }
        if (vocab.isEmpty()) {
            throw f.bad("model.vocab", "is empty");
        }
        return vocab;
    }

    /** Merges as "a b" strings (split at the one space) or as [a, b] pairs, both of which Hugging Face writes. */
    private List<String[]> merges(JsonNode node) throws InvalidTokenizerException {
        if (node == null || !node.isArray()) {
            throw f.bad("model.merges", "must be an array of merges");
        }
        List<String[]> out = new ArrayList<>(node.size());
        int rank = 0;
        for (JsonNode m : node) {
            if (m.isTextual()) {
                if (m.textValue().startsWith("#version")) {
                    continue;
                }
                String[] parts = m.textValue().split(" ", -1);
                if (parts.length != 2) {
                    throw f.bad("model.merges", "entry " + rank + " is \"" + m.textValue()
                            + "\"; expected two tokens separated by one space");
                }
                out.add(parts);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                out.add(new String[] {m.get(0).textValue(), m.get(1).textValue()});
            } else {
                throw f.bad("model.merges", "entry " + rank + " is " + m + "; expected \"a b\" or [\"a\", \"b\"]");
            }
            rank++;
        }
        return out;
    }

    private Pattern pattern(JsonNode node, String field) throws InvalidTokenizerException {
        if (node == null || !node.isObject()) {
            throw f.bad(field, "must be {\"String\": ...} or {\"Regex\": ...}");
        }
        if (node.has("String") && node.get("String").isTextual()) {
            return Pattern.compile(Pattern.quote(node.get("String").textValue()));
        }
        if (node.has("Regex") && node.get("Regex").isTextual()) {
            try {
                return HfRegex.compile(node.get("Regex").textValue());
            } catch (PatternSyntaxException e) {
                throw f.bad(field + ".Regex", "is not a regular expression Java can compile: " + e.getDescription());
            }
        }
        throw f.bad(field, "must be {\"String\": ...} or {\"Regex\": ...}, was " + node);
    }

    private boolean side(JsonNode node, String field) throws InvalidTokenizerException {
        String direction = node.path("direction").asText("Right");
        return switch (direction) {
            case "Right" -> false;
            case "Left" -> true;
            default -> throw f.bad(field, "is " + direction + "; expected Left or Right");
        };
    }

    private TextNormalizer normalizer(JsonNode node, String field) throws InvalidTokenizerException {
        if (node.isMissingNode() || node.isNull()) {
            return new TextNormalizer.Identity();
        }
        f.requireType(node, field, "Sequence", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Prepend", "Replace", "Strip",
                "ByteLevel", "BertNormalizer");
        return switch (node.get("type").textValue()) {
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                JsonNode list = node.get("normalizers");
                if (list == null || !list.isArray()) {
                    throw f.bad(field + ".normalizers", "must be an array");
                }
                for (JsonNode n : list) {
                    steps.add(normalizer(n, field + ".normalizers[]"));
                }
                yield new TextNormalizer.Sequence(steps);
            }
            case "NFC" -> new TextNormalizer.Unicode(Normalizer.Form.NFC);
            case "NFD" -> new TextNormalizer.Unicode(Normalizer.Form.NFD);
            case "NFKC" -> new TextNormalizer.Unicode(Normalizer.Form.NFKC);
            case "NFKD" -> new TextNormalizer.Unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> new TextNormalizer.Lowercase();
            case "Prepend" -> new TextNormalizer.Prepend(f.text(node, "prepend"));
            case "Replace" -> new TextNormalizer.Replace(pattern(node.get("pattern"), field + ".pattern"),
                    f.text(node, "content"));
            case "Strip" -> new TextNormalizer.Strip(f.bool(node, "strip_left", true), f.bool(node, "strip_right", true));
            case "ByteLevel" -> new TextNormalizer.ByteLevelAlphabet();
            default -> new TextNormalizer.Bert(TokenizerJson.bertNormalizer(f, node, field));
        };
    }

    private PreTokenizer preTokenizer(JsonNode node, String field) throws InvalidTokenizerException {
        if (node.isMissingNode() || node.isNull()) {
            return new PreTokenizer.None();
        }
        f.requireType(node, field, "Sequence", "ByteLevel", "Split", "Digits", "Metaspace", "Whitespace",
                "WhitespaceSplit", "Punctuation");
        return switch (node.get("type").textValue()) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = node.get("pretokenizers");
                if (list == null || !list.isArray()) {
                    throw f.bad(field + ".pretokenizers", "must be an array");
                }
                for (JsonNode n : list) {
                    steps.add(preTokenizer(n, field + ".pretokenizers[]"));
                }
                yield new PreTokenizer.Sequence(steps);
            }
            case "ByteLevel" -> new PreTokenizer.ByteLevelSplit(f.bool(node, "add_prefix_space", true),
                    f.bool(node, "use_regex", true));
            case "Split" -> new PreTokenizer.Split(pattern(node.get("pattern"), field + ".pattern"),
                    behavior(node, field + ".behavior"), f.bool(node, "invert", false));
            case "Digits" -> new PreTokenizer.Digits(f.bool(node, "individual_digits", false));
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(node, field), prependScheme(node, field),
                    f.bool(node, "split", true));
            case "Whitespace" -> new PreTokenizer.Whitespace();
            case "WhitespaceSplit" -> new PreTokenizer.WhitespaceSplit();
            default -> new PreTokenizer.Punctuation(node.hasNonNull("behavior") ? behavior(node, field + ".behavior")
                    : Behavior.ISOLATED);
        };
    }

    private Behavior behavior(JsonNode node, String field) throws InvalidTokenizerException {
        String name = node.path("behavior").asText("");
        Behavior b = Behavior.fromJson(name);
        if (b == null) {
            throw f.bad(field, "is '" + name + "'; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or"
                    + " Contiguous");
        }
        return b;
    }

    private char replacement(JsonNode node, String field) throws InvalidTokenizerException {
        String r = f.text(node, "replacement");
        if (r.length() != 1) {
            throw f.bad(field + ".replacement", "must be one character, was '" + r + "'");
        }
        return r.charAt(0);
    }

    /** Metaspace's prepend_scheme, with the older add_prefix_space read as Hugging Face reads it. */
    private PrependScheme prependScheme(JsonNode node, String field) throws InvalidTokenizerException {
        String scheme = f.optionalText(node, "prepend_scheme");
        PrependScheme s = switch (scheme == null ? "always" : scheme) {
            case "always" -> PrependScheme.ALWAYS;
            case "first" -> PrependScheme.FIRST;
            case "never" -> PrependScheme.NEVER;
            default -> throw f.bad(field + ".prepend_scheme", "is '" + scheme + "'; expected always, first or never");
        };
        JsonNode addPrefix = node.get("add_prefix_space");
        if (addPrefix != null && addPrefix.isBoolean() && !addPrefix.booleanValue()) {
            if (scheme != null && s != PrependScheme.NEVER) {
                throw f.bad(field + ".add_prefix_space", "is false but prepend_scheme is " + scheme);
            }
            return PrependScheme.NEVER;
        }
        return s;
    }

    private Template template(JsonNode node, String field, TokenTable table) throws InvalidTokenizerException {
        if (node.isMissingNode() || node.isNull()) {
            return Template.textOnly();
        }
        f.requireType(node, field, "TemplateProcessing", "ByteLevel", "RobertaProcessing", "BertProcessing", "Sequence");
        switch (node.get("type").textValue()) {
            case "ByteLevel" -> {
                return Template.textOnly();
            }
            case "RobertaProcessing", "BertProcessing" -> {
                return new Template(java.util.Arrays.asList(new int[] {pairId(node, "cls", field, table)}, null,
                        new int[] {pairId(node, "sep", field, table)}), List.of(0, 0, 0));
            }
            case "Sequence" -> {
                JsonNode list = node.get("processors");
                if (list == null || !list.isArray()) {
                    throw f.bad(field + ".processors", "must be an array");
                }
                Template chosen = Template.textOnly();
                for (JsonNode p : list) {
                    Template t = template(p, field + ".processors[]", table);
                    if (t.specialCount() > 0 || !"ByteLevel".equals(p.path("type").asText())) {
                        if (chosen.specialCount() > 0) {
                            throw f.bad(field + ".processors", "holds more than one processor that adds tokens");
                        }
                        chosen = t;
                    }
                }
                return chosen;
            }
            default -> {
                JsonNode single = node.get("single");
                if (single == null || !single.isArray()) {
                    throw f.bad(field + ".single", "must be an array of template pieces");
                }
                JsonNode specials = node.path("special_tokens");
                List<int[]> slots = new ArrayList<>();
                List<Integer> types = new ArrayList<>();
                for (JsonNode piece : single) {
                    if (piece.has("Sequence")) {
                        if (!"A".equals(piece.get("Sequence").path("id").asText("A"))) {
                            throw f.bad(field + ".single", "refers to sequence " + piece.get("Sequence").path("id")
                                    + "; a single-text template holds sequence A only");
                        }
                        slots.add(null);
                        types.add(piece.get("Sequence").path("type_id").asInt(0));
                    } else if (piece.has("SpecialToken")) {
                        JsonNode st = piece.get("SpecialToken");
                        String id = f.text(st, "id");
                        JsonNode spec = specials.get(id);
                        if (spec == null || !spec.path("ids").isArray()) {
                            throw f.bad(field + ".special_tokens", "has no entry with ids for '" + id + "'");
                        }
                        int[] ids = new int[spec.get("ids").size()];
                        for (int k = 0; k < ids.length; k++) {
                            ids[k] = f.nonNegativeInt(spec.get("ids").get(k), field + ".special_tokens." + id + ".ids");
                            if (table.token(ids[k]) == null) {
                                throw f.bad(field + ".special_tokens." + id + ".ids", "holds id " + ids[k]
                                        + ", which no token has");
                            }
                        }
                        slots.add(ids);
                        types.add(st.path("type_id").asInt(0));
                    } else {
                        throw f.bad(field + ".single", "holds " + piece + "; expected Sequence or SpecialToken");
                    }
                }
                try {
                    return new Template(slots, types);
                } catch (IllegalArgumentException e) {
                    throw f.bad(field + ".single", e.getMessage());
                }
            }
        }
    }

    private int pairId(JsonNode node, String name, String field, TokenTable table) throws InvalidTokenizerException {
        JsonNode pair = node.get(name);
        if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual()) {
            throw f.bad(field + "." + name, "must be [token, id]");
        }
        int id = f.nonNegativeInt(pair.get(1), field + "." + name);
        if (table.token(id) == null) {
            throw f.bad(field + "." + name, "holds id " + id + ", which no token has");
        }
        return id;
    }

    private TokenDecoder decoder(JsonNode node, String field) throws InvalidTokenizerException {
        if (node.isMissingNode() || node.isNull()) {
            return new TokenDecoder.JoinWithSpace();
        }
        f.requireType(node, field, "Sequence", "ByteLevel", "Metaspace", "Replace", "ByteFallback", "Fuse", "Strip",
                "BPEDecoder");
        return switch (node.get("type").textValue()) {
            case "Sequence" -> {
                List<TokenDecoder> steps = new ArrayList<>();
                JsonNode list = node.get("decoders");
                if (list == null || !list.isArray()) {
                    throw f.bad(field + ".decoders", "must be an array");
                }
                for (JsonNode n : list) {
                    steps.add(decoder(n, field + ".decoders[]"));
                }
                yield new TokenDecoder.Sequence(steps);
            }
            case "ByteLevel" -> new TokenDecoder.ByteLevelBytes();
            case "Metaspace" -> new TokenDecoder.Metaspace(replacement(node, field), prependScheme(node, field));
            case "Replace" -> new TokenDecoder.Replace(pattern(node.get("pattern"), field + ".pattern"),
                    f.text(node, "content"));
            case "ByteFallback" -> new TokenDecoder.ByteFallback();
            case "Fuse" -> new TokenDecoder.Fuse();
            case "Strip" -> {
                String content = f.text(node, "content");
                if (content.codePointCount(0, content.length()) != 1) {
                    throw f.bad(field + ".content", "must be one character, was '" + content + "'");
                }
                yield new TokenDecoder.Strip(content.codePointAt(0), f.nonNegativeInt(node.get("start"), field + ".start"),
                        f.nonNegativeInt(node.get("stop"), field + ".stop"));
            }
            default -> new TokenDecoder.WordSuffix(node.hasNonNull("suffix") ? f.text(node, "suffix") : "</w>");
        };
    }
}
