package dev.distillery.distill;

import dev.distillery.data.Dataset;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.model.EncoderConfig;
import dev.distillery.tokenize.WordPieceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A character-level URL tokenizer, tiny teacher configurations and a learnable synthetic URL task. */
final class TinyUrls {
    private static final String CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String[] WORDS = {"login", "verify", "secure", "account", "com", "net", "org", "shop", "blog",
            "news", "home"};
    private static final String[] SYLLABLES = {"ka", "lo", "mi", "ra", "to", "ne", "su", "vi", "pa", "do"};

    private TinyUrls() {
    }

    /** [PAD] [UNK] [CLS] [SEP] [MASK], a few words, every character and its ## continuation, '.', '/', '-'. */
    static WordPieceTokenizer tokenizer(Path dir) throws IOException {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "/", "-"));
        vocab.addAll(List.of(WORDS));
        for (char c : CHARS.toCharArray()) {
            vocab.add(String.valueOf(c));
            vocab.add("##" + c);
        }
        Path file = dir.resolve("vocab.txt");
        Files.write(file, vocab);
        return WordPieceTokenizer.fromVocabTxt(file, true);
    }

    static EncoderConfig config(String family, int vocab, int hidden, int layers, int ffn) {
        return new EncoderConfig(family, vocab, hidden, layers, 2, ffn, 48, family.equals("bert") ? 2 : 0, 1e-12f,
                0f, 0f, 0f, List.of("benign", "phishing"));
    }

    /** Host of two or three syllables and a TLD, optional path; phishing (1) exactly when the path says verify or login. */
    static Dataset urls(String name, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> texts = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            for (int s = 0, k = 2 + rng.nextInt(2); s < k; s++) {
                b.append(SYLLABLES[rng.nextInt(SYLLABLES.length)]);
            }
            b.append('.').append(List.of("com", "net", "org").get(rng.nextInt(3)));
            labels[i] = rng.nextInt(2);
            if (labels[i] == 1) {
                b.append('/').append(rng.nextBoolean() ? "verify" : "login");
            } else if (rng.nextBoolean()) {
                b.append('/').append(List.of("shop", "blog", "news", "home").get(rng.nextInt(4)));
            }
            texts.add(b.toString());
        }
        return new Dataset(name, texts, labels, LabelMap.of("benign", "phishing"), TextTransform.NONE);
    }
}
