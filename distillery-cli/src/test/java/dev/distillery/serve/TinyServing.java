package dev.distillery.serve;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Tiny classifiers to serve and an HTTP client for tests; the models are untrained, only their sums matter. */
final class TinyServing {
    static final List<String> URLS = List.of("https://www.paypal-login.bank.com/", "wiki.org/docs",
            "http://shop.example.net", "mail-verify.cloud.org/home/", "news.com", "secure-bank.photo.org/login",
            "http://www.docs.net/", "store.com/verify");

    private TinyServing() {
    }

    /** A 2-layer BERT (hidden 16) classifier over benign/phishing; another seed gives another head, e.g. a "teacher". */
    static Classifier classifier(Path dir, long seed) throws IOException {
        return Classifier.forFineTuning(TinyTeacher.baseModel(dir.resolve("base-" + seed)).toString(),
                LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 24, seed);
    }

    record Reply(int status, String contentType, String allow, String body) {
    }

    static final class Client implements AutoCloseable {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        private final URI base;

        Client(URI base) {
            this.base = base;
        }

        Reply send(String method, String path, String contentType, HttpRequest.BodyPublisher body)
                throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                    .method(method, body);
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("Allow").orElse(""), r.body());
        }

        Reply post(String json) throws IOException, InterruptedException {
            return send("POST", ApiHandler.CLASSIFY, "application/json", HttpRequest.BodyPublishers.ofString(json));
        }

        Reply postBytes(byte[] body) throws IOException, InterruptedException {
            return send("POST", ApiHandler.CLASSIFY, "application/json", HttpRequest.BodyPublishers.ofByteArray(body));
        }

        Reply get(String path) throws IOException, InterruptedException {
            return send("GET", path, null, HttpRequest.BodyPublishers.noBody());
        }

        @Override
        public void close() {
            http.close();
        }
    }
}
