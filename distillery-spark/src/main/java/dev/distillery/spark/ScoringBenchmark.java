package dev.distillery.spark;

import dev.distillery.classify.Classifier;
import dev.distillery.report.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Rows per second of {@link DistilleryClassifier} in the Spark session given ({@code bin/spark-local bench}
 * runs {@code local[2]}), beside the same texts through {@link Classifier#predictBatch} in this JVM, so the
 * ratio is Spark's own overhead: session start, the first run's per-JVM model load and code generation,
 * then per-row serialization into and out of Spark's row format. Not a test: docs/results/spark.md.
 * <pre>
 * ScoringBenchmark --model DIR --input FILE.csv [--column url] [--runs 3] [--batch-size 1024] [--json OUT]
 * </pre>
 */
public final class ScoringBenchmark {
    private ScoringBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        String model = null;
        String input = null;
        String column = "url";
        String json = null;
        int runs = 3;
        int batchSize = 1024;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--input" -> input = args[i + 1];
                case "--column" -> column = args[i + 1];
                case "--json" -> json = args[i + 1];
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--batch-size" -> batchSize = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (model == null || input == null) {
            System.err.println("usage: ScoringBenchmark --model DIR --input FILE.csv [--column url] [--runs 3]"
                    + " [--batch-size 1024] [--json OUT]");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        SparkSession spark = SparkSession.builder().appName("distillery scoring benchmark").getOrCreate();
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        try {
            Dataset<Row> frame = spark.read().option("header", "true").csv(input).select(column).cache();
            long rows = frame.count();
            DistilleryClassifier c = new DistilleryClassifier().setModelPath(model).setInputCol(column)
                    .setBatchSize(batchSize);
            double[] sparkSeconds = new double[runs];
            for (int r = 0; r < runs; r++) {
                long s = System.nanoTime();
                c.transform(frame).write().format("noop").mode("overwrite").save(); // every row scored, none collected
                sparkSeconds[r] = (System.nanoTime() - s) / 1e9;
            }
            long s = System.nanoTime();
            Classifier direct = Classifier.load(Path.of(model));
            double loadSeconds = (System.nanoTime() - s) / 1e9;
            List<String> texts = frame.as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
            double[] directSeconds = new double[runs];
            for (int r = 0; r < runs; r++) {
                s = System.nanoTime();
                for (int from = 0; from < texts.size(); from += batchSize) {
                    direct.predictBatch(texts.subList(from, Math.min(texts.size(), from + batchSize)));
                }
                directSeconds[r] = (System.nanoTime() - s) / 1e9;
            }
            int cores = spark.sparkContext().defaultParallelism();
            Table t = new Table("run", "Spark local[" + cores + "] rows/s", "Classifier.predictBatch rows/s", "Spark / direct");
            for (int r = 0; r < runs; r++) {
                t.row(r == 0 ? "1 (cold)" : String.valueOf(r + 1), fmt(rows / sparkSeconds[r]), fmt(rows / directSeconds[r]),
                        String.format(Locale.ROOT, "%.2f", directSeconds[r] / sparkSeconds[r]));
            }
            System.out.printf(Locale.ROOT, "%d rows of %s, model %s; Spark session start %.1f s, model load %.2f s%n",
                    rows, input, model, startSeconds, loadSeconds);
            System.out.println(t.render());
            if (json != null) {
                Files.writeString(Path.of(json), String.format(Locale.ROOT,
                        "{\"rows\": %d, \"input\": \"%s\", \"model\": \"%s\", \"cores\": %d, \"batch_size\": %d,"
                                + " \"spark_session_start_seconds\": %.3f, \"model_load_seconds\": %.3f,"
                                + " \"spark_seconds\": %s, \"direct_seconds\": %s}%n",
                        rows, input, model, cores, batchSize, startSeconds, loadSeconds, array(sparkSeconds),
                        array(directSeconds)));
            }
        } finally {
            spark.stop();
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String array(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return b.append(']').toString();
    }
}
