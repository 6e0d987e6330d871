package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.classify.Manifest;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.data.Dataset;
import dev.distillery.data.LabelMap;
import dev.distillery.distill.FakeQuantization;
import dev.distillery.data.TextTransform;
import dev.distillery.io.Checkpoint;
import dev.distillery.io.DType;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.eval.CalibrationObjective;
import dev.distillery.pipeline.LabelledFile;
import dev.distillery.pipeline.QuantizationResult;
import dev.distillery.quant.QuantScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quantize through the command line on a tiny trained BERT (hidden 16, two layers) and synthetic URLs. */
class QuantizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String WORDS = "bert.embeddings.word_embeddings.weight";
    static final String INTER = "bert.encoder.layer.0.intermediate.dense.weight";

    @TempDir
    static Path shared;
    static Path teacher;
    static Path validation;
    static Path test;
    static List<String> texts;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainATinyTeacher() throws Exception {
        Path base = TinyTeacher.baseModel(shared.resolve("base"));
        Path train = TinyTeacher.urls(shared.resolve("data/train.csv"), 64, 1);
        validation = TinyTeacher.urls(shared.resolve("data/validation.csv"), 32, 2);
        test = TinyTeacher.urls(shared.resolve("data/test.csv"), 32, 3);
        teacher = shared.resolve("teacher");
        Result r = TeacherCommandsTest.run("train-teacher", "--model", base.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--normalize-urls", "--epochs", "6", "--batch-size", "8", "--lr", "2e-3",
                "--patience", "0", "--max-length", "24", "--seed", "11", "--out", teacher.toString());
        assertEquals(0, r.exitCode(), r.err());
        texts = Files.readAllLines(test).stream().skip(1).map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }

    @Test
    void quantizationAwareTrainingRoundTripsExactlyTheWeightsQuantizeStores() throws Exception {
        // QAT is only worth its cost if the weights it trained through are the ones quantize packs later;
        // Q4_0 also checks the shape rule (it takes only rows of whole 32-blocks, so the 16-wide matrices stay FP32)
        for (QuantScheme scheme : List.of(QuantScheme.NF4_DQ, QuantScheme.Q4_0)) {
            Path out = tmp.resolve("qat-" + scheme.id());
            Result r = TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", scheme.id(),
                    "--out", out.toString());
            assertEquals(0, r.exitCode(), r.err());
            Set<String> stored = Manifest.read(out.resolve(Manifest.FILE)).quantization().tensors().keySet();
            SequenceClassifier model = Classifier.load(teacher).model();
            FakeQuantization fq = new FakeQuantization(model, FakeQuantization.packedBy(model.config(), scheme),
                    FakeQuantization.roundTrip(scheme));
            assertEquals(stored, Set.copyOf(fq.names()), scheme.id());
            assertTrue(stored.contains(WORDS) == (scheme == QuantScheme.NF4_DQ), scheme.id() + " on the 16-wide embeddings");
        }
    }

    @Test
    void aClassifierPredictsWithTheFakeQuantizedWeightsOnceApplied() throws Exception {
        // distill scores "student as <scheme>" this way after scoring the FP32 student: a stale snapshot
        // would report the FP32 figures under the quantized name
        Path out = tmp.resolve("fake-nf4dq");
        Result r = TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "nf4-dq", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Classifier c = Classifier.load(teacher);
        float[] fp32 = c.probabilities(texts);
        FakeQuantization fq = new FakeQuantization(c.model(), FakeQuantization.packedBy(c.config(), QuantScheme.NF4_DQ),
                FakeQuantization.roundTrip(QuantScheme.NF4_DQ));
        fq.apply();
        float[] fake = c.probabilities(texts);
        float[] quantized = Classifier.load(out).probabilities(texts);
        // the same decoded weights; the low-bit kernel may sum in another order than the FP32 GEMM
        dev.distillery.testing.Numerics.assertClose(quantized, fake, 1e-5, 1e-6, "fake-quantized vs quantized folder");
        assertFalse(java.util.Arrays.equals(fp32, fake), "applying fake quantization changes the predictions");
        fq.restore();
        assertArrayEquals(fp32, c.probabilities(texts), "restoring brings the FP32 predictions back");
    }

    @Test
    void nf4WithDoubleQuantizationWritesALoadableFolderAndItsReport() throws Exception {
        Path out = tmp.resolve("nf4dq");
        Result r = TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "nf4-dq",
                "--test", test.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("SQNR dB") && r.out().contains("total") && r.out().contains(INTER), r.out());
        for (String f : List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS, Checkpoint.VOCAB, Manifest.FILE,
                QuantizationResult.REPORT_MD, QuantizationResult.REPORT_JSON)) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        assertEquals(QuantScheme.NF4_DQ, m.quantization().scheme());
        assertEquals(QuantScheme.NF4_DQ, m.quantization().tensors().get(WORDS), "embeddings are quantized by default");
        assertTrue(m.quantization().skipped().contains("classifier.weight"));
        assertTrue(m.metrics().containsKey("test") && m.metrics().containsKey("fp32_test"));

        JsonNode report = JSON.readTree(out.resolve(QuantizationResult.REPORT_JSON).toFile());
        long after = report.at("/total/weight_bytes_after").asLong();
        long before = report.at("/total/weight_bytes_before").asLong();
        assertTrue(after < before / 2, "4-bit matrices: " + after + " of " + before);
        long onDisk = 0;
        try (var files = Files.list(out)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                onDisk += n.startsWith("quantization.") ? 0 : Files.size(f);
            }
        }
        assertEquals(onDisk, report.at("/total/folder_bytes_after").asLong(), "the report states the folder's final size");
        for (JsonNode layer : report.get("layers")) {
            if (layer.get("format").asText().equals("nf4-dq")) {
                assertTrue(layer.get("sqnr_db").asDouble() > 10, layer.toString());
                assertEquals(QuantScheme.NF4_DQ.sizeBytes(layer.at("/shape/0").asInt(), layer.at("/shape/1").asInt()),
                        layer.get("bytes_after").asLong());
            }
        }

        Classifier fp32 = Classifier.load(teacher);
        Classifier q = Classifier.load(out);
        assertTrue(q.isQuantized());
        IllegalStateException refused = assertThrows(IllegalStateException.class, q::model);
        assertTrue(refused.getMessage().contains("cannot be trained"), refused.getMessage());
        float[] p = fp32.probabilities(texts);
        float[] pq = q.probabilities(texts);
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            worst = Math.max(worst, Math.abs(p[i] - pq[i]));
        }
        // 4-bit weights move a tiny model's probabilities by a few hundredths; 0.15 means the packed
        // path computes the same network (a wrong nibble order or scale gives differences near 1)
        assertTrue(worst < 0.15, "largest probability difference " + worst);
        assertTrue(q.frozen().bytes() < fp32.frozen().bytes() / 2, "memory reflects the packed size");

        Result inspect = TeacherCommandsTest.run("inspect", out.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("Quantized    nf4-dq") && inspect.out().contains("bytes packed")
                && inspect.out().contains(INTER + ".quant_state.bitsandbytes__nf4"), inspect.out());

        Result evaluate = TeacherCommandsTest.run("evaluate", "--model", out.toString(), "--data", test.toString());
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        Result again = TeacherCommandsTest.run("quantize", "--model", out.toString(), "--scheme", "int8", "--out",
                tmp.resolve("twice").toString());
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("already quantized"), again.err());
        Result train = TeacherCommandsTest.run("train-teacher", "--model", out.toString(), "--train", test.toString(),
                "--out", tmp.resolve("retrained").toString());
        assertEquals(1, train.exitCode());
        assertTrue(train.err().contains("cannot be trained"), train.err());
    }

    @Test
    void theQuantizedModelGetsItsOwnTemperatureOrSaysWhoseItCarries() throws Exception {
        Manifest.Calibration fp32 = Manifest.read(teacher.resolve(Manifest.FILE)).calibration();
        // The FP32 teacher's temperature marked with a value no fit produces: a refit cannot land on
        // it, a copy would show it. (Comparing against the FP32 model's own fit instead would hinge on
        // one CPU's rounding: the tiny teacher separates the validation rows, so both fits can end on
        // the search range's lower bound, whatever logits they were given.)
        Path marked = markedTemperature(teacher, tmp.resolve("marked"), MARK);
        Path refit = tmp.resolve("refit");
        Result r = TeacherCommandsTest.run("quantize", "--model", marked.toString(), "--scheme", "nf4",
                "--validation", validation.toString(), "--out", refit.toString());
        assertEquals(0, r.exitCode(), r.err());
        Manifest.Calibration c = Manifest.read(refit.resolve(Manifest.FILE)).calibration();
        assertTrue(c.model().startsWith("this model (nf4)"), c.model());
        assertTrue(c.fittedOn().contains(validation.getFileName().toString()), c.fittedOn());
        assertEquals("nll", c.objective());
        assertNotEquals(MARK, c.fittedTemperature(), "not the FP32 model's temperature");
        assertNotEquals(MARK, c.temperature(), "nor applied as the FP32 model's");
        // the fit redone here on the saved quantized model's own logits: the same rows and code, so the same bits
        Classifier q = Classifier.load(refit);
        Dataset v = LabelledFile.read(validation, q, null, "label");
        Manifest.Calibration again = q.calibrated(v, "again", CalibrationObjective.NLL, null).manifest().calibration();
        assertEquals(again.fittedTemperature(), c.fittedTemperature(), 0, "fitted on the quantized logits");
        assertEquals(again.temperature(), c.temperature(), 0, "and the same guard verdict: " + c.guard());

        Path carried = tmp.resolve("carried");
        assertEquals(0, TeacherCommandsTest.run("quantize", "--model", marked.toString(), "--scheme", "int8",
                "--out", carried.toString()).exitCode());
        Manifest.Calibration k = Manifest.read(carried.resolve(Manifest.FILE)).calibration();
        assertEquals(MARK, k.temperature(), 0, "without validation data the FP32 temperature carries over");
        assertTrue(k.model().startsWith("carried over from the FP32 model " + marked.toAbsolutePath().normalize()),
                k.model());
        assertTrue(fp32.temperature() > 0, "the teacher was calibrated when trained");
    }

    /** A temperature the golden-section fit cannot return: its results are exp of interval midpoints. */
    private static final double MARK = 1.2345;

    /** A copy of the model folder whose manifest records {@code temperature} as applied and as fitted. */
    private static Path markedTemperature(Path model, Path copy, double temperature) throws Exception {
        Files.createDirectories(copy);
        try (var files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path manifest = copy.resolve(Manifest.FILE);
        com.fasterxml.jackson.databind.node.ObjectNode root =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(manifest.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode calibration =
                (com.fasterxml.jackson.databind.node.ObjectNode) root.get("calibration");
        calibration.put("temperature", temperature);
        calibration.put("fitted_temperature", temperature);
        JSON.writeValue(manifest.toFile(), root);
        return copy;
    }

    @Test
    void int8ChannelStaysCloseToFp32() throws Exception {
        Path out = tmp.resolve("int8");
        assertEquals(0, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "int8-channel",
                "--out", out.toString()).exitCode());
        float[] p = Classifier.load(teacher).probabilities(texts);
        float[] pq = Classifier.load(out).probabilities(texts);
        for (int i = 0; i < p.length; i++) {
            // 8-bit per-row weights: errors of about 1/254 of each row's range, a few thousandths in probability
            assertEquals(p[i], pq[i], 0.02, "probability " + i);
        }
    }

    @Test
    void ggmlSchemesLeaveNarrowRowsAndSkippedWeightsFp32() throws Exception {
        Path out = tmp.resolve("q4");
        Result r = TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "q4_0", "--skip",
                "embeddings", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        // hidden 16: only output.dense [16, 32] has rows of whole 32-blocks
        assertEquals(QuantScheme.Q4_0, m.quantization().tensors().get("bert.encoder.layer.0.output.dense.weight"));
        assertFalse(m.quantization().tensors().containsKey(INTER));
        assertTrue(m.quantization().skipped().contains(WORDS));
        assertTrue(r.out().contains("needs rows whose length is a multiple of 32"), r.out());
        try (SafetensorsFile st = SafetensorsFile.open(out.resolve(Checkpoint.WEIGHTS))) {
            assertEquals(DType.F32, st.info(WORDS).dtype());
            assertEquals(DType.U8, st.info("bert.encoder.layer.0.output.dense.weight.q4_0").dtype());
        }
        assertEquals(2, Classifier.load(out).predictBatch(texts.subList(0, 2)).size());
    }

    @Test
    void anF1BudgetIsMetOnValidation() throws Exception {
        Path out = tmp.resolve("mixed");
        Result r = TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "int8", "--max-f1-drop", "0",
                "--validation", validation.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode report = JSON.readTree(out.resolve(QuantizationResult.REPORT_JSON).toFile());
        assertTrue(report.at("/validation/f1_drop").asDouble() <= 0, report.get("validation").toString());
        Manifest m = Manifest.read(out.resolve(Manifest.FILE));
        assertEquals(0.0, m.quantization().maxF1Drop());
        for (String kept : m.quantization().keptForAccuracy()) {
            assertFalse(m.quantization().tensors().containsKey(kept), kept + " is kept FP32");
        }
        assertEquals(m.quantization().keptForAccuracy().isEmpty(), report.get("sensitivity").isEmpty(),
                "sensitivities are measured only when the fully quantized model misses the budget");
    }

    @Test
    void usageErrors() {
        Result unknown = TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "int3", "--out",
                tmp.resolve("x").toString());
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("nf4-dq"), unknown.err());
        assertEquals(2, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "nf4", "--train",
                test.toString(), "--out", tmp.resolve("y").toString()).exitCode());
        assertEquals(2, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "nf4", "--keep-as",
                "int5", "--out", tmp.resolve("z").toString()).exitCode());
        assertEquals(2, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "nf4",
                "--out", teacher.toString()).exitCode());
    }
}
