package dev.distillery.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.recipe.RecipeReader;
import dev.distillery.recipe.RecipeSchema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated parts of the documentation are what their sources print: the README's measured
 * figures (from the study pages of docs/results and their raw JSON), and docs/recipes.md's field
 * reference and demo recipe (from the recipe schema and the bundled recipe). When one differs, the
 * test fails and says how to regenerate it: {@code scripts/update-docs}, which runs this test with
 * {@value #UPDATE} set, so it rewrites the sections instead.
 */
class DocsAreCurrentTest {
    /** System property that makes this test rewrite the generated sections rather than fail. */
    static final String UPDATE = "distillery.docs.update";
    private static final String HOW = "; run scripts/update-docs to regenerate it";

    private static final Path ROOT = root();

    /** The repository root: the nearest folder up from the working directory that holds mvnw. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("README.md"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (a folder with mvnw and README.md) above "
                + Path.of("").toAbsolutePath());
    }

    private static void check(GeneratedSection section, String expected) throws IOException {
        if (Boolean.getBoolean(UPDATE)) {
            section.write(expected);
        }
        assertEquals(expected, section.read(), ROOT.relativize(section.file()) + ": the generated section '" + section.name()
                + "' differs from its source" + HOW);
    }

    @Test
    void theReadmeFiguresAreTheStudyPages() throws IOException {
        String table = MeasuredFigures.table(ROOT.resolve("docs/results"));
        assertTrue(table.lines().count() > 2, "docs/results/README.md links no study page with figures");
        check(new GeneratedSection(ROOT.resolve("README.md"), "measured figures"), table);
    }

    @Test
    void theRecipeReferenceIsTheSchema() throws IOException {
        check(new GeneratedSection(ROOT.resolve("docs/recipes.md"), "recipe fields"), RecipeSchema.markdownTable());
    }

    @Test
    void theRecipeGuideShowsTheBundledDemoRecipe() throws IOException {
        String demo = Files.readString(ROOT.resolve("distillery-cli/src/main/resources").resolve(RecipeReader.DEMO_RESOURCE),
                StandardCharsets.UTF_8);
        check(new GeneratedSection(ROOT.resolve("docs/recipes.md"), "demo recipe"), "```yaml\n" + demo + "```\n");
    }

    @Test
    void everyStudyPageIsInTheIndex() throws IOException {
        String index = Files.readString(ROOT.resolve("docs/results/README.md"), StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>();
        try (Stream<Path> s = Files.list(ROOT.resolve("docs/results"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".md") && !p.endsWith("README.md")).sorted().toList()) {
                if (!index.contains("](" + p.getFileName() + ")")) {
                    missing.add(p.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), missing, "study pages that docs/results/README.md does not link");
    }

    /** Every relative link of the README and docs/ names a file or folder of the repository. */
    @Test
    void everyRelativeLinkResolves() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = link.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.contains("://") || target.startsWith("mailto:")) {
                        continue;
                    }
                    if (!Files.exists(f.getParent().resolve(target).normalize())) {
                        broken.add(ROOT.relativize(f) + ":" + (i + 1) + ": " + target);
                    }
                }
            }
        }
        assertEquals(List.of(), broken, "links to files that do not exist");
    }

    /** The documentation speaks of the project: who worked on it and when is git's to keep. */
    @Test
    void theDocsTellNoHistory() throws IOException {
        Pattern history = Pattern.compile("\\bsessions? [0-9]|\\bhelpers?\\b|the lead\\b", Pattern.CASE_INSENSITIVE);
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = history.matcher(lines.get(i));
                if (m.find()) {
                    found.add(ROOT.relativize(f) + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        assertEquals(List.of(), found, "history narrative in the documentation");
    }
}
