package dev.distillery.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import dev.distillery.report.Charts;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Opens the tiny report in headless Chromium: no console errors or exceptions, every chart drawn with
 * visible marks, no point label covering another label or a point, and a full-page screenshot in
 * {@code target/report-screenshot.png}; then a page of Pareto charts whose points sit close (as a
 * student and its quantized copies do), checked the same way with the boxes the browser draws
 * (screenshot in {@code target/crowded-labels-screenshot.png}). Without
 * Chromium the tests are skipped, except under CI (the environment variable {@code CI} set), where they
 * fail: .ci/run installs Chromium, so a missing browser there is a broken set-up rather than a choice.
 */
class ReportInBrowserTest {
    /** Debian's package; another binary can be named with -Ddistillery.chromium=PATH. */
    private static final Path CHROMIUM = Path.of(System.getProperty("distillery.chromium", "/usr/bin/chromium"));

    /**
     * Per chart: its size on the page and how many shapes (not text) have a non-empty bounding box, as JSON,
     * since an SVG that parses but draws nothing still has a size.
     */
    private static final String CHART_PROBE = """
            JSON.stringify(Array.from(document.querySelectorAll('figure.chart svg')).map(s => {
              const r = s.getBoundingClientRect();
              const marks = Array.from(s.querySelectorAll('rect,circle,line,polyline,path')).filter(e => {
                const b = e.getBBox(); return b.width > 0 || b.height > 0; }).length;
              return {label: s.getAttribute('aria-label'), width: r.width, height: r.height, marks: marks};
            }))""";

