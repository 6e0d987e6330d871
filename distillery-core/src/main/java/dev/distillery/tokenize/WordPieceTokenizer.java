package dev.distillery.tokenize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A BERT tokenizer giving the same ids as Hugging Face tokenizers (the Rust library behind
 * {@code BertTokenizerFast}) with its pipeline of {@code BertNormalizer}, {@code BertPreTokenizer}, {@code WordPiece}
 * and {@code TemplateProcessing} (https://huggingface.co/docs/tokenizers/pipeline), character categories included
 * (see {@link BertNormalizer}). Special tokens written in the text, such as "[MASK]", are matched before
 * normalization as Hugging Face's added-token pass does. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * WordPieceTokenizer tok = WordPieceTokenizer.fromTokenizerJson(Path.of("tokenizer.json"));
 * tok.encode("Hello, wörld!").tokens();   // [[CLS], hello, ,, world, !, [SEP]]
 * Batch b = tok.encodeBatch(List.of("a", "b c"), 128);   // seqLen 4, row 0 padded with [PAD], mask 0
 * }</pre>
 */
public final class WordPieceTokenizer implements Tokenizer {
    /** Which end loses tokens when truncating, or gains padding. */
    public enum Side { LEFT, RIGHT }

    /**
     * A token matched verbatim in the text before WordPiece sees it.
     *
     * @param normalized match on the normalized text rather than the raw one (Hugging Face's {@code normalized})
     */
    public record AddedToken(String content, boolean normalized) {
    }

    /**
     * One slot of the single-text template: the special tokens it inserts, or the text itself when {@code specials}
     * is null.
     */
    public record TemplateSlot(List<String> specials, int typeId) {
        public static TemplateSlot text(int typeId) {
            return new TemplateSlot(null, typeId);
        }
    }

    /** @param maxLength default total length, special tokens included, for {@link #encode(String)} */
    public record Truncation(int maxLength, Side side) {
    }

    /** @param padToMultipleOf round the padded length up to a multiple of this, or 0 for no rounding */
    public record Padding(String padToken, int padTypeId, Side side, int padToMultipleOf) {
    }

    /** Everything that defines a tokenizer apart from its vocabulary, so a remapped vocabulary keeps the behaviour. */
    public record Config(BertNormalizer normalizer, String unkToken, String continuingPrefix, int maxInputCharsPerWord,
                         List<AddedToken> addedTokens, List<TemplateSlot> template, Truncation truncation,
                         Padding padding) {
    }

    private record ResolvedAdded(String content, int id) {
    }

    private final Vocab vocab;
    private final Config config;
    private final WordPiece model;
    private final ResolvedAdded[] rawAdded;
    private final ResolvedAdded[] normalizedAdded;
    private final Template template;
    private final int clsId;
    private final int sepId;
    private final int padId;

    /** @throws IllegalArgumentException when a token the config names is missing from {@code vocab} */
    public WordPieceTokenizer(Vocab vocab, Config config) {
        this.vocab = vocab;
        this.config = config;
        this.model = new WordPiece(vocab, require(vocab, config.unkToken(), "unknown token"), config.continuingPrefix(),
                config.maxInputCharsPerWord());
        List<ResolvedAdded> raw = new ArrayList<>();
        List<ResolvedAdded> normalized = new ArrayList<>();
        for (AddedToken t : config.addedTokens()) {
            // A trimmed vocabulary may drop an added token such as [MASK]; text spelling it is then tokenized as text.
            if (!t.content().isEmpty() && vocab.contains(t.content())) {
                (t.normalized() ? normalized : raw).add(new ResolvedAdded(t.content(), vocab.id(t.content())));
            }
        }
        this.rawAdded = raw.toArray(ResolvedAdded[]::new);
        this.normalizedAdded = normalized.toArray(ResolvedAdded[]::new);

        List<int[]> slotIds = new ArrayList<>();
        List<Integer> typeIds = new ArrayList<>();
        List<Integer> specialIds = new ArrayList<>();
        for (TemplateSlot slot : config.template()) {
            typeIds.add(slot.typeId());
            if (slot.specials() == null) {
                slotIds.add(null);
                continue;
            }
            int[] ids = new int[slot.specials().size()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = require(vocab, slot.specials().get(k), "template special token");
                specialIds.add(ids[k]);
            }
            slotIds.add(ids);
        }
        this.template = new Template(slotIds, typeIds);
        this.clsId = specialIds.isEmpty() ? -1 : specialIds.getFirst();
        this.sepId = specialIds.isEmpty() ? -1 : specialIds.getLast();
        this.padId = require(vocab, config.padding().padToken(), "padding token");
    }

