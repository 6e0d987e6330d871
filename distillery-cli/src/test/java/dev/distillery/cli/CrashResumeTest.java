package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.FileDigest;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.ModelFolder;
import dev.distillery.classify.SaveLoop;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.Checkpoint;
import dev.distillery.train.Trainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real crashes: each command runs in a child JVM, is killed with SIGKILL in the middle of its second epoch (after
 * at least one checkpoint of that epoch), then runs again with {@code --resume}; the weights it saves must be bit
 * for bit those of the same command run uninterrupted in another child JVM. The kill lands wherever the child
 * happens to be, possibly inside a checkpoint write, so this also proves those writes atomic. A second test kills a
 * process that keeps saving model folders and finds either the old or the new folder, complete.
 *
 * <p>{@code train-teacher} runs in the normal suite; {@code distill}, {@code prune} and the save loop are tagged
 * {@code slow} (together they take longer than the suite's budget for them) and run with {@code -Pslow}.
 * {@code finetune} (LoRA adapters on the tiny classifier's frozen encoder) runs in the normal suite too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CrashResumeTest {
    @TempDir
    static Path shared;
    static Path base;
    static Path train;
    static Path validation;
    /** The uninterrupted teacher, which distill and prune start from. */
    static Path teacher;

    @BeforeAll
    static void data() throws IOException {
        base = TinyTeacher.baseModel(shared.resolve("base"));
        // enough rows that an epoch of the tiny model lasts long enough to be killed in (hundreds of steps)
        train = TinyTeacher.urls(shared.resolve("data/train.csv"), 1600, 1);
        validation = TinyTeacher.urls(shared.resolve("data/validation.csv"), 64, 2);
    }

    /** A child JVM running {@code main} with the flags the launcher script uses and this JVM's class path. */
    private static ProcessBuilder child(String main, List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xmx1g", "-cp", classPath(), main));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** Surefire puts the test class path in its own property when it starts the fork through a manifest-only jar. */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** Runs {@code distillery ARGS} in a child JVM to the end and returns its output; fails unless it exits 0. */
    private static String runToTheEnd(List<String> args) throws Exception {
        Process p = child(Main.class.getName(), args).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "still running: " + args);
        assertEquals(0, p.exitValue(), "distillery " + String.join(" ", args) + ":\n" + output);
        return output;
    }

    /** Resumes the killed run and checks that it went on from inside epoch 2, not from an epoch's end. */
    private static void resume(List<String> args) throws Exception {
        String output = runToTheEnd(with(args, "--resume"));
        assertTrue(output.contains("epoch 2/2 (resumed at batch "), output);
    }

    /**
     * Runs {@code distillery ARGS} in a child JVM and kills it with SIGKILL once its first epoch table has been printed
     * (so epoch 2 is under way) and {@code out/.checkpoints/last.ckpt} has been written again since.
     */
    private static void runAndKillInSecondEpoch(List<String> args, Path out) throws Exception {
        Process p = child(Main.class.getName(), args).start();
        AtomicBoolean secondEpoch = new AtomicBoolean();
        StringBuffer output = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.append(line).append('\n');
                    if (line.contains("train loss")) { // the header of the table printed after each epoch
                        secondEpoch.set(true);
                    }
                }
            } catch (IOException e) {
                // the child was killed
            }
        });
        Path last = out.resolve(ModelFolder.CHECKPOINTS).resolve(Trainer.LAST);
        while (!secondEpoch.get() && p.isAlive()) {
            Thread.sleep(2);
        }
        FileTime atEpochEnd = Files.exists(last) ? Files.getLastModifiedTime(last) : null;
        while (p.isAlive() && (!Files.exists(last) || Files.getLastModifiedTime(last).equals(atEpochEnd))) {
            Thread.sleep(1);
        }
        assertTrue(p.isAlive(), "the run ended before it could be killed in its second epoch; give it more rows:\n" + output);
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        reader.join();
        assertEquals(137, p.exitValue(), "killed by SIGKILL (128 + 9)");
        assertFalse(Files.exists(out.resolve(Manifest.FILE)), "no model is saved by a killed run");
        assertTrue(Files.isRegularFile(last), "a checkpoint survives the kill");
    }

    /** The resumed run saves exactly the uninterrupted run's weights: the same bytes of model.safetensors. */
    private static void assertSameWeights(Path uninterrupted, Path resumed) throws IOException {
        assertEquals(FileDigest.of(uninterrupted.resolve(Checkpoint.WEIGHTS)), FileDigest.of(resumed.resolve(Checkpoint.WEIGHTS)),
                "model.safetensors of the resumed run differs from the uninterrupted one");
        // and the folder is a complete, verified model whose manifest says it was resumed
        Classifier.load(resumed);
        assertEquals("true", Manifest.read(resumed.resolve(Manifest.FILE)).provenance().options().get("resumed"));
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    @Order(1)
    void trainTeacherKilledMidEpochResumesToTheSameWeights() throws Exception {
        List<String> common = List.of("train-teacher", "--model", base.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--normalize-urls", "--epochs", "2", "--batch-size", "8",
                "--lr", "2e-3", "--patience", "0", "--max-length", "24", "--seed", "11", "--checkpoint-every", "20");
        teacher = shared.resolve("teacher");
        runToTheEnd(with(common, "--out", teacher.toString()));
        Path crashed = shared.resolve("teacher-crashed");
        runAndKillInSecondEpoch(with(common, "--out", crashed.toString()), crashed);
        resume(with(common, "--out", crashed.toString()));
        assertSameWeights(teacher, crashed);
    }

    @Test
    @Order(2)
    @Tag("slow")
    void distillKilledMidEpochResumesToTheSameWeights() throws Exception {
        assertNotNull(teacher, "runs after the train-teacher test, whose model it distils");
        List<String> common = List.of("distill", "--teacher", teacher.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--student-layers", "1", "--epochs", "2", "--batch-size", "8",
                "--lr", "2e-3", "--seed", "5", "--checkpoint-every", "20");
        Path uninterrupted = shared.resolve("student");
        runToTheEnd(with(common, "--out", uninterrupted.toString()));
        Path crashed = shared.resolve("student-crashed");
        runAndKillInSecondEpoch(with(common, "--out", crashed.toString()), crashed);
        resume(with(common, "--out", crashed.toString()));
        assertSameWeights(uninterrupted, crashed);
    }

    @Test
    @Order(3)
    @Tag("slow")
    void pruneKilledMidRecoveryResumesToTheSameWeights() throws Exception {
        assertNotNull(teacher, "runs after the train-teacher test, whose model it prunes");
        List<String> common = List.of("prune", "--model", teacher.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--heads", "0.5", "--ffn", "0.25", "--recover-epochs", "2",
                "--batch-size", "8", "--lr", "2e-3", "--seed", "3", "--latency-runs", "0", "--checkpoint-every", "20");
        Path uninterrupted = shared.resolve("pruned");
        runToTheEnd(with(common, "--out", uninterrupted.toString()));
        Path crashed = shared.resolve("pruned-crashed");
        runAndKillInSecondEpoch(with(common, "--out", crashed.toString()), crashed);
        resume(with(common, "--out", crashed.toString()));
        assertSameWeights(uninterrupted, crashed);
    }

    @Test
    @Order(5)
    void finetuneKilledMidEpochResumesToTheSameWeights() throws Exception {
        List<String> common = List.of("finetune", "--model", base.toString(), "--data", train.toString(),
                "--validation", validation.toString(), "--lora-rank", "4", "--epochs", "2", "--batch-size", "8",
                "--lr", "2e-3", "--max-length", "24", "--seed", "7", "--checkpoint-every", "20");
        Path uninterrupted = shared.resolve("finetuned");
        runToTheEnd(with(common, "--out", uninterrupted.toString()));
        Path crashed = shared.resolve("finetuned-crashed");
        runAndKillInSecondEpoch(with(common, "--out", crashed.toString()), crashed);
        resume(with(common, "--out", crashed.toString()));
        assertSameWeights(uninterrupted, crashed);
    }

    /**
     * A process saving two classifiers into one folder in turn is killed at seeded random moments; each time the
     * folder (or, killed between the two renames, the old folder set aside) is a complete model that passes
     * verification and predicts as one of the two.
     */
    @Test
    @Order(4)
    @Tag("slow")
    void aSaveKilledAtAnyMomentLeavesAWholeModel() throws Exception {
        Path target = shared.resolve("saves/model");
        Classifier one = SaveLoop.of(base, 1);
        Classifier two = SaveLoop.of(base, 2);
        List<String> texts = List.of("https://www.paypal-login.bank.com/", "wiki.org/docs");
        float[] p1 = one.probabilities(texts);
        float[] p2 = two.probabilities(texts);
        SplittableRandom random = new SplittableRandom(20261207);
        for (int kill = 0; kill < 6; kill++) {
            Process p = child(SaveLoop.class.getName(), List.of(base.toString(), target.toString())).start();
            AtomicLong saves = new AtomicLong();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        if (line.startsWith("saved ")) {
                            saves.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // killed
                }
            });
            while (saves.get() < 2 && p.isAlive()) {
                Thread.sleep(1);
            }
            assertTrue(p.isAlive(), "the save loop stopped");
            Thread.sleep(random.nextInt(40)); // a save takes a few milliseconds: this lands anywhere in one
            p.destroyForcibly();
            assertTrue(p.waitFor(1, TimeUnit.MINUTES));
            reader.join();
            Path found = Files.isDirectory(target) ? target : AtomicFiles.interruptedReplacement(target);
            assertNotNull(found, "after kill " + kill + " there is neither the folder nor the old one set aside");
            float[] p0 = Classifier.load(found).probabilities(texts);
            assertTrue(Arrays.equals(p0, p1) || Arrays.equals(p0, p2), "kill " + kill);
            if (!found.equals(target)) {
                Files.move(found, target); // what the error message tells a user to do
            }
        }
        // the next save cleans what the killed ones left beside the folder
        one.save(target, one.manifest());
        try (var siblings = Files.list(target.getParent())) {
            assertEquals(List.of(target), siblings.toList());
        }
        assertArrayEquals(p1, Classifier.load(target).probabilities(texts));
    }
}
