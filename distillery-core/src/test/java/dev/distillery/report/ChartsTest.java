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

    /** Crowded points, as a student and its quantized copies sit: every label clear of every other label and point. */
    @Test
    void labelsOfPointsThatSitCloseCoverNothing() {
        LabelPlacer.Box plot = new LabelPlacer.Box(58, 24, 438, 252);
        List<String> names = List.of("teacher", "student", "student-int8", "student-nf4-dq", "student-pruned");
        double[][] layouts = {
                {400, 60, 150, 70, 152, 72, 149, 75, 151, 69},        // four students within a few pixels
                {200, 100, 200, 100, 200, 100, 200, 100, 200, 100},   // all five on one spot
                {420, 40, 430, 42, 425, 250, 60, 250, 62, 30},        // at the corners of the plot
        };
        for (double[] xy : layouts) {
            List<LabelPlacer.Placed> placed = LabelPlacer.place(xy, names, 6, 11, plot);
            for (int i = 0; i < placed.size(); i++) {
                LabelPlacer.Box a = placed.get(i).box();
                assertTrue(a.inside(plot), names.get(i) + " outside the plot: " + a);
                for (int j = 0; j < placed.size(); j++) {
                    LabelPlacer.Box point = new LabelPlacer.Box(xy[2 * j] - 6, xy[2 * j + 1] - 6, xy[2 * j] + 6, xy[2 * j + 1] + 6);
                    assertFalse(a.overlaps(point, 0), names.get(i) + " covers the point of " + names.get(j));
                    if (j != i) {
                        assertFalse(a.overlaps(placed.get(j).box(), 0), names.get(i) + " covers " + names.get(j));
                    }
                }
            }
        }
    }

    @Test
    void aLabelBesideItsPointNeedsNoLeaderLine() {
        List<LabelPlacer.Placed> placed = LabelPlacer.place(new double[] {100, 100, 300, 200}, List.of("teacher", "student"),
                6, 11, new LabelPlacer.Box(58, 24, 438, 252));
        assertFalse(placed.get(0).leader() || placed.get(1).leader(), placed.toString());
        String svg = Charts.pareto("F1 against size", "MB", "F1", List.of(new Charts.Point("teacher", 91.6, 0.924, "#000"),
                new Charts.Point("student", 10.8, 0.921, "#111"), new Charts.Point("student-int8", 2.9, 0.920, "#222")), true);
        assertEquals(3, count(svg, "class=\"" + Charts.POINT_LABEL + "\""), svg);
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
