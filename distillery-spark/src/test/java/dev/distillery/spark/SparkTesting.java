package dev.distillery.spark;

import dev.distillery.classify.TinyTeacher;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/** A local Spark session as the tests share it (one per class: starting one takes seconds) and a tiny URL teacher. */
final class SparkTesting {
    private SparkTesting() {
    }

    /** {@code local[2]}, no UI, few shuffle partitions: the small test frames would otherwise make 200 tasks. */
    static SparkSession session(String name) {
        return SparkSession.builder().master("local[2]").appName(name).config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    /**
     * A tiny URL classifier trained into {@code dir}/{@code name} as {@code train-teacher} would, with URL
     * normalisation, on {@link TinyTeacher}'s synthetic URLs (phishing when a host says login, verify or secure).
     */
    static Path teacher(Path dir, String name, long seed) throws IOException {
        Path base = TinyTeacher.baseModel(dir.resolve("base-" + name));
        Path train = TinyTeacher.urls(dir.resolve("teacher-data-" + name + "/train.csv"), 96, seed);
        Path validation = TinyTeacher.urls(dir.resolve("teacher-data-" + name + "/validation.csv"), 24, seed + 1);
        Path out = dir.resolve(name);
        TrainOptions t = TrainOptions.defaults().withEpochs(4).withBatchSize(8).withLearningRate(2e-3).withSeed(seed)
                .withPatience(0);
        TeacherTraining.run(new TeacherOptions(base.toString(), null, train, validation, null, null, "label", true, 24, 0,
                false, t, out, false, "distillery train-teacher (spark tests)"), new TrainingListener() { },
                new PrintStream(OutputStream.nullOutputStream()));
        return out;
    }
}
