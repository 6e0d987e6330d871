package dev.distillery.classify;

import dev.distillery.io.Checkpoint;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.SequenceClassifier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A tiny random BERT checkpoint folder and seeded synthetic URL data, so teacher training runs end
 * to end in a second or two. Phishing URLs contain one of {@link #SIGNALS}, benign ones never do.
 */
public final class TinyTeacher {
    static final List<String> SIGNALS = List.of("login", "verify", "secure");
    private static final List<String> WORDS = List.of("paypal", "bank", "mail", "news", "shop", "wiki", "docs", "home",
            "example", "cloud", "store", "photo");
    private static final List<String> TLDS = List.of("com", "net", "org");

    private TinyTeacher() {
    }

    /**
     * A Hugging Face folder holding a randomly initialised 2-layer BERT (hidden 16) with a 3-label
     * head that fine-tuning must replace, and a vocab.txt of specials, words, letters and digits.
     */
    public static Path baseModel(Path dir) throws IOException {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "/", "-", ":",
                "?", "=", "_"));
        vocab.addAll(SIGNALS);
        vocab.addAll(WORDS);
        vocab.addAll(TLDS);
        vocab.add("www");
        vocab.add("http");
        vocab.add("https");
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.add(String.valueOf(c));
            vocab.add("##" + c);
        }
        for (char c = '0'; c <= '9'; c++) {
            vocab.add(String.valueOf(c));
            vocab.add("##" + c);
        }
        Path vocabFile = dir.resolve("vocab-source.txt");
        Files.createDirectories(dir);
        Files.write(vocabFile, vocab, StandardCharsets.UTF_8);
        EncoderConfig config = new EncoderConfig("bert", vocab.size(), 16, 2, 2, 32, 32, 2, 1e-12f, 0.1f, 0.1f, 0.1f,
                List.of("x", "y", "z"));
        Path model = dir.resolve("tiny-base");
        Checkpoint.write(model, config, SequenceClassifier.create(config, 3).weights(), vocabFile);
        return model;
    }

    /**
     * A CSV {@code url,label} of {@code rows} raw URLs (scheme, often {@code www.}, sometimes a
     * trailing slash), labels {@code benign}/{@code phishing} in about equal numbers.
     */
    public static Path urls(Path file, int rows, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        lines.add("url,label");
        for (int i = 0; i < rows; i++) {
            boolean phishing = i % 2 == 1;
            String host = WORDS.get(rng.nextInt(WORDS.size()));
            if (phishing) {
                host = host + "-" + SIGNALS.get(rng.nextInt(SIGNALS.size())) + "." + WORDS.get(rng.nextInt(WORDS.size()));
            }
            String url = (rng.nextBoolean() ? "https://" : "http://") + (rng.nextBoolean() ? "www." : "") + host + "."
                    + TLDS.get(rng.nextInt(TLDS.size())) + (rng.nextBoolean() ? "/" + WORDS.get(rng.nextInt(WORDS.size())) : "")
                    + (rng.nextBoolean() ? "/" : "");
            lines.add(url + "," + (phishing ? "phishing" : "benign"));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }
}
