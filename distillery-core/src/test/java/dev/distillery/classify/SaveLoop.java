package dev.distillery.classify;

import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The child process of the save crash test: saves two different classifiers into one folder in turn, forever,
 * printing {@code saved N} after each save, until it is killed.
 * <pre>{@code java ... dev.distillery.classify.SaveLoop BASE_MODEL_DIR TARGET_DIR}</pre>
 */
public final class SaveLoop {
    private SaveLoop() {
    }

    public static void main(String[] args) throws IOException {
        Path base = Path.of(args[0]);
        Path target = Path.of(args[1]);
        Classifier[] models = {of(base, 1), of(base, 2)};
        for (long n = 0; ; n++) {
            Classifier c = models[(int) (n % 2)];
            c.save(target, c.manifest());
            System.out.println("saved " + n);
            System.out.flush();
        }
    }

    /** The classifier of {@code seed} on the tiny base model; the loop saves seeds 1 and 2. */
    public static Classifier of(Path base, long seed) throws IOException {
        return Classifier.forFineTuning(base.toString(), LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 20,
                seed);
    }
}
