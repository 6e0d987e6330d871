package dev.distillery.spark;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.LogitsCache;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/**
 * Distributed teacher labelling: a teacher's raw logits over a large unlabelled corpus, written as
 * a content-keyed {@link LogitsCache} that {@code distillery distill --teacher-logits} reads. Each
 * text gets the teacher's own text transform, its key is the SHA-256 of the result, duplicates are
 * labelled once, and every executor loads the teacher once ({@link ClassifierCache}).
 * <pre>{@code
 * LabellingResult r = TeacherLabelling.run(spark, new TeacherLabelling.Options("models/teacher",
 *         List.of("corpus/urls.txt"), null, null, "logits", 1024, 0, 0, false));
 * r.rows();   // distinct texts labelled
 * }</pre>
 * {@link #main} is the same job for {@code spark-submit}; see docs/spark.md.
 */
public final class TeacherLabelling {
    /**
     * @param teacher    the teacher's model folder (a path on the driver and every executor, or a URI)
     * @param inputs     text files (one text a line), CSV, JSON lines or Parquet; Spark reads globs, folders and .gz
     * @param format     text, csv, json or parquet; null to go by the first input's name
     * @param column     the text column of CSV, JSON or Parquet input; null for {@code url}, else {@code text}
     * @param out        the cache folder to write
     * @param batchSize  rows of a partition the teacher scores together (grouped by token length)
     * @param maxLength  tokens per text; 0 for the teacher's (distill must then use the same)
     * @param partitions partitions of the distinct texts to label; 0 for Spark's default parallelism (the cores)
     * @param overwrite  replace a cache already in {@code out}
     */
    public record Options(String teacher, List<String> inputs, String format, String column, String out, int batchSize,
                          int maxLength, int partitions, boolean overwrite) {
        public Options {
            inputs = List.copyOf(inputs);
            if (teacher == null || inputs.isEmpty() || out == null) {
                throw new IllegalArgumentException("the labelling job needs a teacher folder, at least one input and an output folder");
            }
            if (batchSize < 1 || maxLength < 0 || partitions < 0) {
                throw new IllegalArgumentException("batch size " + batchSize + " must be at least 1, max length " + maxLength
                        + " and partitions " + partitions + " at least 0");
            }
            if (format != null && !List.of("text", "csv", "json", "parquet").contains(format)) {
                throw new IllegalArgumentException("input format must be text, csv, json or parquet, not '" + format + "'");
            }
        }
    }

    /**
     * @param cache     the record written beside the rows
     * @param inputRows non-null texts read
     * @param seconds   wall time of the job
     */
    public record LabellingResult(LogitsCache cache, long inputRows, double seconds) {
        public long rows() {
            return cache.rows();
        }
    }

    private TeacherLabelling() {
    }

