package dev.distillery.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Prediction;
import dev.distillery.classify.TinyTeacher;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Transformer gives each row exactly what {@link Classifier#predictBatch} gives the same text (the
 * same float bits: a text's logits do not depend on its batch), loads the model once per JVM however many
 * partitions and calls there are, and is saved and loaded with a Spark ML pipeline.
 */
class DistilleryClassifierTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path teacher;
    static List<String> urls;
    static Dataset<Row> frame;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTesting.session("DistilleryClassifierTest");
        teacher = SparkTesting.teacher(dir, "teacher", 5);
        urls = new ArrayList<>();
        for (String line : Files.readAllLines(TinyTeacher.urls(dir.resolve("urls.csv"), 90, 9)).subList(1, 91)) {
            urls.add(line.substring(0, line.lastIndexOf(',')));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            rows.add(RowFactory.create(i, urls.get(i)));
        }
        rows.add(RowFactory.create(urls.size(), null));
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false).add("url", DataTypes.StringType, true);
        frame = spark.createDataFrame(rows, schema).repartition(3);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static DistilleryClassifier classifier() {
        return new DistilleryClassifier().setModelPath(teacher.toString()).setInputCol("url").setBatchSize(16);
    }

    /** The scored rows by id, checked against the classifier row by row: same label, same probabilities bit for bit. */
    static void assertSameAsClassifier(Dataset<Row> scored) throws Exception {
        Classifier c = Classifier.load(teacher);
        List<Prediction> expected = c.predictBatch(urls);
        List<Row> rows = scored.orderBy("id").collectAsList();
        assertEquals(urls.size() + 1, rows.size());
        for (int i = 0; i < urls.size(); i++) {
            Row r = rows.get(i);
            assertEquals(expected.get(i).label(), r.getAs("prediction"), "row " + i + ": " + urls.get(i));
            double[] p = new double[c.labels().size()];
            for (int j = 0; j < p.length; j++) {
                p[j] = expected.get(i).probabilities()[j];
            }
            assertArrayEquals(p, ((Vector) r.getAs("probability")).toArray(), 0.0, "row " + i + ": " + urls.get(i));
            assertEquals("teacher", r.getAs("model"));
        }
        Row blank = rows.get(urls.size());
        assertNull(blank.getAs("prediction"), "a null text gets no label");
        assertNull(blank.getAs("probability"));
    }

    @Test
    void eachRowGetsWhatTheClassifierGivesAndTheModelIsLoadedOnce() throws Exception {
        int before = ClassifierCache.loads();
        assertSameAsClassifier(classifier().transform(frame));
        assertSameAsClassifier(classifier().setBatchSize(7).transform(frame.repartition(5)));
        assertTrue(ClassifierCache.loads() - before <= 1, "8 partitions over two calls loaded the model "
                + (ClassifierCache.loads() - before) + " times");
    }

    @Test
    void aShorterMaxLengthTruncatesAsTheTokenizerDoes() {
        List<Row> rows = classifier().setMaxLength(5).transform(frame).orderBy("id").collectAsList();
        Classifier c = ClassifierCache.get(teacher.toString());
        // at 5 tokens, [CLS] + 3 pieces + [SEP]: texts that share their first 3 pieces get the same probabilities
        for (int i = 0; i < urls.size(); i++) {
            for (int k = 0; k < i; k++) {
                List<Integer> a = firstPieces(c, urls.get(i));
                if (a.equals(firstPieces(c, urls.get(k)))) {
                    assertEquals((Vector) rows.get(k).getAs("probability"), rows.get(i).getAs("probability"));
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> classifier().setMaxLength(2).transform(frame));
        Exception tooLong = assertThrows(Exception.class, () -> classifier().setMaxLength(1000).transform(frame).count());
        assertTrue(rootMessage(tooLong).contains("max length 1000 is outside [3, 32]"), rootMessage(tooLong));
    }

    private static List<Integer> firstPieces(Classifier c, String url) {
        int[] ids = c.tokenizer().encode(c.transform().apply(url), 5).ids();
        List<Integer> out = new ArrayList<>();
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    @Test
    void savedAndLoadedInAPipelineItScoresTheSame() throws Exception {
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {classifier()}).fit(frame);
        Path saved = dir.resolve("pipeline");
        fitted.write().overwrite().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        DistilleryClassifier stage = (DistilleryClassifier) loaded.stages()[0];
        assertEquals(teacher.toString(), stage.getOrDefault(stage.modelPath()));
        assertEquals(16, (int) (Integer) stage.getOrDefault(stage.batchSize()));
        assertSameAsClassifier(loaded.transform(frame));

        Path alone = dir.resolve("stage");
        classifier().write().overwrite().save(alone.toString());
        assertSameAsClassifier(DistilleryClassifier.load(alone.toString()).transform(frame));
    }

    @Test
    void badColumnsAndAMissingModelAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> classifier().setInputCol("nope").transform(frame));
        assertTrue(e.getMessage().contains("no input column 'nope'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> classifier().setInputCol("id").transform(frame));
        assertTrue(e.getMessage().contains("not a string"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> classifier().setPredictionCol("url").transform(frame));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DistilleryClassifier().setInputCol("url").transform(frame));
        assertTrue(e.getMessage().contains("needs modelPath"), e.getMessage());
        Exception missing = assertThrows(Exception.class, () -> classifier().setModelPath(dir.resolve("none").toString())
                .transform(frame).count());
        assertTrue(String.valueOf(rootMessage(missing)).contains("distillery.json"), rootMessage(missing));
    }

    static String rootMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
