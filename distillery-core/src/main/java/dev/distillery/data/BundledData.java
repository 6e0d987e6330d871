package dev.distillery.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Datasets shipped in the repository's {@code datasets/} folder (not on the classpath, so they stay
 * plain files a user can inspect). The repository root is the system property {@code distillery.home}
 * when set, else the first of the working directory and its parents that holds the dataset folder.
 */
public final class BundledData {
    /** System property naming the repository root. */
    public static final String HOME_PROPERTY = "distillery.home";
    /** Folder of the bundled phishing URL splits, relative to the repository root. */
    public static final String PHISHING_URLS_DIR = "datasets/phishing-urls";
    /**
     * The bundled files are already URL-normalised; a model trained on them must record this transform
     * and apply it to every URL it classifies.
     */
    public static final TextTransform PHISHING_URLS_TRANSFORM = TextTransform.URL_NORMALIZE;

    private BundledData() {
    }

    /** Normalised Hannousse &amp; Yahiouche phishing URL splits ({@code url,label}, labels legitimate and phishing). */
    public static SplitFiles phishingUrls() {
        return SplitFiles.in(folder(PHISHING_URLS_DIR));
    }

    /** Absolute path of {@code relative} under the repository root (see class comment). */
    public static Path folder(String relative) {
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            Path dir = Path.of(home).resolve(relative).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new DatasetException(dir, 0, "bundled dataset folder not found under -D" + HOME_PROPERTY + "=" + home);
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path dir = p.resolve(relative);
            if (Files.isDirectory(dir)) {
                return dir.normalize();
            }
        }
        throw new DatasetException("bundled dataset folder " + relative + " not found in " + start
                + " or its parents; run from the Distillery folder or set -D" + HOME_PROPERTY + "=<repository root>");
    }
}
