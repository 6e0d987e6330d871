package dev.distillery.cli;

import dev.distillery.classify.Classifier;
import dev.distillery.serve.ClassificationServer;
import dev.distillery.serve.ServeOptions;
import dev.distillery.serve.ServerLimits;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code distillery serve}: the classification server until Ctrl-C, which drains in-flight requests first. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {"Serve a classifier over HTTP: POST /v1/classify {\"inputs\": [...]}, GET /health, GET /metrics.",
                "Concurrent requests are micro-batched; with --teacher, inputs whose student top probability is below "
                        + "--escalate-below are decided by the teacher. Ctrl-C stops after in-flight requests finish."},
        footer = {"", "Example:",
                "  distillery serve --model models/student --teacher models/teacher \\",
                "      --escalate-below 0.8 --port 8080",
                "  curl -s http://127.0.0.1:8080/v1/classify \\",
                "      -H 'Content-Type: application/json' \\",
                "      -d '{\"inputs\": [\"http://paypal.com.account-verify.example/login\"]}'"})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The classifier folder to serve (the student).")
    Path model;

    @Option(names = "--teacher", paramLabel = "DIR", description = "A classifier folder with the same labels that decides the inputs the student is unsure of.")
    Path teacher;

    @Option(names = "--escalate-below", paramLabel = "P", defaultValue = "0.8",
            description = "With --teacher: escalate when the student's top probability is below P. Default: ${DEFAULT-VALUE}.")
    double escalateBelow;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to bind. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
            description = "TCP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest request body (413 above). Default: 1048576.")
    Integer maxBodyBytes;

    @Option(names = "--max-inputs", paramLabel = "N", description = "Most texts per request (413 above). Default: 256.")
    Integer maxInputs;

    @Option(names = "--max-input-chars", paramLabel = "N", description = "Longest text in characters (400 above). Default: 4096.")
    Integer maxInputChars;

    @Option(names = "--max-batch", defaultValue = "64", paramLabel = "N",
            description = "Most inputs in one forward pass. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-wait-micros", defaultValue = "2000", paramLabel = "US",
            description = "How long an input may wait for others to fill its batch. Default: ${DEFAULT-VALUE}.")
    long maxWaitMicros;

    @Option(names = "--drain-seconds", defaultValue = "30", paramLabel = "S",
            description = "On shutdown, how long in-flight requests may take to finish. Default: ${DEFAULT-VALUE}.")
    long drainSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (teacher == null && spec.commandLine().getParseResult().hasMatchedOption("--escalate-below")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--escalate-below needs --teacher");
        }
        ServerLimits d = ServerLimits.DEFAULTS;
        ServerLimits limits = new ServerLimits(maxBodyBytes == null ? d.maxBodyBytes() : maxBodyBytes,
                maxInputs == null ? d.maxInputs() : maxInputs, maxInputChars == null ? d.maxInputChars() : maxInputChars,
                Math.max(d.maxQueuedInputs(), maxInputs == null ? 0 : maxInputs));
        ServeOptions options = new ServeOptions(host, port, escalateBelow, limits, maxBatch, maxWaitMicros,
                drainSeconds * 1000);
        Classifier student = Classifier.load(model);
        Classifier teacherModel = teacher == null ? null : Classifier.load(teacher);
        ClassificationServer server = ClassificationServer.start(student, teacherModel, options);
        PrintWriter out = spec.commandLine().getOut();
        out.println("serving " + student + " from " + model
                + (teacherModel == null ? "" : ", escalating below " + escalateBelow + " to " + teacherModel + " from " + teacher));
        out.println("listening on " + server.uri() + " (POST /v1/classify, GET /health, GET /metrics); Ctrl-C stops");
        out.flush();
        Thread hook = Thread.ofPlatform().name("distillery-serve-shutdown").unstarted(() -> {
            out.println("stopping: finishing in-flight requests");
            out.flush();
            try {
                server.close();
            } catch (Exception e) {
                spec.commandLine().getErr().println("error: stopping the server failed: " + e.getMessage());
            }
            out.println("stopped");
            out.flush();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        server.join();
        return 0;
    }
}
