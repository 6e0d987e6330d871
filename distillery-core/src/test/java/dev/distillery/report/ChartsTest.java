package dev.distillery.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChartsTest {
    private static int count(String s, String what) {
        return s.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    @Test
    void paretoFrontKeepsPointsNoOtherBeatsOnBothAxes() {
        Charts.Point big = new Charts.Point("teacher", 90, 0.92, "#000");
        Charts.Point small = new Charts.Point("student", 27, 0.85, "#000");
        Charts.Point dominated = new Charts.Point("bad", 40, 0.80, "#000");
        Charts.Point tiny = new Charts.Point("int8", 7, 0.85, "#000");
        // int8 is as good as the student and smaller, so the student drops off the front
        assertEquals(List.of(tiny, big), Charts.paretoFront(List.of(big, small, dominated, tiny)));
    }

    @Test
    void unmeasuredPointsAreLeftOutAndAnEmptyChartSaysSo() {
        String svg = Charts.pareto("F1 against latency", "ms", "F1", List.of(new Charts.Point("a", Double.NaN, 0.9, "#000"),
                new Charts.Point("b", 12, 0.8, "#000")), true);
        assertEquals(1, count(svg, "<circle"), svg);
        String empty = Charts.pareto("F1 against latency", "ms", "F1", List.of(new Charts.Point("a", Double.NaN, 0.9, "#000")), true);
        assertTrue(empty.contains("not measured"), empty);
        assertFalse(empty.contains("<circle"), empty);
    }

    @Test
    void reliabilityDrawsOneBarPerNonEmptyBin() {
        List<Charts.Bin> bins = List.of(new Charts.Bin(0, 0.5, 0, 0, 0), new Charts.Bin(0.5, 0.75, 10, 0.6, 0.62),
                new Charts.Bin(0.75, 1, 30, 0.9, 0.93));
        String svg = Charts.reliability("r", bins, null, "#08c");
        // two bars and the legend swatch
        assertEquals(3, count(svg, "<rect"), svg);
    }

    @Test
    void confusionWritesEveryCountAndEscapesLabels() {
        String svg = Charts.confusion("c", List.of("benign", "<phish>"), new long[][] {{5, 1}, {2, 7}});
        for (String n : List.of(">5<", ">1<", ">2<", ">7<")) {
            assertTrue(svg.contains(n), n);
        }
        assertTrue(svg.contains("&lt;phish&gt;") && !svg.contains("<phish>"), svg);
    }

    @Test
    void groupedBarsSkipUnmeasuredValues() {
        String svg = Charts.groupedBars("g", "share", List.of("teacher", "student"), List.of(
                new Charts.Series("clean", "#000", new double[] {0.9, 0.8}),
                new Charts.Series("robust", "#111", new double[] {0.5, Double.NaN})));
        // three bars plus two legend swatches; the NaN bar is left out rather than drawn at zero
        assertEquals(5, count(svg, "<rect"), svg);
        assertTrue(svg.contains(">0.50<") && !svg.contains("NaN"), svg);
    }

    @Test
    void logAxisTicksAreDecadeMultiples() {
        Charts.Axis a = Charts.Axis.log(7, 90, 0, 100);
        assertEquals(List.of(5.0, 10.0, 20.0, 50.0, 100.0), a.ticks());
        assertEquals("0.02", Charts.Axis.format(0.02));
        assertEquals("22.71M", Charts.Axis.format(22_713_986));
    }
}
