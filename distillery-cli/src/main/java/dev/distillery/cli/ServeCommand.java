package dev.distillery.cli;

import dev.distillery.classify.Classifier;
import dev.distillery.serve.ApiKeys;
import dev.distillery.serve.ClassificationServer;
import dev.distillery.serve.ServeOptions;
import dev.distillery.serve.ServeSecurity;
import dev.distillery.serve.ServerLimits;
import dev.distillery.serve.TlsKeystore;
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
                        + "--escalate-below are decided by the teacher. Ctrl-C stops after in-flight requests finish.",
                "It listens on loopback; another address needs --api-key-file (or --insecure). See docs/serving.md."},
        footer = {"", "Example:",
                "  distillery serve --model models/student --teacher models/teacher \\",
                "      --escalate-below 0.8 --port 8080",
                "  curl -s http://127.0.0.1:8080/v1/classify \\",
                "      -H 'Content-Type: application/json' \\",
                "      -d '{\"inputs\": [\"http://paypal.com.account-verify.example/login\"]}'",
                "",
                "Exposed to the network, with keys and TLS (docs/serving.md):",
                "  openssl rand -hex 32 > keys.txt && chmod 600 keys.txt",
                "  export DISTILLERY_TLS_KEYSTORE_PASSWORD=...",
                "  distillery serve --model models/student --host 0.0.0.0 \\",
                "      --api-key-file keys.txt --tls-keystore server.p12",
                "  curl -s https://HOST:8080/v1/classify \\",
                "      -H \"Authorization: Bearer $(cat keys.txt)\" ..."})
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

    @Option(names = "--max-queued-inputs", paramLabel = "N",
            description = "Inputs that may wait for a model; beyond it requests get 503 with Retry-After. Default: 16384.")
    Integer maxQueuedInputs;

    @Option(names = "--max-response-bytes", paramLabel = "N",
            description = "Largest answer; the server refuses to start when --max-inputs could exceed it. Default: 4194304.")
    Integer maxResponseBytes;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Open connections; beyond it new ones wait to be accepted. Default: 1024.")
    Integer maxConnections;

    @Option(names = "--idle-timeout-seconds", paramLabel = "S",
            description = "Close a connection silent this long. Default: 30.")
    Double idleTimeoutSeconds;

    @Option(names = "--request-timeout-seconds", paramLabel = "S",
            description = "A request's headers, then its body, must arrive within this time (408 or closed otherwise). Default: 30.")
    Double requestTimeoutSeconds;

    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "Keys, one per line: /v1/classify and /metrics then need Authorization: Bearer KEY (401 otherwise).")
    Path apiKeyFile;

    @Option(names = "--insecure",
            description = "Allow an address other machines can reach without --api-key-file.")
    boolean insecure;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Serve HTTPS with the certificate and key in this PKCS#12 (.p12) or JKS (.jks) keystore.")
    Path tlsKeystore;

    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "The keystore's password (first line); else the environment variable " + TlsKeystore.PASSWORD_ENV + ".")
    Path tlsKeystorePasswordFile;

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
        if (tlsKeystorePasswordFile != null && tlsKeystore == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tls-keystore-password-file needs --tls-keystore");
        }
        ServerLimits d = ServerLimits.DEFAULTS;
        int inputs = maxInputs == null ? d.maxInputs() : maxInputs;
        ServerLimits limits = new ServerLimits(maxBodyBytes == null ? d.maxBodyBytes() : maxBodyBytes, inputs,
                maxInputChars == null ? d.maxInputChars() : maxInputChars,
                maxQueuedInputs != null ? maxQueuedInputs : Math.max(d.maxQueuedInputs(), inputs),
                maxResponseBytes == null ? d.maxResponseBytes() : maxResponseBytes,
                maxConnections == null ? d.maxConnections() : maxConnections,
                idleTimeoutSeconds == null ? d.idleTimeoutMillis() : Math.round(idleTimeoutSeconds * 1000),
                requestTimeoutSeconds == null ? d.requestTimeoutMillis() : Math.round(requestTimeoutSeconds * 1000));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ApiKeys keys = null;
        if (apiKeyFile != null) {
            keys = ApiKeys.read(apiKeyFile);
            if (ApiKeys.readableByOthers(apiKeyFile)) {
                err.println("warning: " + apiKeyFile + " is readable by other users; chmod 600 it");
            }
        }
        TlsKeystore tls = tlsKeystore == null ? null : TlsKeystore.of(tlsKeystore, tlsKeystorePasswordFile, System.getenv());
        ServeOptions options = new ServeOptions(host, port, escalateBelow, limits, maxBatch, maxWaitMicros,
                drainSeconds * 1000, new ServeSecurity(keys, tls, insecure));
        ClassificationServer.checkExposure(options); // before the models take seconds to load
        Classifier student = Classifier.load(model);
        Classifier teacherModel = teacher == null ? null : Classifier.load(teacher);
        ClassificationServer server = ClassificationServer.start(student, teacherModel, options);
        if (keys != null && tls == null && !ClassificationServer.isLoopbackHost(host)) {
            err.println("warning: API keys travel in clear text over plain HTTP; give --tls-keystore to serve HTTPS");
        }
        err.flush();
        out.println("serving " + student + " from " + model
                + (teacherModel == null ? "" : ", escalating below " + escalateBelow + " to " + teacherModel + " from " + teacher));
        out.println("listening on " + server.uri() + " (POST /v1/classify, GET /health, GET /metrics); "
                + (keys == null ? "no API keys" : keys.size() + " API key(s) required") + "; Ctrl-C stops");
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
