package dev.distillery.cli;

import dev.distillery.bench.BenchTexts;
import dev.distillery.serve.LoadTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> texts = input == null ? BenchTexts.bundled() : BenchTexts.read(input);
        URI base = URI.create(url.toString().endsWith("/") ? url.toString() : url + "/");
        LoadTest.Result result = LoadTest.run(base, texts, new LoadTest.Plan(requests, concurrency, inputsPerRequest, warmup));
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.summary());
        out.flush();
        if (result.errors() > 0) {
            throw new LoadTestFailedException(result.errors() + " of " + result.requests() + " requests failed: "
                    + result.errorsByKind());
        }
        return 0;
    }

    /** Some requests got no good answer. */
    static final class LoadTestFailedException extends Exception {
        LoadTestFailedException(String message) {
            super(message);
        }
    }
}
