package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.DatasetException;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.TextTransform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a labelled file for a saved classifier: its labels (an unknown label fails at its line) and its
 * text transform. A file of the bundled phishing-urls folder is read as it is, since it was written
 * already normalised, as train-teacher and distill read it; any other file is transformed while read.
 */
public final class LabelledFile {
    private LabelledFile() {
    }

    /**
     * @param textColumn  text column, or null for {@code url}, else {@code text}
     * @param labelColumn label column, e.g. {@link ReadOptions#DEFAULT_LABEL_COLUMN}
     */
    public static Dataset read(Path file, Classifier classifier, String textColumn, String labelColumn) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, 0, "no such data file");
        }
        TextTransform recorded = classifier.transform();
        TextTransform whileReading = recorded == BundledData.PHISHING_URLS_TRANSFORM && isBundled(file) ? TextTransform.NONE
                : recorded;
        ReadOptions read = ReadOptions.defaults().withTextColumn(textColumn).withLabelColumn(labelColumn)
                .withLabels(classifier.labels()).withTransform(whileReading);
        return TeacherTraining.as(Dataset.load(file, read), recorded);
    }

    private static boolean isBundled(Path file) throws IOException {
        Path bundled;
        try {
            bundled = BundledData.folder(BundledData.PHISHING_URLS_DIR).toRealPath();
        } catch (DatasetException e) {
            return false; // run outside the repository: no bundled folder, so nothing is pre-normalised
        }
        Path parent = file.toRealPath().getParent();
        return bundled.equals(parent);
    }
}
