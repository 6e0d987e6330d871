package dev.distillery.report;

import dev.distillery.eval.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TableTest {
    @Test
    void alignsTextLeftAndNumbersRight() {
        String s = new Table("class", "F1", "support").row("benign", 0.97123, 1200L).row("phishing", Double.NaN, 8L)
                .render();
        assertEquals("""
                class         F1  support
                --------  ------  -------
                benign    0.9712     1200
                phishing     n/a        8
                """, s);
    }

    @Test
    void aColumnMayGiveItsNumbersTheirOwnPrecision() {
        String s = new Table("model", "p50 ms", "params").format("p50 ms", "%.2f").format("params", "%,d")
                .row("teacher", 5.2029, 22713986L).row("student", Double.NaN, 2680000L).render();
        assertEquals("""
                model    p50 ms      params
                -------  ------  ----------
                teacher    5.20  22,713,986
                student     n/a   2,680,000
                """, s);
        assertThrows(IllegalArgumentException.class, () -> new Table("a").format("b", "%.1f"));
        assertThrows(IllegalStateException.class, () -> new Table("a").row(1.0).format("a", "%.1f"));
    }

    @Test
    void rowsMustFitTheColumns() {
        assertThrows(IllegalArgumentException.class, () -> new Table("a", "b").row("only one"));
    }

    @Test
    void classificationReportAndConfusionMatrix() {
        int[] actual = {0, 0, 1, 1, 1};
        int[] predicted = {0, 1, 1, 1, 0};
        var report = Metrics.classification(actual, predicted, 2);
        // class 0: P 1/2, R 1/2; class 1: P 2/3, R 2/3
        assertEquals("""
                class        precision  recall      F1  support
                -----------  ---------  ------  ------  -------
                benign          0.5000  0.5000  0.5000        2
                phishing        0.6667  0.6667  0.6667        3
                macro avg       0.5833  0.5833  0.5833        5
                weighted F1                     0.6000        5
                accuracy                        0.6000        5
                """, MetricTables.classification(report, List.of("benign", "phishing")).render());
        assertEquals("""
                actual \\ predicted  benign  phishing
                ------------------  ------  --------
                benign                   1         1
                phishing                 1         2
                """, MetricTables.confusion(report.confusion(), List.of("benign", "phishing")).render());
    }
}