    public static LabellingResult run(SparkSession spark, Options o) throws IOException {
        long start = System.nanoTime();
        Classifier teacher = ClassifierCache.get(o.teacher()); // on the driver too: labels, transform, length, fingerprint
        int maxLength = Scoring.tokens(teacher, o.maxLength());
        String fingerprint = LogitsCache.fingerprint(ClassifierCache.local(o.teacher()));
        String name = ClassifierCache.modelName(o.teacher());

        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(o.out());
        FileSystem fs = out.getFileSystem(hadoop);
        List<Path> parts = List.of(new Path(out, LogitsCache.FILE),
                new Path(out, LogitsCache.PARQUET_DIR), new Path(out, LogitsCache.JSONL_DIR));
        for (Path p : parts) {
            if (fs.exists(p)) {
                if (!o.overwrite()) {
                    throw new IllegalArgumentException(o.out() + " already holds a teacher-logits cache (" + p.getName()
                            + "); give --overwrite to replace it");
                }
                fs.delete(p, true);
            }
        }

        Dataset<Row> texts = texts(spark, o);
        String folder = o.teacher();
        // key and prepared text without the model: the transform is all this stage needs
        MapPartitionsFunction<Row, Row> keyed = partition -> {
            var transform = ClassifierCache.get(folder).transform();
            return Batches.map(partition, 4096, rows -> rows.stream().map(r -> {
                String prepared = transform.apply(r.getString(0));
                return RowFactory.create(LogitsCache.key(prepared), prepared);
            }).toList());
        };
        StructType keyedSchema = new StructType().add(LogitsCache.KEY, DataTypes.StringType, false)
                .add("prepared", DataTypes.StringType, false);
        Dataset<Row> distinct = texts.mapPartitions(keyed, Encoders.row(keyedSchema)).dropDuplicates(LogitsCache.KEY);
        // an explicit count: adaptive execution would otherwise coalesce a small corpus into one task on one core
        distinct = distinct.repartition(o.partitions() > 0 ? o.partitions() : spark.sparkContext().defaultParallelism());

        Metadata teacherMetadata = new MetadataBuilder().putString("format", LogitsCache.FORMAT)
                .putLong("format_version", LogitsCache.FORMAT_VERSION).putString("teacher", name)
                .putString("teacher_fingerprint", fingerprint)
                .putStringArray("labels", teacher.labels().names().toArray(String[]::new))
                .putString("text_transform", teacher.manifest().textTransform()).putLong("max_length", maxLength).build();
        StructType logitsSchema = new StructType().add(LogitsCache.KEY, DataTypes.StringType, false)
                .add(LogitsCache.LOGITS, DataTypes.createArrayType(DataTypes.FloatType, false), false);
        int batch = o.batchSize();
        MapPartitionsFunction<Row, Row> label = partition -> {
            if (!partition.hasNext()) {
                return java.util.Collections.emptyIterator();
            }
            Classifier c = ClassifierCache.get(folder);
            int labels = c.labels().size();
            return Batches.map(partition, batch, rows -> {
                float[] logits = Scoring.logits(c, rows.stream().map(r -> r.getString(1)).toList(), maxLength); // [rows, labels]
                List<Row> result = new ArrayList<>(rows.size());
                for (int i = 0; i < rows.size(); i++) {
                    float[] row = Arrays.copyOfRange(logits, i * labels, (i + 1) * labels);
                    result.add(RowFactory.create(rows.get(i).getString(0), row));
                }
                return result;
            });
        };
        String parquet = new Path(out, LogitsCache.PARQUET_DIR).toString();
        // the teacher's identity in the Parquet footer too (Spark keeps a column's metadata in its schema there)
        distinct.mapPartitions(label, Encoders.row(logitsSchema))
                .withColumn(LogitsCache.LOGITS, col(LogitsCache.LOGITS).as(LogitsCache.LOGITS, teacherMetadata))
                .write().parquet(parquet);
        // the JSON lines come from the Parquet just written, not from a second teacher pass
        Dataset<Row> written = spark.read().parquet(parquet);
        written.write().option("compression", "gzip")
                .json(new Path(out, LogitsCache.JSONL_DIR).toString());
        long rows = written.count();

        LogitsCache cache = new LogitsCache(name, fingerprint, teacher.labels().names(), teacher.manifest().textTransform(),
                maxLength, rows, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        // written last, through a temporary name: a folder with a record is a finished cache
        Path temporary = new Path(out, "." + LogitsCache.FILE + ".tmp");
        try (FSDataOutputStream s = fs.create(temporary, true)) {
            s.write(cache.toJsonString().getBytes(StandardCharsets.UTF_8));
        }
        if (!fs.rename(temporary, new Path(out, LogitsCache.FILE))) {
            throw new IOException("cannot rename " + temporary + " to " + LogitsCache.FILE);
        }
        return new LabellingResult(cache, texts.count(), (System.nanoTime() - start) / 1e9);
    }

    /** The inputs' texts as one non-null string column. */
    static Dataset<Row> texts(SparkSession spark, Options o) {
        String format = o.format() != null ? o.format() : formatOf(o.inputs().getFirst());
        String[] paths = o.inputs().toArray(String[]::new);
        Dataset<Row> df = switch (format) {
            case "text" -> spark.read().text(paths);
            case "csv" -> spark.read().option("header", "true").csv(paths);
            case "json" -> spark.read().json(paths);
            case "parquet" -> spark.read().parquet(paths);
            default -> throw new IllegalArgumentException("input format must be text, csv, json or parquet, not '" + format + "'");
        };
        List<String> columns = Arrays.asList(df.columns());
        String column;
        if (format.equals("text")) {
            column = "value";
        } else if (o.column() != null) {
            if (!columns.contains(o.column())) {
                throw new IllegalArgumentException(o.inputs().getFirst() + " has no column '" + o.column() + "' among " + columns);
            }
            column = o.column();
        } else if (columns.contains("url") || columns.contains("text")) {
            column = columns.contains("url") ? "url" : "text";
        } else {
            throw new IllegalArgumentException(o.inputs().getFirst() + " has neither a url nor a text column among " + columns
                    + "; name one with --column");
        }
        Column text = col(column).cast(DataTypes.StringType);
        return df.select(text.as("text")).where(text.isNotNull());
    }

    /** text, csv, json or parquet by the file name, ignoring a .gz; text when it says nothing. */
    static String formatOf(String input) {
        String name = input.toLowerCase(Locale.ROOT).replaceAll("\\.(gz|bz2|zst|snappy)$", "");
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".json") || name.endsWith(".jsonl")) {
            return "json";
        }
        return name.endsWith(".parquet") ? "parquet" : "text";
    }

    /**
     * The job for {@code spark-submit} (or plain {@code java} with {@code -Dspark.master=local[2]}):
     * <pre>
     * TeacherLabelling --teacher DIR --input PATH [--input PATH ...] --out DIR [--format text|csv|json|parquet]
     *                  [--column NAME] [--batch-size N] [--max-length N] [--partitions N] [--overwrite]
     * </pre>
     */
    public static void main(String[] args) throws IOException {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("distillery teacher labelling").getOrCreate();
        try {
            LabellingResult r = run(spark, o);
            System.out.printf(Locale.ROOT, "labelled %,d distinct texts of %,d read with teacher %s (%s) in %.1f s: %s%n",
                    r.rows(), r.inputRows(), r.cache().teacherName(), r.cache().teacherFingerprint().substring(0, 12),
                    r.seconds(), o.out());
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        } finally {
            spark.stop();
        }
    }

    static final String USAGE = "usage: TeacherLabelling --teacher DIR --input PATH [--input PATH ...] --out DIR"
            + " [--format text|csv|json|parquet] [--column NAME] [--batch-size N (1024)] [--max-length N (0: the teacher's)]"
            + " [--partitions N] [--overwrite]";

    static Options parse(String[] args) {
        String teacher = null;
        String out = null;
        String format = null;
        String column = null;
        List<String> inputs = new ArrayList<>();
        int batchSize = 1024;
        int maxLength = 0;
        int partitions = 0;
        boolean overwrite = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--overwrite")) {
                overwrite = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + (a.startsWith("--") ? " needs a value" : " is not an option"));
            }
            String v = args[++i];
            switch (a) {
                case "--teacher" -> teacher = v;
                case "--input" -> inputs.add(v);
                case "--out" -> out = v;
                case "--format" -> format = v;
                case "--column" -> column = v;
                case "--batch-size" -> batchSize = integer(a, v);
                case "--max-length" -> maxLength = integer(a, v);
                case "--partitions" -> partitions = integer(a, v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new Options(teacher, inputs, format, column, out, batchSize, maxLength, partitions, overwrite);
    }

    private static int integer(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, not '" + value + "'");
        }
    }
}