    private static int require(Vocab vocab, String token, String role) {
        int id = vocab.id(token);
        if (id < 0) {
            throw new IllegalArgumentException(role + " '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    /**
     * A tokenizer for a BERT vocab.txt, configured as {@code BertTokenizer(vocab_file, do_lower_case=lowercase)}:
     * accents are stripped exactly when lower-casing, and nothing is truncated unless asked.
     */
    public static WordPieceTokenizer fromVocabTxt(Path vocabTxt, boolean lowercase) throws IOException {
        Vocab vocab = Vocab.read(vocabTxt);
        List<AddedToken> added = new ArrayList<>();
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            if (vocab.contains(special)) {
                added.add(new AddedToken(special, false));
            } else if (!special.equals("[MASK]")) {
                throw new InvalidTokenizerException(vocabTxt + ": BERT special token " + special + " is missing");
            }
        }
        Config config = new Config(BertNormalizer.of(true, true, null, lowercase), "[UNK]", "##", 100, added,
                List.of(new TemplateSlot(List.of("[CLS]"), 0), TemplateSlot.text(0), new TemplateSlot(List.of("[SEP]"), 0)),
                null, new Padding("[PAD]", 0, Side.RIGHT, 0));
        return new WordPieceTokenizer(vocab, config);
    }

    /** Reads a Hugging Face tokenizer.json holding a BERT WordPiece pipeline. */
    public static WordPieceTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return fromTokenizerJson(in, tokenizerJson.toString());
        }
    }

    /** As {@link #fromTokenizerJson(Path)}; {@code source} names the stream in error messages. */
    public static WordPieceTokenizer fromTokenizerJson(InputStream in, String source) throws IOException {
        return TokenizerJson.read(in, source);
    }

    /**
     * The same tokenizer over another vocabulary, e.g. a trimmed one from {@link Vocab#retain}; special tokens are
     * found again by spelling.
     */
    public WordPieceTokenizer withVocab(Vocab newVocab) {
        return new WordPieceTokenizer(newVocab, config);
    }

    /** Encodes with the truncation length from the tokenizer file, or none for vocab.txt; never pads. */
    @Override
    public Encoding encode(String text) {
        return encode(text, config.truncation() == null ? NO_TRUNCATION : config.truncation().maxLength());
    }

    /**
     * Encodes {@code text} into at most {@code maxLength} tokens: the text's pieces are cut (at the configured side,
     * right by default) so that the template's special tokens always fit, as Hugging Face's truncation does.
     */
    @Override
    public Encoding encode(String text, int maxLength) {
        IntList pieces = new IntList();
        tokenizeInto(text, pieces);
        boolean left = config.truncation() != null && config.truncation().side() == Side.LEFT;
        return template.assemble(pieces, maxLength, left, vocab::token);
    }

    /**
     * Encodes each text with {@link #encode(String, int)} and pads to the longest in the batch (rounded up to the
     * configured multiple) with the pad id, pad type id and mask 0.
     */
    @Override
    public Batch encodeBatch(List<String> texts, int maxLength) {
        Encoding[] encodings = new Encoding[texts.size()];
        for (int b = 0; b < encodings.length; b++) {
            encodings[b] = encode(texts.get(b), maxLength);
        }
        Padding padding = config.padding();
        return Template.pad(encodings, padId, padding.padTypeId(), padding.side() == Side.LEFT,
                padding.padToMultipleOf());
    }

