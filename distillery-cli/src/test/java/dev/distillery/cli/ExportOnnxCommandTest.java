package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.cli.TeacherCommandsTest.Result;
import dev.distillery.model.EncoderInput;
import dev.distillery.testing.Numerics;
import dev.distillery.testing.OnnxRuntimeRun;
import dev.distillery.tokenize.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * export-onnx on a tiny trained BERT classifier and its quantized folders: the file ONNX Runtime runs gives the
 * classifier's own logits.
 */
class ExportOnnxCommandTest {
    @TempDir
    static Path shared;
    static Path teacher;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainATinyTeacher() throws Exception {
        Path base = TinyTeacher.baseModel(shared.resolve("base"));
        Path train = TinyTeacher.urls(shared.resolve("train.csv"), 32, 1);
        Path validation = TinyTeacher.urls(shared.resolve("validation.csv"), 16, 2);
        teacher = shared.resolve("teacher");
        Result r = TeacherCommandsTest.run("train-teacher", "--model", base.toString(), "--train", train.toString(),
                "--validation", validation.toString(), "--normalize-urls", "--epochs", "1", "--batch-size", "8",
                "--max-length", "24", "--seed", "5", "--out", teacher.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void onnxRuntimeGivesTheClassifiersLogits() throws Exception {
        Path file = tmp.resolve("teacher.onnx");
        Result r = TeacherCommandsTest.run("export-onnx", "--model", teacher.toString(), "--out", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("logits [batch, 2] in label order [benign, phishing]"), r.out());
        assertTrue(r.out().contains("token_type_ids"), r.out());
        assertTrue(r.out().contains("before: texts through url-normalize, cut to 24 tokens"), r.out());
        assertTrue(r.out().contains("after:  probabilities = softmax(logits / "), r.out());

        Classifier classifier = Classifier.load(teacher);
        List<String> prepared = List.of("paypal.com/login", "news.example.org", "secure-bank.net/verify?id=7");
        Batch b = classifier.tokenizer().encodeBatch(prepared, classifier.maxLength());
        EncoderInput input = new EncoderInput(b.batch(), b.seqLen(), b.ids(), b.typeIds(), b.mask());
        Map<String, float[]> outputs = OnnxRuntimeRun.outputs(Files.readAllBytes(file), input);
        Numerics.assertClose(classifier.logitsOfPrepared(prepared), outputs.get("logits"), 1e-4, 1e-5,
                "logits from ONNX Runtime on the exported file");
    }

    @Test
    void encoderOnlyLeavesTheHeadOut() throws Exception {
        Path file = tmp.resolve("encoder.onnx");
        Result r = TeacherCommandsTest.run("export-onnx", "--model", teacher.toString(), "--out", file.toString(),
                "--encoder-only");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().contains("logits"), r.out());
        Batch b = Classifier.load(teacher).tokenizer().encodeBatch(List.of("a.com"), 8);
        EncoderInput input = new EncoderInput(b.batch(), b.seqLen(), b.ids(), b.typeIds(), b.mask());
        assertEquals(List.of("last_hidden_state"),
                List.copyOf(OnnxRuntimeRun.outputs(Files.readAllBytes(file), input).keySet()));
    }

    /**
     * Every scheme of {@code quantize}, then export-onnx: ONNX Runtime on the file gives the quantized folder's own
     * logits. The weights are the folder's bit for bit (QuantizedOnnxOpsTest), so only summation order differs:
     * the FP32 export's tolerance.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "int8-channel", "q8_0", "q4_0", "nf4", "nf4-dq"})
    void aQuantizedFolderExportsItsOwnCodesAndLogits(String scheme) throws Exception {
        Path quantized = tmp.resolve(scheme);
        assertEquals(0, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", scheme, "--out",
                quantized.toString()).exitCode());
        Path file = tmp.resolve(scheme + ".onnx");
        Result r = TeacherCommandsTest.run("export-onnx", "--model", quantized.toString(), "--out", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        String operator = switch (scheme) {
            case "q4_0" -> "com.microsoft.MatMulNBits (bits 4, block_size 32, accuracy level 0)";
            case "nf4", "nf4-dq" -> "com.microsoft.MatMulBnb4 (NF4, block_size 64)";
            case "q8_0" -> "DequantizeLinear with block_size 32 (opset 21) → MatMul";
            default -> "DequantizeLinear → MatMul";
        };
        assertTrue(r.out().contains(" " + scheme + " weights (the folder's codes and scales): " + operator), r.out());

        Classifier classifier = Classifier.load(quantized);
        List<String> prepared = List.of("paypal.com/login", "news.example.org", "secure-bank.net/verify?id=7");
        Map<String, float[]> outputs = OnnxRuntimeRun.outputs(Files.readAllBytes(file), input(classifier, prepared));
        Numerics.assertClose(classifier.logitsOfPrepared(prepared), outputs.get("logits"), 1e-4, 1e-5,
                scheme + " logits from ONNX Runtime on the exported file");
    }

    @Test
    void int8ActivationsAreSaidAndAnUnknownValueIsAUsageError() throws Exception {
        Path quantized = tmp.resolve("int8-channel");
        assertEquals(0, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "int8-channel",
                "--out", quantized.toString()).exitCode());
        Path file = tmp.resolve("dynamic.onnx");
        Result r = TeacherCommandsTest.run("export-onnx", "--model", quantized.toString(), "--activations", "int8",
                "--out", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("DynamicQuantizeLinear → MatMulInteger") && r.out().contains("int8 activations: "),
                r.out());
        Result bad = TeacherCommandsTest.run("export-onnx", "--model", quantized.toString(), "--activations", "int4",
                "--out", tmp.resolve("bad.onnx").toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("unknown activation precision 'int4'; expected one of [fp32, int8]"), bad.err());
    }

    private static EncoderInput input(Classifier classifier, List<String> prepared) {
        Batch b = classifier.tokenizer().encodeBatch(prepared, classifier.maxLength());
        return new EncoderInput(b.batch(), b.seqLen(), b.ids(), b.typeIds(), b.mask());
    }

    @Test
    void aMissingFolderIsNamed() {
        Result r = TeacherCommandsTest.run("export-onnx", "--model", tmp.resolve("nowhere").toString(), "--out",
                tmp.resolve("x.onnx").toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("nowhere") && r.err().contains("expected 'minilm' or a Hugging Face checkpoint folder"),
                r.err());
    }
}
