package dev.distillery.verify;

import dev.distillery.classify.TinyTeacher;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.robust.AttackOptions;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Two tiny classifiers trained on {@link TinyTeacher}'s synthetic URLs (a "teacher" trained longer and a
 * weaker "student" trained one epoch), verified on a test file and written as a report once per JVM, for
 * the tests that read the result and the browser test that opens the page. Both are attacked with a small
 * budget so the robustness section is filled.
 */
final class TinyReport {
    /** A small attack: the tiny models answer fast, but the test budget is seconds. */
    static final AttackOptions ATTACK = AttackOptions.defaults().withQueryBudget(24).withCandidatesPerStep(8).withMaxEdits(4);
    static final int ATTACK_ROWS = 12;
    private static Path root;
    private static VerificationResult result;
    private static Path report;

    private TinyReport() {
    }

    /** The verification result; trains and verifies on first use (a few seconds). */
    static synchronized VerificationResult result() throws IOException {
        if (result == null) {
            build();
        }
        return result;
    }

    /** The folder holding report.html, summary.md and summary.json. */
    static synchronized Path reportDir() throws IOException {
        result();
        return report;
    }

    static synchronized Path root() throws IOException {
        result();
        return root;
    }

    private static void build() throws IOException {
        root = Files.createTempDirectory("distillery-tiny-report-");
        root.toFile().deleteOnExit();
        Path base = TinyTeacher.baseModel(root.resolve("base"));
        Path train = TinyTeacher.urls(root.resolve("data/train.csv"), 128, 1);
        Path validation = TinyTeacher.urls(root.resolve("data/validation.csv"), 48, 2);
        Path test = TinyTeacher.urls(root.resolve("data/test.csv"), 64, 3);
        Path teacher = train(base, train, validation, test, root.resolve("teacher"), 8);
        Path student = train(base, train, validation, test, root.resolve("student"), 1);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        result = Verification.run(VerificationOptions.of(List.of(student), test).withTeacher(teacher)
                .withEfficiency(EfficiencyOptions.sizeOnly()).withProbe(new UrlAttack(ATTACK, ATTACK_ROWS)), quiet);
        report = root.resolve("report");
        ReportWriter.write(result, report);
    }

    private static Path train(Path base, Path train, Path validation, Path test, Path out, int epochs) throws IOException {
        TrainOptions t = TrainOptions.defaults().withEpochs(epochs).withBatchSize(8).withLearningRate(2e-3).withSeed(11)
                .withPatience(0);
        TeacherOptions o = new TeacherOptions(base.toString(), null, train, validation, test, null, "label", true, 24, 0, false, t,
                out, false, "distillery train-teacher (TinyReport)");
        TeacherTraining.run(o, new TrainingListener() { }, new PrintStream(OutputStream.nullOutputStream()));
        return out;
    }
}
