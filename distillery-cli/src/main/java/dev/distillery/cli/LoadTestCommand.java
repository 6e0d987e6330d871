package dev.distillery.cli;

import dev.distillery.bench.BenchTexts;
import dev.distillery.serve.ApiKeys;
import dev.distillery.serve.LoadTest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code distillery load-test}: drives a running server and fails when any request fails. */
@Command(name = "load-test",
        mixinStandardHelpOptions = true,
        description = {"Send POST /v1/classify requests to a running `distillery serve` from concurrent connections and "
                + "print throughput and latency percentiles. Exit code 1 when any request fails."},
        footer = {"", "Example:",
                "  distillery serve --model models/student --port 8080 &",
                "  distillery load-test --url http://127.0.0.1:8080 --requests 20000 \\",
                "      --concurrency 32"})
public final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", paramLabel = "URL",
            description = "The server. Default: ${DEFAULT-VALUE}.")
    URI url;

    @Option(names = "--requests", defaultValue = "20000", paramLabel = "N", description = "Measured requests. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--concurrency", defaultValue = "32", paramLabel = "N",
            description = "Requests in flight at once, one connection each. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--inputs-per-request", defaultValue = "1", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int inputsPerRequest;

    @Option(names = "--warmup", defaultValue = "500", paramLabel = "N",
            description = "Unmeasured requests sent first so the server is compiled. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--input", paramLabel = "FILE",
            description = "Texts to send, one per line, in turn. Default: 256 bundled phishing-urls test URLs.")
    Path input;

    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "Send Authorization: Bearer with the first key of this file (the server's --api-key-file).")
    Path apiKeyFile;

    @Option(names = "--server-pid", defaultValue = "0", paramLabel = "PID",
            description = "The server's process id: its resident memory (Linux /proc) is read after the warm-up and at the end.")
    long serverPid;

    @Option(names = "--max-rss-growth", paramLabel = "FRACTION",
            description = "With --server-pid: fail when the server's resident memory grew by more than this, e.g. 0.10.")
    Double maxRssGrowth;

    @Option(names = "--json", description = "Print every figure as one JSON object instead of the summary line.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> texts = input == null ? BenchTexts.bundled() : BenchTexts.read(input);
        URI base = URI.create(url.toString().endsWith("/") ? url.toString() : url + "/");
        if (maxRssGrowth != null && serverPid == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-rss-growth needs --server-pid");
        }
        String authorization = apiKeyFile == null ? null : "Bearer " + firstKey(apiKeyFile);
        LoadTest.Result result = LoadTest.run(base, texts, new LoadTest.Plan(requests, concurrency, inputsPerRequest, warmup,
                authorization, serverPid));
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? result.toJson().toPrettyString() : result.summary());
        out.flush();
        if (result.errors() > 0) {
            throw new LoadTestFailedException(result.errors() + " of " + result.requests() + " requests failed: "
                    + result.errorsByKind());
        }
        if (serverPid != 0 && result.rssAtEndBytes() < 0) {
            throw new LoadTestFailedException("cannot read the resident memory of process " + serverPid + " in /proc");
        }
        if (maxRssGrowth != null && result.rssGrowth() > maxRssGrowth) {
            throw new LoadTestFailedException(String.format(Locale.ROOT, "the server's resident memory grew by %.1f%%"
                    + " (%d to %d bytes), more than the %.1f%% allowed", 100 * result.rssGrowth(), result.rssAfterWarmupBytes(),
                    result.rssAtEndBytes(), 100 * maxRssGrowth));
        }
        return 0;
    }

    /** The first key of an API key file (one per line, # comments), as the server reads it. */
    private static String firstKey(Path file) throws IOException {
        ApiKeys.read(file); // the same checks the server makes
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            String key = line.strip();
            if (!key.isEmpty() && !key.startsWith("#")) {
                return key;
            }
        }
        throw new IllegalStateException("unreachable: ApiKeys.read found a key");
    }

    /** Some requests got no good answer. */
    static final class LoadTestFailedException extends Exception {
        LoadTestFailedException(String message) {
            super(message);
        }
    }
}
