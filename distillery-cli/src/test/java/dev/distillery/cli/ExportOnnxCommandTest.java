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

/** export-onnx on a tiny trained BERT classifier: the file ONNX Runtime runs gives the classifier's own logits. */
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

    @Test
    void aQuantizedFolderIsRefusedWithTheReason() throws Exception {
        Path quantized = tmp.resolve("int8");
        assertEquals(0, TeacherCommandsTest.run("quantize", "--model", teacher.toString(), "--scheme", "int8", "--out",
                quantized.toString()).exitCode());
        Path file = tmp.resolve("q.onnx");
        Result r = TeacherCommandsTest.run("export-onnx", "--model", quantized.toString(), "--out", file.toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("is quantized (int8)") && r.err().contains("export the folder it was quantized from"),
                r.err());
        assertFalse(Files.exists(file));
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
