package dev.distillery.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.TinyTeacher;
import dev.distillery.eval.ConfusionMatrix;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three classes, one of them rare, as malicious-urls' malware is: flagged, and counted as a threat. */
class RareClassTest {
    @TempDir
    Path dir;

    /** benign, phishing (a signal word) and, every {@code malwareEvery}-th row, malware (an .exe path). */
    private static Path urls(Path file, int rows, int malwareEvery, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> words = List.of("bank", "mail", "news", "shop", "wiki", "docs");
        List<String> lines = new ArrayList<>(List.of("url,label"));
        for (int i = 0; i < rows; i++) {
            String host = words.get(rng.nextInt(words.size())) + "." + words.get(rng.nextInt(words.size())) + ".com";
            if (i % malwareEvery == malwareEvery - 1) {
                lines.add(host + "/" + words.get(rng.nextInt(words.size())) + ".exe,malware");
            } else if (i % 2 == 0) {
                lines.add("login-" + host + ",phishing");
            } else {
                lines.add(host + ",benign");
            }
        }
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    private Path train(Path base, Path train, Path validation, String name, int epochs) throws Exception {
        TrainOptions t = TrainOptions.defaults().withEpochs(epochs).withBatchSize(8).withLearningRate(2e-3).withSeed(5)
                .withPatience(0);
        Path out = dir.resolve(name);
        TeacherTraining.run(new TeacherOptions(base.toString(), null, train, validation, null, null, "label", false, 24, 0,
                false, t, out, false, "test"), new TrainingListener() { }, new PrintStream(OutputStream.nullOutputStream()));
        return out;
    }

    @Test
    void rareThreatClassIsFlaggedAndItsMissesCount() throws Exception {
        Path base = TinyTeacher.baseModel(dir.resolve("base"));
        Path train = urls(dir.resolve("data/train.csv"), 120, 6, 1);
        Path validation = urls(dir.resolve("data/validation.csv"), 30, 6, 2);
        // 3 malware rows of 80: under the 5 % line
        Path test = urls(dir.resolve("data/test.csv"), 80, 25, 3);
        Path teacher = train(base, train, validation, "teacher", 6);
        Path student = train(base, train, validation, "student", 1);

        VerificationResult r = Verification.run(VerificationOptions.of(List.of(student), test).withTeacher(teacher)
                .withEfficiency(EfficiencyOptions.sizeOnly()));

        int malware = r.labels().indexOf("malware");
        int benign = r.labels().indexOf("benign");
        assertEquals(benign, r.benignClass());
        assertEquals(3, r.classCounts()[malware]);
        assertTrue(r.rare(malware));
        assertFalse(r.rare(r.labels().indexOf("phishing")));
        Comparison c = r.comparisons().getFirst();
        assertTrue(c.perClass().get(malware).rare());
        // with three classes a false positive is any threat class on a benign row, a false negative benign on a threat row
        for (int m = 0; m < 2; m++) {
            ConfusionMatrix cm = r.models().get(m).test().report().confusion();
            long fp = 0;
            long fn = 0;
            for (int k = 0; k < 3; k++) {
                if (k != benign) {
                    fp += cm.count(benign, k);
                    fn += cm.count(k, benign);
                }
            }
            assertEquals(fp, m == 0 ? c.referenceFalsePositives() : c.modelFalsePositives());
            assertEquals(fn, m == 0 ? c.referenceFalseNegatives() : c.modelFalseNegatives());
        }
        String md = ReportWriter.markdown(r);
        assertTrue(md.contains("rare class `malware` (3 rows)"), md);
    }
}