    /**
     * Per SVG with point labels: every label's drawn box against the other labels' and the points' (circles),
     * and against the SVG's own frame; one line per clash, so an empty list means none.
     */
    private static final String LABEL_PROBE = """
            JSON.stringify(Array.from(document.querySelectorAll('svg')).flatMap(s => {
              const chart = s.getAttribute('aria-label');
              const labels = Array.from(s.querySelectorAll('text.point-label')).map(t => ({name: t.textContent, b: t.getBBox()}));
              const points = Array.from(s.querySelectorAll('circle')).map(c => c.getBBox());
              const vb = s.viewBox.baseVal;
              const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
              const clashes = [];
              labels.forEach((l, i) => {
                if (l.b.x < 0 || l.b.y < 0 || l.b.x + l.b.width > vb.width || l.b.y + l.b.height > vb.height) {
                  clashes.push(chart + ': ' + l.name + ' leaves the chart');
                }
                labels.forEach((m, j) => { if (j > i && hit(l.b, m.b)) clashes.push(chart + ': ' + l.name + ' covers ' + m.name); });
                points.forEach((p, j) => { if (hit(l.b, p)) clashes.push(chart + ': ' + l.name + ' covers point ' + j); });
              });
              return clashes;
            }))""";

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void requireChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            String why = "no Chromium at " + CHROMIUM + " (apt-get install chromium)";
            if (System.getenv("CI") != null) {
                fail(why + "; under CI the browser test must run");
            }
            Assumptions.abort(why + "; skipped outside CI");
        }
    }

    /** Opens {@code html} in a fresh headless browser and waits for it to load. */
    private static HeadlessChromium open(Path html) throws Exception {
        HeadlessChromium browser = HeadlessChromium.start(CHROMIUM);
        browser.send("Runtime.enable");
        browser.send("Log.enable");
        browser.send("Page.enable");
        browser.send("Page.navigate", JSON.createObjectNode().put("url", html.toUri().toString()));
        browser.awaitEvent("Page.loadEventFired");
        return browser;
    }

    /** A JavaScript expression's JSON string result, parsed. */
    private static JsonNode evaluate(HeadlessChromium browser, String expression) throws Exception {
        JsonNode value = browser.send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true)).path("result").path("value");
        return JSON.readTree(value.asText());
    }

    @Test
    void labelsOfPointsThatSitCloseCoverNothingInTheBrowser() throws Exception {
        requireChromium();
        List<Charts.Point> bySize = new ArrayList<>();
        List<Charts.Point> byLatency = new ArrayList<>();
        List<Charts.Point> stacked = new ArrayList<>();
        String[] names = {"teacher", "student", "student-int8", "student-nf4-dq", "student-q4_0"};
        double[] mb = {91.6, 10.8, 2.9, 1.6, 1.7};
        double[] ms = {5.2, 2.2, 2.5, 13.2, 2.4};
        double[] f1 = {0.924, 0.921, 0.920, 0.919, 0.919};
        for (int i = 0; i < names.length; i++) {
            bySize.add(new Charts.Point(names[i], mb[i], f1[i], Charts.PALETTE.get(i)));
            byLatency.add(new Charts.Point(names[i], ms[i], f1[i], Charts.PALETTE.get(i)));
            stacked.add(new Charts.Point(names[i], 3.0, 0.9, Charts.PALETTE.get(i)));
        }
        String page = "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>"
                + Charts.pareto("by size", "MB", "F1", bySize, true) + Charts.pareto("by latency", "ms", "F1", byLatency, true)
                + Charts.pareto("on one spot", "MB", "F1", stacked, true) + "</body></html>";
        Path html = Files.createTempFile("distillery-crowded-", ".html");
        Files.writeString(html, page);
        try (HeadlessChromium browser = open(html)) {
            assertEquals(15, evaluate(browser, "JSON.stringify(document.querySelectorAll('text.point-label').length)").asInt());
            assertEquals("[]", evaluate(browser, LABEL_PROBE).toString(), "labels that cover something");
            String png = browser.send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")).get("data").asText();
            Path shot = Path.of("target", "crowded-labels-screenshot.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, Base64.getDecoder().decode(png));
        } finally {
            Files.deleteIfExists(html);
        }
    }

    @Test
    void reportOpensWithoutErrorsAndDrawsEveryChart() throws Exception {
        requireChromium();
        Path html = TinyReport.reportDir().resolve(ReportWriter.HTML).toAbsolutePath();
        ObjectMapper json = JSON;
        try (HeadlessChromium browser = open(html)) {
            JsonNode charts = evaluate(browser, CHART_PROBE);
            // two Pareto charts, a reliability diagram and a confusion matrix for each of the two models, robustness bars
            assertEquals(7, charts.size(), "charts on the page: " + charts);
            for (JsonNode c : charts) {
                assertTrue(c.get("width").asDouble() > 0 && c.get("height").asDouble() > 0, "chart has no size: " + c);
                assertTrue(c.get("marks").asInt() > 0, "chart draws nothing: " + c);
            }
            assertEquals("[]", evaluate(browser, LABEL_PROBE).toString(), "labels that cover something in " + html);

            int height = browser.send("Runtime.evaluate", json.createObjectNode()
                    .put("expression", "document.documentElement.scrollHeight").put("returnByValue", true))
                    .path("result").path("value").asInt();
            ObjectNode metrics = json.createObjectNode().put("width", 1280).put("height", Math.max(600, height))
                    .put("deviceScaleFactor", 1).put("mobile", false);
            browser.send("Emulation.setDeviceMetricsOverride", metrics);
            String png = browser.send("Page.captureScreenshot", json.createObjectNode().put("format", "png"))
                    .get("data").asText();
            Path shot = Path.of("target", "report-screenshot.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, Base64.getDecoder().decode(png));
            assertTrue(Files.size(shot) > 1000, "screenshot " + shot + " is empty");

            List<String> errors = new ArrayList<>();
            for (JsonNode e : browser.events()) {
                String method = e.path("method").asText();
                JsonNode p = e.path("params");
                if (method.equals("Runtime.exceptionThrown")) {
                    errors.add("exception: " + p.path("exceptionDetails"));
                } else if (method.equals("Runtime.consoleAPICalled")
                        && List.of("error", "assert").contains(p.path("type").asText())) {
                    errors.add("console." + p.path("type").asText() + ": " + p.path("args"));
                } else if (method.equals("Log.entryAdded") && p.path("entry").path("level").asText().equals("error")) {
                    errors.add("log: " + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
                }
            }
            assertEquals(List.of(), errors, "browser errors while showing " + html);
        }
    }
}
