package dev.distillery.spark;

import dev.distillery.classify.BatchInference;
import dev.distillery.classify.Classifier;
import dev.distillery.eval.TemperatureScaling;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Spark ML {@link Transformer} that classifies a string column with a Distillery model folder,
 * adding the predicted class name, the class probabilities (an ML vector in label order, after the
 * manifest's calibration temperature) and the model's name. Each executor JVM loads the model once
 * ({@link ClassifierCache}); each partition is scored in micro-batches of {@link #batchSize} rows,
 * which the model groups by token length. A null text gets null outputs.
 * <pre>{@code
 * DistilleryClassifier c = new DistilleryClassifier().setModelPath("models/student").setInputCol("url");
 * c.transform(urls).select("url", "prediction", "probability").show();
 * new Pipeline().setStages(new PipelineStage[] {c}).fit(urls).write().save("pipelines/phishing");
 * }</pre>
 * Saved and loaded with a pipeline as parameters only ({@link DefaultParamsWritable}): the model
 * folder is referenced by its path, not copied.
 */
public final class DistilleryClassifier extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> modelNameCol;
    private final Param<String> modelPath;
    private final IntParam batchSize;
    private final IntParam maxLength;

    public DistilleryClassifier() {
        this(Identifiable$.MODULE$.randomUID("distillery"));
    }

    /** The constructor Spark calls when it copies or loads the stage. */
    public DistilleryClassifier(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "string column to classify");
        predictionCol = new Param<>(this, "predictionCol", "output column: the predicted class name");
        probabilityCol = new Param<>(this, "probabilityCol", "output column: class probabilities, a vector in label order");
        modelNameCol = new Param<>(this, "modelNameCol", "output column: the model folder's name");
        modelPath = new Param<>(this, "modelPath", "a model folder saved by distillery (a path every executor can read, "
                + "or an hdfs:// s3a:// file:/ URI, copied to each executor once)");
        batchSize = new IntParam(this, "batchSize", "rows of a partition scored together (grouped by token length)",
                ParamValidators.gtEq(1));
        maxLength = new IntParam(this, "maxLength", "tokens per text including [CLS] and [SEP]; 0 for the model's",
                ParamValidators.gtEq(0));
        setDefault(inputCol, "text");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(modelNameCol, "model");
        setDefault(batchSize, (Object) 1024);
        setDefault(maxLength, (Object) 0);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> modelNameCol() {
        return modelNameCol;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam maxLength() {
        return maxLength;
    }

    public DistilleryClassifier setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public DistilleryClassifier setPredictionCol(String v) {
        set(predictionCol, v);
        return this;
    }

    public DistilleryClassifier setProbabilityCol(String v) {
        set(probabilityCol, v);
        return this;
    }

    public DistilleryClassifier setModelNameCol(String v) {
        set(modelNameCol, v);
        return this;
    }

    public DistilleryClassifier setModelPath(String v) {
        set(modelPath, v);
        return this;
    }

    public DistilleryClassifier setBatchSize(int v) {
        set(batchSize, (Object) v);
        return this;
    }

    public DistilleryClassifier setMaxLength(int v) {
        set(maxLength, (Object) v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(modelPath)) {
            throw new IllegalArgumentException("DistilleryClassifier needs modelPath: a model folder saved by distillery");
        }
        int length = (Integer) getOrDefault(maxLength);
        if (length == 1 || length == 2) {
            throw new IllegalArgumentException("maxLength " + length + " leaves no room for text between [CLS] and [SEP];"
                    + " give 0 for the model's");
        }
        String input = getOrDefault(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(input)) {
            throw new IllegalArgumentException("no input column '" + input + "' among " + Arrays.toString(schema.fieldNames()));
        }
        if (!(schema.apply(input).dataType() instanceof StringType)) {
            throw new IllegalArgumentException("input column '" + input + "' is " + schema.apply(input).dataType().simpleString()
                    + ", not a string");
        }
        StructType out = schema;
        for (StructField f : new StructField[] {
                DataTypes.createStructField(getOrDefault(predictionCol), DataTypes.StringType, true),
                DataTypes.createStructField(getOrDefault(probabilityCol), SQLDataTypes.VectorType(), true),
                DataTypes.createStructField(getOrDefault(modelNameCol), DataTypes.StringType, false)}) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("output column '" + f.name() + "' already exists; choose another name");
            }
            out = out.add(f);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        Dataset<Row> rows = dataset.toDF();
        // plain locals: the function shipped to executors must not drag this stage along
        int input = rows.schema().fieldIndex(getOrDefault(inputCol));
        String folder = getOrDefault(modelPath);
        String name = ClassifierCache.modelName(folder);
        int batch = (Integer) getOrDefault(batchSize);
        int length = (Integer) getOrDefault(maxLength);
        MapPartitionsFunction<Row, Row> score = partition -> {
            if (!partition.hasNext()) {
                return partition; // an empty partition loads no model
            }
            Classifier c = ClassifierCache.get(folder);
            Scoring.tokens(c, length);
            return Batches.map(partition, batch, some -> classify(c, some, input, length, name));
        };
        return rows.mapPartitions(score, Encoders.row(out));
    }

    /** {@code rows} with the prediction, probabilities and model name appended. */
    static List<Row> classify(Classifier c, List<Row> rows, int input, int maxLength, String name) {
        List<String> prepared = new ArrayList<>();
        for (Row r : rows) {
            if (!r.isNullAt(input)) {
                prepared.add(c.transform().apply(r.getString(input)));
            }
        }
        int labels = c.labels().size();
        float[] probs = prepared.isEmpty() ? new float[0] // [texts, labels]
                : TemperatureScaling.probabilities(Scoring.logits(c, prepared, maxLength), labels, c.manifest().temperature());
        int[] best = BatchInference.argmax(probs, labels);
        List<Row> out = new ArrayList<>(rows.size());
        int t = 0;
        for (Row r : rows) {
            Object[] values = Arrays.copyOf(toArray(r), r.length() + 3);
            if (!r.isNullAt(input)) {
                double[] p = new double[labels];
                for (int j = 0; j < labels; j++) {
                    p[j] = probs[t * labels + j];
                }
                values[r.length()] = c.labels().name(best[t]);
                values[r.length() + 1] = Vectors.dense(p);
                t++;
            }
            values[r.length() + 2] = name;
            out.add(RowFactory.create(values));
        }
        return out;
    }

    private static Object[] toArray(Row r) {
        Object[] values = new Object[r.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = r.get(i);
        }
        return values;
    }

    @Override
    public DistilleryClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** How Spark ML finds this stage's reader when it loads a saved pipeline. */
    public static MLReader<DistilleryClassifier> read() {
        return new DefaultParamsReadable<DistilleryClassifier>() {
        }.read();
    }

    public static DistilleryClassifier load(String path) {
        return read().load(path);
    }
}
