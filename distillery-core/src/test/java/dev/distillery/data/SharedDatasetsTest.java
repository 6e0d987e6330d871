package dev.distillery.data;

import dev.distillery.testing.SharedDatasets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the team's shared datasets end to end. Expected counts are the tables of each dataset's
 * README; {@link SharedDatasets} finds the folder.
 */
class SharedDatasetsTest {
    private static Path shared;

    @BeforeAll
    static void locate() {
        shared = SharedDatasets.root();
    }

    private static void assertSplit(Dataset d, int rows, List<String> names, int... perLabel) {
        assertEquals(rows, d.size(), d.name());
        assertEquals(names, d.labelMap().names(), d.name());
        assertArrayEquals(perLabel, d.labelCounts(), d.name());
    }

    @Test
    void phishingUrls() {
        Splits s = Dataset.loadSplits(SplitFiles.in(shared.resolve("phishing-urls")), ReadOptions.defaults());
        List<String> names = List.of("0", "1");
        assertSplit(s.train(), 8031, names, 4086, 3945);
        assertSplit(s.validation(), 1004, names, 511, 493);
        assertSplit(s.test(), 1005, names, 510, 495);
        Splits n = Dataset.loadSplits(SplitFiles.in(shared.resolve("phishing-urls/normalized")), ReadOptions.defaults());
        assertSplit(n.train(), 7798, names, 4085, 3713);
        assertSplit(n.validation(), 974, names, 511, 463);
        assertSplit(n.test(), 988, names, 510, 478);
    }

    @Test
    void maliciousUrls() {
        Splits s = Dataset.loadSplits(SplitFiles.in(shared.resolve("malicious-urls")), ReadOptions.defaults());
        List<String> names = List.of("benign", "defacement", "malware", "phishing");
        assertSplit(s.train(), 27415, names, 18900, 6143, 418, 1954);
        assertSplit(s.validation(), 3431, names, 2365, 770, 52, 244);
        assertSplit(s.test(), 3435, names, 2362, 776, 52, 245);
    }

    @Test
    void networkIntrusionTextColumn() {
        SplitFiles files = SplitFiles.in(shared.resolve("network-intrusion"));
        assertEquals(null, files.validation());
        Splits s = Dataset.loadSplits(files, ReadOptions.defaults());
        List<String> names = List.of("dos", "normal", "probe", "r2l", "u2r");
        assertSplit(s.train(), 125973, names, 45927, 67343, 11656, 995, 52);
        assertSplit(s.test(), 22544, names, 7460, 9711, 2421, 2885, 67);
        assertEquals(0, s.validation().size());
        // the README's rendering of the first train row
        assertEquals("tcp ftp_data SF src_bytes=491 count=2 srv_count=2 same_srv_rate=1 dst_host_count=150 "
                + "dst_host_srv_count=25 dst_host_same_srv_rate=0.17 dst_host_diff_srv_rate=0.03 "
                + "dst_host_same_src_port_rate=0.17 dst_host_rerror_rate=0.05", s.train().text(0));
    }

    /**
     * normalized/ is url-normalize applied row by row to the raw split, keeping the first of rows whose
     * normalised URL repeats; checked row by row, texts and labels, for both URL datasets.
     */
    @Test
    void normalizedFilesAreTheDeduplicatedNormalisationOfRawFiles() {
        ReadOptions normalise = ReadOptions.defaults().withTransform(TextTransform.URL_NORMALIZE);
        for (String ds : List.of("phishing-urls", "malicious-urls")) {
            for (String split : List.of("train", "validation", "test")) {
                Path raw = shared.resolve(ds).resolve(split + ".csv.gz");
                Map<String, String> firstLabel = new LinkedHashMap<>();
                int duplicates = 0;
                try (DatasetReader rows = DatasetReader.open(raw, normalise)) {
                    for (Row r : rows) {
                        if (firstLabel.putIfAbsent(r.text(), r.label()) != null) {
                            duplicates++;
                        }
                    }
                }
                List<Row> shipped = new ArrayList<>();
                try (DatasetReader rows = DatasetReader.open(shared.resolve(ds).resolve("normalized/" + split + ".csv.gz"),
                        ReadOptions.defaults())) {
                    rows.forEach(shipped::add);
                }
                List<Map.Entry<String, String>> expected = new ArrayList<>(firstLabel.entrySet());
                assertEquals(expected.size(), shipped.size(), ds + "/" + split + " rows (" + duplicates + " duplicates dropped)");
                for (int i = 0; i < shipped.size(); i++) {
                    assertEquals(expected.get(i).getKey(), shipped.get(i).text(), ds + "/" + split + " row " + i);
                    assertEquals(expected.get(i).getValue(), shipped.get(i).label(), ds + "/" + split + " row " + i);
                }
            }
        }
    }

    /** The shipped splits were made host-disjoint; {@link Hosts#hostOf} must agree with the host key used. */
    @Test
    void shippedUrlSplitsAreHostDisjointUnderHostOf() {
        for (String ds : List.of("phishing-urls", "malicious-urls")) {
            Splits s = Dataset.loadSplits(SplitFiles.in(shared.resolve(ds)), ReadOptions.defaults());
            Map<String, String> splitOfHost = new HashMap<>();
            for (Dataset d : List.of(s.train(), s.validation(), s.test())) {
                for (String url : d.texts()) {
                    String prev = splitOfHost.putIfAbsent(Hosts.hostOf(url), d.name());
                    assertTrue(prev == null || prev.equals(d.name()),
                            ds + ": host of " + url + " is in " + prev + " and " + d.name());
                }
            }
        }
    }

    /** The bundled splits are the shared normalised ones, row for row, with labels 0 and 1 written as names. */
    @Test
    void bundledCopyIsTheSharedNormalizedSplitWithNamedLabels() {
        SplitFiles bundled = BundledData.phishingUrls();
        SplitFiles normalized = SplitFiles.in(shared.resolve("phishing-urls/normalized"));
        Map<String, String> names = Map.of("0", "legitimate", "1", "phishing");
        for (Path[] pair : List.of(new Path[] {bundled.train(), normalized.train()},
                new Path[] {bundled.validation(), normalized.validation()}, new Path[] {bundled.test(), normalized.test()})) {
            List<Row> ours = rows(pair[0]);
            List<Row> theirs = rows(pair[1]);
            assertEquals(theirs.size(), ours.size(), pair[0].toString());
            for (int i = 0; i < ours.size(); i++) {
                assertEquals(theirs.get(i).text(), ours.get(i).text(), pair[0] + " row " + i);
                assertEquals(names.get(theirs.get(i).label()), ours.get(i).label(), pair[0] + " row " + i);
            }
        }
        assertEquals(List.of("legitimate", "phishing"),
                Dataset.load(bundled.test(), ReadOptions.defaults()).labelMap().names());
    }

    private static List<Row> rows(Path file) {
        List<Row> out = new ArrayList<>();
        try (DatasetReader rows = DatasetReader.open(file, ReadOptions.defaults())) {
            rows.forEach(out::add);
        }
        return out;
    }
}
