package dev.distillery.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository checkout (README.md, examples/) for tests that check documentation against code.
 * Maven runs each module's tests in that module's folder, so the root is found by walking up to {@code mvnw}.
 */
public final class RepositoryFiles {
    private RepositoryFiles() {
    }

    /** {@code relative} under the repository root, e.g. {@code "README.md"}. */
    public static Path file(String relative) {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw"))) {
                return p.resolve(relative);
            }
        }
        throw new IllegalStateException("no repository root (a folder with mvnw) at or above " + start);
    }
}
