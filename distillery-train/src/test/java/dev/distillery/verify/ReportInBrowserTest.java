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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Opens the tiny report in headless Chromium: no console errors or exceptions, every chart drawn with
 * visible marks, and a full-page screenshot in {@code target/report-screenshot.png}. Without Chromium the
 * test is skipped, except under CI (the environment variable {@code CI} set), where it fails: .ci/run
 * installs Chromium, so a missing browser there is a broken set-up rather than a choice.
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

    @Test
    void reportOpensWithoutErrorsAndDrawsEveryChart() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            String why = "no Chromium at " + CHROMIUM + " (apt-get install chromium)";
            if (System.getenv("CI") != null) {
                fail(why + "; under CI the browser test must run");
            }
            Assumptions.abort(why + "; skipped outside CI");
        }
        Path html = TinyReport.reportDir().resolve(ReportWriter.HTML).toAbsolutePath();
        ObjectMapper json = new ObjectMapper();
        try (HeadlessChromium browser = HeadlessChromium.start(CHROMIUM)) {
            browser.send("Runtime.enable");
            browser.send("Log.enable");
            browser.send("Page.enable");
            browser.send("Page.navigate", json.createObjectNode().put("url", html.toUri().toString()));
            browser.awaitEvent("Page.loadEventFired");

            JsonNode value = browser.send("Runtime.evaluate", json.createObjectNode().put("expression", CHART_PROBE)
                    .put("returnByValue", true)).path("result").path("value");
            JsonNode charts = json.readTree(value.asText());
            // two Pareto charts, a reliability diagram and a confusion matrix for each of the two models, robustness bars
            assertEquals(7, charts.size(), "charts on the page: " + charts);
            for (JsonNode c : charts) {
                assertTrue(c.get("width").asDouble() > 0 && c.get("height").asDouble() > 0, "chart has no size: " + c);
                assertTrue(c.get("marks").asInt() > 0, "chart draws nothing: " + c);
            }

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
