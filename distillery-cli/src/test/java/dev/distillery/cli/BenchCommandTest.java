package dev.distillery.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.TinyTeacher;
import dev.distillery.data.LabelMap;
import dev.distillery.data.TextTransform;
import dev.distillery.kernel.Isa;
import dev.distillery.kernel.KernelProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Checks the report's shape only: the figures themselves are timings, which tests never judge. */
class BenchCommandTest {
    @Test
    void jsonReportCarriesBothEnginesAndTheirRatios() throws Exception {
        CommandLine cli = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        // Tiny shapes and a zero budget: the minimum rounds, to keep the test quick.
        int code = cli.execute("bench", "--model", "minilm", "--seconds", "0", "--batch-size", "2", "--length", "8",
                "--json");
        assertEquals(0, code);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        for (String key : List.of("distillerySeqPerSec", "ortSeqPerSec", "throughputRatio", "distilleryLatencyMs",
                "ortLatencyMs", "latencyRatio")) {
            assertTrue(report.get(key).isNumber() && report.get(key).asDouble() > 0, key + " in " + report);
        }
        assertEquals(report.get("distillerySeqPerSec").asDouble() / report.get("ortSeqPerSec").asDouble(),
                report.get("throughputRatio").asDouble(), 1e-9);
        assertEquals(report.get("distilleryLatencyMs").asDouble() / report.get("ortLatencyMs").asDouble(),
                report.get("latencyRatio").asDouble(), 1e-9);
        assertEquals(8, report.get("seqLen").asInt());
        assertEquals(2, report.get("batch").asInt());
        assertEquals(Isa.chosen().id(), report.get("isa").asText(), "what ran: " + report);
        assertEquals(KernelProvider.get().gemm().tile(), report.get("kernel").asText());
    }

    @Test
    void gemmReportTimesEveryFormatAgainstOnnxRuntimesMatMul() throws Exception {
        CommandLine cli = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("bench", "--gemm", "3x64x50", "--schemes", "fp32,q4_0,nf4-dq", "--seconds", "0", "--json");
        assertEquals(0, code);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertEquals("3x64x50", report.get("gemm").asText());
        assertEquals(Isa.chosen().id(), report.get("isa").asText());
        assertEquals(KernelProvider.get().gemm().tile(), report.get("kernel").asText());
        for (String key : List.of("distilleryGflops", "ortGflops", "gemmRatio")) {
            assertTrue(report.get(key).isNumber() && report.get(key).asDouble() > 0, key + " in " + report);
        }
        assertEquals(report.get("distilleryGflops").asDouble() / report.get("ortGflops").asDouble(),
                report.get("gemmRatio").asDouble(), 1e-9);
        for (String engine : List.of("fp32", "q4_0", "nf4-dq", "ORT")) {
            assertTrue(report.get("engines").get(engine).get("gflops").asDouble() > 0, engine + " in " + report);
        }
        // The first scheme is Distillery's figure in the ratio.
        assertEquals(report.get("engines").get("fp32").get("gflops").asDouble(), report.get("distilleryGflops").asDouble(), 0);
    }

    @Test
    void kernelsThatCannotBeChosenNowAreRefusedWithTheFlagThatWould() {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        // This JVM chose its kernels when they were first used; another set needs another JVM.
        String other = Isa.chosen() == Isa.SCALAR ? "avx2" : "scalar";
        int code = cli.execute("bench", "--kernels", other, "--gemm", "2x8x8", "--seconds", "0");
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().contains("-D" + Isa.PROPERTY + "=" + other), err.toString());
        assertEquals(2, cli.execute("bench", "--kernels", "gpu", "--gemm", "2x8x8"), "an unknown set is a usage error");
    }

    @Test
    void aCheckpointFolderIsTimedAgainstOnnxRuntimeOnItsExport(@TempDir Path tmp) throws Exception {
        Path folder = TinyTeacher.baseModel(tmp);
        CommandLine cli = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("bench", "--model", folder.toString(), "--seconds", "0", "--batch-size", "2", "--length",
                "8", "--json");
        assertEquals(0, code);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertTrue(report.get("ortSeqPerSec").isNumber() && report.get("latencyRatio").isNumber(), report.toString());
    }

    @Test
    void aQuantizedFolderIsTimedAgainstOnnxRuntimeOnItsOwnCodes(@TempDir Path tmp) throws Exception {
        Classifier classifier = Classifier.forFineTuning(TinyTeacher.baseModel(tmp.resolve("base")).toString(),
                LabelMap.of("benign", "phishing"), TextTransform.URL_NORMALIZE, 16, 1);
        Path fp32 = tmp.resolve("fp32");
        classifier.save(fp32, classifier.manifest());
        Path nf4 = tmp.resolve("nf4");
        assertEquals(0, TeacherCommandsTest.run("quantize", "--model", fp32.toString(), "--scheme", "nf4", "--out",
                nf4.toString()).exitCode());

        TeacherCommandsTest.Result r = TeacherCommandsTest.run("bench", "--model", nf4.toString(), "--seconds", "0",
                "--batch-size", "2", "--length", "8", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertTrue(report.get("model").asText().contains("(nf4; ONNX Runtime on the same codes and scales, fp32 activations)"),
                report.toString());
        assertTrue(report.get("ortSeqPerSec").isNumber() && report.get("latencyRatio").isNumber(), report.toString());

        TeacherCommandsTest.Result schemes = TeacherCommandsTest.run("bench", "--model", nf4.toString(), "--seconds", "0",
                "--length", "8", "--schemes", "q4_0");
        assertEquals(1, schemes.exitCode());
        assertTrue(schemes.err().contains("is already quantized (nf4)"), schemes.err());
    }
}
