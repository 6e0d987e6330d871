package dev.distillery.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.LogitsCache;
import dev.distillery.classify.LogitsCacheException;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.distill.DistillOptions;
import dev.distillery.io.Checkpoint;
import dev.distillery.pipeline.Distillation;
import dev.distillery.pipeline.DistillationOptions;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The labelling job's cache holds the teacher's logits bit for bit (in Parquet and in the JSON lines), and
 * {@code distill --teacher-logits} on it gives the same student, weight for weight, as a run that computed every
 * logit itself, even when part of the rows (augmented variants) are missing from the cache; a cache of another
 * teacher, label set or length, or a damaged one, is a one-line error.
 */
class TeacherLabellingTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path teacher;
    static Path train;
    static Path validation;
    static Path cache;
    static TeacherLabelling.LabellingResult labelled;

    @BeforeAll
    static void label() throws Exception {
        spark = SparkTesting.session("TeacherLabellingTest");
        teacher = SparkTesting.teacher(dir, "teacher", 5);
        train = TinyTeacher.urls(dir.resolve("data/train.csv"), 80, 21);
        validation = TinyTeacher.urls(dir.resolve("data/validation.csv"), 24, 22);
        cache = dir.resolve("cache");
        // the training file twice: each distinct text is labelled once
        labelled = TeacherLabelling.run(spark, new TeacherLabelling.Options(teacher.toString(),
                List.of(train.toString(), train.toString()), null, null, cache.toString(), 16, 0, 0, false));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static List<String> rawUrls(Path csv) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            out.add(line.substring(0, line.lastIndexOf(',')));
        }
        return out;
    }

    @Test
    void theCacheHoldsTheTeachersLogitsOfEachDistinctTextBitForBit() throws Exception {
        Classifier c = Classifier.load(teacher);
        List<String> prepared = List.copyOf(new LinkedHashSet<>(rawUrls(train).stream().map(c.transform()::apply).toList()));
        assertEquals(160, labelled.inputRows());
        assertEquals(prepared.size(), labelled.rows());
        LogitsCache record = LogitsCache.read(cache);
        assertEquals(LogitsCache.fingerprint(teacher), record.teacherFingerprint());
        assertEquals(c.labels().names(), record.labels());
        assertEquals(24, record.maxLength());

        float[] expected = c.logitsOfPrepared(prepared); // [texts, labels]
        List<String> keys = prepared.stream().map(LogitsCache::key).toList();
        Map<String, float[]> fromJson = record.lookup(cache, keys);
        Map<String, float[]> fromParquet = new java.util.HashMap<>();
        for (Row r : spark.read().parquet(cache.resolve(LogitsCache.PARQUET_DIR).toString()).collectAsList()) {
            List<Float> l = r.getList(1);
            float[] v = new float[l.size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = l.get(j);
            }
            fromParquet.put(r.getString(0), v);
        }
        for (int i = 0; i < prepared.size(); i++) {
            float[] row = java.util.Arrays.copyOfRange(expected, 2 * i, 2 * i + 2);
            assertArrayEquals(row, fromJson.get(keys.get(i)), 0f, "JSON lines, " + prepared.get(i));
            assertArrayEquals(row, fromParquet.get(keys.get(i)), 0f, "Parquet, " + prepared.get(i));
        }
        Metadata m = spark.read().parquet(cache.resolve(LogitsCache.PARQUET_DIR).toString()).schema()
                .apply(LogitsCache.LOGITS).metadata();
        assertEquals(record.teacherFingerprint(), m.getString("teacher_fingerprint"), "the Parquet says whose logits they are");
        assertArrayEquals(c.labels().names().toArray(), m.getStringArray("labels"));
    }

    static DistillationOptions options(Path teacherFolder, Path out, Path logits, int maxLength) {
        TrainOptions t = TrainOptions.defaults().withEpochs(1).withBatchSize(8).withLearningRate(1e-3).withSeed(3);
        DistillOptions d = DistillOptions.defaults().withTrain(t).withAugmentPerExample(1);
        return new DistillationOptions(teacherFolder, null, train, validation, null, 1, 0, 0, 0, maxLength, 0, d, out,
                "distillery distill (spark test)", null, "label", false, null, null, null, logits);
    }

    static String distil(DistillationOptions o) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Distillation.run(o, new TrainingListener() { }, new PrintStream(log, true, StandardCharsets.UTF_8));
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void distillingFromTheCacheGivesTheSameStudentAsComputingEveryLogit() throws Exception {
        String fromCache = distil(options(teacher, dir.resolve("student-cached"), cache, 0));
        distil(options(teacher, dir.resolve("student-computed"), null, 0));

        Matcher m = Pattern.compile("teacher logits: (\\d+) of (\\d+) training rows found").matcher(fromCache);
        assertTrue(m.find(), fromCache);
        int found = Integer.parseInt(m.group(1));
        assertEquals(160, Integer.parseInt(m.group(2)), "80 rows and one variant of each");
        assertTrue(found >= 80 && found < 160, "every training row is in the cache, the variants mostly not: " + found);

        Map<String, Tensor> a = Checkpoint.read(dir.resolve("student-cached")).weights();
        Map<String, Tensor> b = Checkpoint.read(dir.resolve("student-computed")).weights();
        assertEquals(b.keySet(), a.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(b.get(name).data(), a.get(name).data(), 0f, name);
        }
    }

    @Test
    void aCacheOfAnotherTeacherLabelSetOrLengthIsRefused() throws Exception {
        Path other = SparkTesting.teacher(dir, "other", 6);
        LogitsCacheException e = assertThrows(LogitsCacheException.class,
                () -> distil(options(other, dir.resolve("s1"), cache, 0)));
        assertTrue(e.getMessage().contains("holds the logits of teacher teacher") && e.getMessage().contains("not of"),
                e.getMessage());

        e = assertThrows(LogitsCacheException.class, () -> distil(options(teacher, dir.resolve("s2"), cache, 16)));
        assertTrue(e.getMessage().contains("computed at 24 tokens per text, but this run uses 16"), e.getMessage());

        Path relabelled = copy(cache, dir.resolve("relabelled"));
        Path record = relabelled.resolve(LogitsCache.FILE);
        Files.writeString(record, Files.readString(record).replace("\"phishing\"", "\"phishing\", \"spam\""));
        e = assertThrows(LogitsCacheException.class, () -> distil(options(teacher, dir.resolve("s3"), relabelled, 0)));
        assertTrue(e.getMessage().contains("labels [benign, phishing, spam] but the teacher has [benign, phishing]"),
                e.getMessage());
    }

    @Test
    void aDamagedOrUnfinishedCacheIsRefused() throws Exception {
        Path cut = copy(cache, dir.resolve("cut"));
        Path part = parts(cut).getFirst();
        List<String> lines = gunzip(part);
        gzip(part, lines.subList(0, lines.size() - 1));
        LogitsCacheException e = assertThrows(LogitsCacheException.class,
                () -> distil(options(teacher, dir.resolve("s4"), cut, 0)));
        assertTrue(e.getMessage().contains("should hold " + labelled.rows() + " rows"), e.getMessage());

        Path mangled = copy(cache, dir.resolve("mangled"));
        part = parts(mangled).getFirst();
        lines = new ArrayList<>(gunzip(part));
        lines.set(0, lines.getFirst().replaceFirst("\\[([^,\\]]+),[^\\]]+\\]", "[$1]"));
        gzip(part, lines);
        e = assertThrows(LogitsCacheException.class, () -> distil(options(teacher, dir.resolve("s5"), mangled, 0)));
        assertTrue(e.getMessage().contains("line 1 has 1 logits"), e.getMessage());

        Path unfinished = copy(cache, dir.resolve("unfinished"));
        Files.delete(unfinished.resolve(LogitsCache.FILE));
        e = assertThrows(LogitsCacheException.class, () -> distil(options(teacher, dir.resolve("s6"), unfinished, 0)));
        assertTrue(e.getMessage().contains("has no " + LogitsCache.FILE), e.getMessage());

        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> TeacherLabelling.run(spark,
                new TeacherLabelling.Options(teacher.toString(), List.of(train.toString()), null, null, cache.toString(),
                        16, 0, 0, false)));
        assertTrue(again.getMessage().contains("give --overwrite"), again.getMessage());
    }

    static List<Path> parts(Path cacheDir) throws IOException {
        try (Stream<Path> s = Files.list(cacheDir.resolve(LogitsCache.JSONL_DIR))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json.gz")).sorted().toList();
        }
    }

    static List<String> gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static void gzip(Path file, List<String> lines) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The cache folder's record and JSON lines (what distill reads), copied to {@code to}. */
    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.resolve(LogitsCache.JSONL_DIR));
        Files.copy(from.resolve(LogitsCache.FILE), to.resolve(LogitsCache.FILE));
        for (Path p : parts(from)) {
            Files.copy(p, to.resolve(LogitsCache.JSONL_DIR).resolve(p.getFileName()));
        }
        return to;
    }
}