    /** WordPiece ids of {@code text} without special tokens or truncation. */
    @Override
    public int[] tokenize(String text) {
        IntList pieces = new IntList();
        tokenizeInto(text, pieces);
        return pieces.toArray(0, pieces.size());
    }

    private void tokenizeInto(String text, IntList out) {
        splitOnAdded(text, rawAdded, out, raw ->
                splitOnAdded(config.normalizer().normalize(raw), normalizedAdded, out, normalized -> {
                    for (String word : BertPreTokenizer.split(normalized)) {
                        model.tokenize(word, out);
                    }
                }));
    }

    /**
     * Emits the ids of added tokens found in {@code s} and hands the text between them to {@code between}. Matching is
     * leftmost-longest, the Aho-Corasick mode Hugging Face uses; a handful of specials makes a plain scan enough.
     */
    private static void splitOnAdded(String s, ResolvedAdded[] tokens, IntList out, Consumer<String> between) {
        if (tokens.length == 0) {
            if (!s.isEmpty()) {
                between.accept(s);
            }
            return;
        }
        int last = 0;
        for (int i = 0; i < s.length(); ) {
            ResolvedAdded best = null;
            for (ResolvedAdded t : tokens) {
                if ((best == null || t.content().length() > best.content().length()) && s.startsWith(t.content(), i)) {
                    best = t;
                }
            }
            if (best == null) {
                i += Character.charCount(s.codePointAt(i));
                continue;
            }
            if (i > last) {
                between.accept(s.substring(last, i));
            }
            out.add(best.id());
            i += best.content().length();
            last = i;
        }
        if (last < s.length()) {
            between.accept(s.substring(last));
        }
    }

    /** The vocabulary spelling of each id. */
    @Override
    public String[] tokens(int[] ids) {
        String[] tokens = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[i] = vocab.token(ids[i]);
        }
        return tokens;
    }

    /**
     * The text of {@code ids} as Hugging Face's {@code WordPiece} decoder with cleanup writes it:
     * pieces after the first are joined with a space unless they continue a word ("##"), then the
     * spaces before punctuation and English contractions are removed. Lower-casing and stripped
     * accents are not undone. With {@code skipSpecialTokens} the added tokens ([CLS], [PAD], ...)
     * are left out.
     */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        boolean first = true;
        for (int id : ids) {
            if (skipSpecialTokens && isAdded(id)) {
                continue;
            }
            String token = vocab.token(id);
            if (!first && token.startsWith(config.continuingPrefix())) {
                token = token.substring(config.continuingPrefix().length());
            } else if (!first) {
                token = " " + token;
            }
            first = false;
            text.append(cleanup(token));
        }
        return text.toString();
    }

    private boolean isAdded(int id) {
        for (ResolvedAdded[] added : new ResolvedAdded[][] {rawAdded, normalizedAdded}) {
            for (ResolvedAdded t : added) {
                if (t.id() == id) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The replacements of Hugging Face's {@code decoders::wordpiece::cleanup}, in its order. */
    private static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** Writes the vocabulary as vocab.txt (one token per line, line n = id n). */
    public void writeVocab(Path vocabTxt) throws IOException {
        vocab.write(vocabTxt);
    }

    public Vocab vocab() {
        return vocab;
    }

    public Config config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    /** Id of the template's first special token ([CLS] for BERT), or -1 if the template adds none. */
    public int clsId() {
        return clsId;
    }

    /** Id of the template's last special token ([SEP] for BERT), or -1 if the template adds none. */
    public int sepId() {
        return sepId;
    }

    @Override
    public int padId() {
        return padId;
    }

    public int unkId() {
        return model.unkId();
    }

    /** Id of [MASK], or -1 when the vocabulary has none. */
    public int maskId() {
        return vocab.id("[MASK]");
    }

    /** Number of special tokens the template adds to every text. */
    public int specialTokenCount() {
        return template.specialCount();
    }
}
