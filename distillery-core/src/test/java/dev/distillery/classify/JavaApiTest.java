package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.testing.RepositoryFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java API snippet is the code of examples/ClassifyUrls.java, and that example works. */
class JavaApiTest {
    private static final Path EXAMPLE = RepositoryFiles.file("examples/ClassifyUrls.java");
    private static final List<String> URLS = List.of("http://paypal.com.account-verify.example/login", "https://github.com/",
            "wiki.org/docs", "secure-bank.photo.org/login", "news.com/", "http://www.shop-verify.mail.net/");

    @TempDir
    Path dir;

    private Classifier savedClassifier(Path folder) throws Exception {
        Classifier c = Classifier.forFineTuning(TinyTeacher.baseModel(dir.resolve("base")).toString(),
                LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 24, 7);
        c.save(folder, c.manifest());
        return Classifier.load(folder);
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void theReadmeSnippetIsTheExamplesCode() throws Exception {
        String readme = Files.readString(RepositoryFiles.file("README.md"));
        int section = readme.indexOf("\n## Java API");
        assertTrue(section >= 0, "README.md has no '## Java API' section");
        int open = readme.indexOf("```java\n", section);
        int close = readme.indexOf("```", open + 8);
        List<String> snippet = lines(readme.substring(open + 8, close)).stream()
                .filter(l -> !l.startsWith("import ")).toList();
        String example = Files.readString(EXAMPLE);
        String between = example.substring(example.indexOf("// README snippet begins") + "// README snippet begins".length(),
                example.indexOf("// README snippet ends"));
        assertEquals(lines(between), snippet, "the README's snippet and " + EXAMPLE + " have drifted apart");
        for (String line : lines(readme.substring(open + 8, close))) {
            if (line.startsWith("import ")) {
                assertTrue(example.contains(line), "the example lacks the README's " + line);
            }
        }
    }

    @Test
    void theExampleClassifiesAsTheClassifierDoes() throws Exception {
        Path model = dir.resolve("model");
        Classifier classifier = savedClassifier(model);

        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean compiled = javac.getTask(diagnostics, null, null,
                List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")), null,
                javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8).getJavaFileObjects(EXAMPLE)).call();
        assertTrue(compiled, diagnostics.toString());

        List<String> args = new ArrayList<>(List.of(model.toString()));
        args.addAll(URLS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("ClassifyUrls").getMethod("main", String[].class).invoke(null, (Object) args.toArray(String[]::new));
        } finally {
            System.setOut(saved);
        }

        List<String> expected = new ArrayList<>();
        Prediction first = classifier.predict(URLS.getFirst());
        expected.add(String.format("%s %.4f", first.label(), first.probability(first.label())));
        for (Prediction p : classifier.predictBatch(URLS)) {
            expected.add(String.format("%s\t%.4f\t%s", p.label(), p.probability(p.label()), URLS.get(expected.size() - 1)));
        }
        assertEquals(expected, out.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void concurrentPredictionsEqualSequentialOnes() throws Exception {
        Classifier classifier = savedClassifier(dir.resolve("model"));
        List<Prediction> sequential = URLS.stream().map(classifier::predict).toList();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Prediction>> futures = new ArrayList<>();
            for (int round = 0; round < 8; round++) {
                for (String url : URLS) {
                    futures.add(pool.submit(() -> classifier.predict(url)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                Prediction expected = sequential.get(i % URLS.size());
                Prediction got = futures.get(i).get();
                // the same text alone in its batch runs the same kernels: any difference would be a shared-state race
                assertArrayEquals(expected.probabilities(), got.probabilities(), URLS.get(i % URLS.size()));
                assertEquals(expected.label(), got.label());
            }
        } finally {
            pool.shutdown();
        }
    }
}
