package dev.distillery.data;

/**
 * How to read a dataset file.
 *
 * @param format      file layout, or null to take it from the file name
 * @param textColumn  column (CSV/TSV header name or JSON member) holding the text, or null for
 *                    {@code url} if present, else {@code text}
 * @param labelColumn column holding the label, or null to read unlabelled rows (prediction input)
 * @param labels      the labels a model knows, or null to accept any; a label outside it is an error
 * @param transform   rewrite applied to each text before the empty-text check
 */
public record ReadOptions(DatasetFormat format, String textColumn, String labelColumn, LabelMap labels,
                          TextTransform transform) {

    public static final String DEFAULT_LABEL_COLUMN = "label";

    public ReadOptions {
        if (transform == null) {
            transform = TextTransform.NONE;
        }
    }

    /** Format from the file name, text from {@code url} or {@code text}, label from {@code label}, any labels, no transform. */
    public static ReadOptions defaults() {
        return new ReadOptions(null, null, DEFAULT_LABEL_COLUMN, null, TextTransform.NONE);
    }

    public ReadOptions withFormat(DatasetFormat f) {
        return new ReadOptions(f, textColumn, labelColumn, labels, transform);
    }

    public ReadOptions withTextColumn(String column) {
        return new ReadOptions(format, column, labelColumn, labels, transform);
    }

    public ReadOptions withLabelColumn(String column) {
        return new ReadOptions(format, textColumn, column, labels, transform);
    }

    public ReadOptions unlabeled() {
        return new ReadOptions(format, textColumn, null, null, transform);
    }

    public ReadOptions withLabels(LabelMap map) {
        return new ReadOptions(format, textColumn, labelColumn, map, transform);
    }

    public ReadOptions withTransform(TextTransform t) {
        return new ReadOptions(format, textColumn, labelColumn, labels, t);
    }
}
