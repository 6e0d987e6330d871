package dev.distillery.tokenize;

import dev.distillery.testing.SharedDatasets;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Prints single-thread encoding throughput over every dataset URL for this tokenizer and, in the same run, Hugging
 * Face tokenizers through DJL (Rust behind JNI, so its figure includes the per-call crossing). The figure is the best
 * of five passes after two warm-up passes. Run from the repository root:
 * <pre>
 * ./mvnw -q -pl distillery-core test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 * java -cp distillery-core/target/test-classes:distillery-core/target/classes:$(cat distillery-core/target/cp.txt) \
 *     dev.distillery.tokenize.TokenizerBenchmark
 * </pre>
 * with {@code -Ddistillery.datasets=DIR} when {@code ../shared/datasets} is not beside the checkout.
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {
    }

    private interface Pass {
        long run();
    }

    public static void main(String[] args) throws IOException {
        List<String> urls = new ArrayList<>();
        for (String file : UrlDatasets.FILES) {
            urls.addAll(SharedDatasets.urls(file));
        }
        Path json = Files.createTempFile("tokenizer", ".json");
        try (InputStream in = TokenizerBenchmark.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, json, StandardCopyOption.REPLACE_EXISTING);
        }
        WordPieceTokenizer ours = WordPieceTokenizer.fromTokenizerJson(json);
        System.out.printf("%d URLs, load average %.2f, %s%n", urls.size(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), System.getProperty("java.vm.version"));
        report("distillery", urls.size(), () -> {
            long tokens = 0;
            for (String url : urls) {
                tokens += ours.encode(url, WordPieceTokenizer.NO_TRUNCATION).length();
            }
            return tokens;
        });
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json,
                Map.of("truncation", "false", "padding", "false", "maxLength", "1000000"))) {
            report("hugging face (djl)", urls.size(), () -> {
                long tokens = 0;
                for (String url : urls) {
                    tokens += hf.encode(url).getIds().length;
                }
                return tokens;
            });
        }
        Files.delete(json);
    }

    private static void report(String name, int texts, Pass pass) {
        long tokens = 0;
        for (int i = 0; i < 2; i++) {
            tokens = pass.run();
        }
        double[] seconds = new double[5];
        for (int i = 0; i < seconds.length; i++) {
            long start = System.nanoTime();
            pass.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        double best = Arrays.stream(seconds).min().orElseThrow();
        System.out.printf("%-20s %8.0f texts/s %10.0f tokens/s (%d tokens, best pass %.2f s)%n", name, texts / best,
                tokens / best, tokens, best);
    }
}
