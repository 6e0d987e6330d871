package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SplitterTest {
    /** 3000 URLs over 900 hosts with 1–6 rows each, three labels at roughly 60/30/10 with some mixed hosts. */
    private static Dataset syntheticUrls() {
        Random r = new Random(7);
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int host = 0;
        while (texts.size() < 3000) {
            int rows = 1 + r.nextInt(6);
            int label = r.nextDouble() < 0.6 ? 0 : r.nextDouble() < 0.75 ? 1 : 2;
            for (int k = 0; k < rows && texts.size() < 3000; k++) {
                String scheme = k % 2 == 0 ? "http://" : "";
                String www = k % 3 == 0 ? "www." : "";
                texts.add(scheme + www + "host" + host + ".example/p" + k);
                labels.add(r.nextDouble() < 0.9 ? label : r.nextInt(3));
            }
            host++;
        }
        return new Dataset("synthetic", texts, labels.stream().mapToInt(Integer::intValue).toArray(),
                LabelMap.of("a", "b", "c"), TextTransform.NONE);
    }

    @Test
    void hostGroupedSplitIsHostDisjointStratifiedAndDeterministic() {
        Dataset d = syntheticUrls();
        SplitSpec spec = SplitSpec.urls(42);
        int[] a = Splitter.assign(d, spec);
        assertArrayEquals(a, Splitter.assign(d, spec));
        assertFalse(java.util.Arrays.equals(a, Splitter.assign(d, SplitSpec.urls(43))), "another seed, another split");

        Map<String, Integer> splitOfHost = new HashMap<>();
        for (int i = 0; i < d.size(); i++) {
            Integer prev = splitOfHost.putIfAbsent(Hosts.hostOf(d.text(i)), a[i]);
            assertTrue(prev == null || prev == a[i], "host of row " + i + " is in two splits");
        }
        Splits s = Splitter.split(d, spec);
        int[] total = d.labelCounts();
        double[] ratios = {0.8, 0.1, 0.1};
        Dataset[] parts = {s.train(), s.validation(), s.test()};
        for (int p = 0; p < 3; p++) {
            int[] counts = parts[p].labelCounts();
            for (int c = 0; c < 3; c++) {
                // hosts hold up to 6 rows, so a split can miss its per-label target by about one host
                assertEquals(ratios[p] * total[c], counts[c], 6.0, "split " + p + " label " + c);
            }
        }
        assertEquals(d.size(), s.train().size() + s.validation().size() + s.test().size());
    }

    @Test
    void rowSplitIsExactlyStratified() {
        Dataset d = syntheticUrls();
        Splits s = Splitter.split(d, SplitSpec.rows(1).withRatios(0.7, 0.3, 0));
        assertEquals(0, s.test().size());
        int[] total = d.labelCounts();
        int[] val = s.validation().labelCounts();
        for (int c = 0; c < 3; c++) {
            assertEquals(0.3 * total[c], val[c], 1.0, "label " + c); // singletons: off by rounding only
        }
        // relative order kept: subset rows are increasing source indices, checked through the texts
        List<String> texts = s.train().texts();
        int last = -1;
        for (String t : texts) {
            int idx = d.texts().indexOf(t);
            assertTrue(idx > last);
            last = idx;
        }
    }

    @Test
    void carveValidationKeepsTest() {
        Dataset d = syntheticUrls();
        Dataset test = d.subset("test", new int[] {0, 1, 2});
        Splits given = new Splits(d, Dataset.empty("validation", d.labelMap(), TextTransform.NONE), test);
        Splits carved = Splitter.carveValidation(given, 0.1, 5, SplitSpec.Grouping.NONE);
        assertEquals(test, carved.test());
        assertEquals(d.size(), carved.train().size() + carved.validation().size());
        int[] total = d.labelCounts();
        int[] val = carved.validation().labelCounts();
        for (int c = 0; c < 3; c++) {
            assertEquals(0.1 * total[c], val[c], 1.0, "label " + c);
        }
    }

    @Test
    void badRatiosAreRejected() {
        assertThrows(DatasetException.class, () -> SplitSpec.rows(1).withRatios(0.8, 0.1, 0.2));
        assertThrows(DatasetException.class, () -> SplitSpec.rows(1).withRatios(0, 0.5, 0.5));
        assertThrows(DatasetException.class, () -> SplitSpec.rows(1).withRatios(1.1, -0.1, 0));
    }
}
