package dev.distillery.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Labelled texts held in memory, with the label map that gives each label index its name and the
 * transform already applied to the texts. Immutable.
 */
public final class Dataset {
    private final String name;
    private final List<String> texts;
    private final int[] labels; // [size], indices into labelMap
    private final LabelMap labelMap;
    private final TextTransform transform;

    /**
     * @param name      where the rows came from (file or split name), for messages and reports
     * @param texts     texts with {@code transform} already applied
     * @param labels    label index of each text, in {@code [0, labelMap.size())}
     */
    public Dataset(String name, List<String> texts, int[] labels, LabelMap labelMap, TextTransform transform) {
        if (texts.size() != labels.length) {
            throw new IllegalArgumentException(name + ": " + texts.size() + " texts but " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= labelMap.size()) {
                throw new IllegalArgumentException(name + ": label index " + labels[i] + " of row " + i
                        + " is outside the label map " + labelMap);
            }
        }
        this.name = name;
        this.texts = List.copyOf(texts);
        this.labels = labels.clone();
        this.labelMap = labelMap;
        this.transform = transform;
    }

    /**
     * Reads one labelled file in a single pass. Labels come from {@code options.labels()} when given
     * (a label outside it fails at its line), else from {@link LabelMap#infer} over the file.
     */
    public static Dataset load(Path file, ReadOptions options) {
        Partial p = Partial.read(file, options);
        LabelMap map = options.labels() != null ? options.labels() : LabelMap.infer(p.seenLabels);
        return p.toDataset(map, options.transform());
    }

    /**
     * Reads split files that must share one label map: {@code options.labels()} when given, else one
     * inferred from the labels of all files together. Validation and test may be null (then empty).
     */
    public static Splits loadSplits(Path train, Path validation, Path test, ReadOptions options) {
        Partial tr = Partial.read(train, options);
        Partial va = validation == null ? null : Partial.read(validation, options);
        Partial te = test == null ? null : Partial.read(test, options);
        LabelMap map = options.labels();
        if (map == null) {
            Set<String> all = new LinkedHashSet<>(tr.seenLabels);
            if (va != null) {
                all.addAll(va.seenLabels);
            }
            if (te != null) {
                all.addAll(te.seenLabels);
            }
            map = LabelMap.infer(all);
        }
        TextTransform t = options.transform();
        return new Splits(tr.toDataset(map, t),
                va == null ? empty("validation", map, t) : va.toDataset(map, t),
                te == null ? empty("test", map, t) : te.toDataset(map, t));
    }

    public static Splits loadSplits(SplitFiles files, ReadOptions options) {
        return loadSplits(files.train(), files.validation(), files.test(), options);
    }

    public static Dataset empty(String name, LabelMap labelMap, TextTransform transform) {
        return new Dataset(name, List.of(), new int[0], labelMap, transform);
    }

    public String name() {
        return name;
    }

    public int size() {
        return texts.size();
    }

    public String text(int row) {
        return texts.get(row);
    }

    public int label(int row) {
        return labels[row];
    }

    public List<String> texts() {
        return texts;
    }

    /** A copy of the label indices. */
    public int[] labels() {
        return labels.clone();
    }

    public LabelMap labelMap() {
        return labelMap;
    }

    public TextTransform transform() {
        return transform;
    }

    /** Rows per label index. */
    public int[] labelCounts() {
        int[] counts = new int[labelMap.size()];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    /** The rows at {@code rows}, in that order, under a new name. */
    public Dataset subset(String subsetName, int[] rows) {
        List<String> t = new ArrayList<>(rows.length);
        int[] l = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            t.add(texts.get(rows[i]));
            l[i] = labels[rows[i]];
        }
        return new Dataset(subsetName, t, l, labelMap, transform);
    }

    @Override
    public String toString() {
        return name + " (" + size() + " rows, labels " + labelMap + " " + Arrays.toString(labelCounts()) + ")";
    }

    /** One file read once: texts, and labels as indices into the names in first-seen order. */
    private static final class Partial {
        final Path file;
        final List<String> texts = new ArrayList<>();
        final List<String> seenLabels = new ArrayList<>();
        final Map<String, Integer> seenIndex = new HashMap<>();
        int[] firstSeen = new int[1024];

        private Partial(Path file) {
            this.file = file;
        }

        static Partial read(Path file, ReadOptions options) {
            if (options.labelColumn() == null) {
                throw new DatasetException(file, 0, "a dataset needs a label column; read unlabelled rows with DatasetReader");
            }
            Partial p = new Partial(file);
            try (DatasetReader reader = DatasetReader.open(file, options)) {
                for (Row row : reader) {
                    int n = p.texts.size();
                    if (n == p.firstSeen.length) {
                        p.firstSeen = Arrays.copyOf(p.firstSeen, n * 2);
                    }
                    p.firstSeen[n] = p.seenIndex.computeIfAbsent(row.label(), k -> {
                        p.seenLabels.add(k);
                        return p.seenLabels.size() - 1;
                    });
                    p.texts.add(row.text());
                }
            }
            return p;
        }

        Dataset toDataset(LabelMap map, TextTransform transform) {
            int[] remap = new int[seenLabels.size()];
            for (int i = 0; i < remap.length; i++) {
                remap[i] = map.indexOf(seenLabels.get(i));
                if (remap[i] < 0) {
                    // only reachable for a map inferred from other files; the reader checks a given map per line
                    throw new DatasetException(file, 0, "label '" + seenLabels.get(i) + "' is not in the label map " + map);
                }
            }
            int[] labels = new int[texts.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = remap[firstSeen[i]];
            }
            return new Dataset(file.toString(), texts, labels, map, transform);
        }
    }
}
