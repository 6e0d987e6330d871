package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.TextTransform;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizationInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional quantization object of the manifest: written, read back, absent in older manifests. */
class ManifestQuantizationTest {
    @TempDir
    Path tmp;

    @Test
    void quantizationRoundTripsAndOldManifestsStillLoad() throws IOException {
        Manifest plain = Manifest.of(List.of("benign", "phishing"), TextTransform.NONE, 32);
        plain.write(tmp.resolve("plain.json"));
        Manifest readPlain = Manifest.read(tmp.resolve("plain.json"));
        assertNull(readPlain.quantization());
        assertFalse(readPlain.isQuantized());
        assertFalse(Files.readString(tmp.resolve("plain.json")).contains("quantization"));

        QuantizationInfo info = new QuantizationInfo(QuantScheme.NF4_DQ,
                Map.of("bert.encoder.layer.0.output.dense.weight", QuantScheme.NF4_DQ,
                        "bert.encoder.layer.0.intermediate.dense.weight", QuantScheme.INT8_CHANNEL),
                List.of("classifier.weight"), List.of("bert.encoder.layer.0.intermediate.dense.weight"), 0.005);
        plain.withQuantization(info).write(tmp.resolve("q.json"));
        Manifest back = Manifest.read(tmp.resolve("q.json"));
        assertTrue(back.isQuantized());
        assertEquals(info, back.quantization());
    }

    @Test
    void aBadSchemeNamesTheField() throws IOException {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, "{\"format\": \"distillery-classifier\", \"format_version\": 1, \"labels\": [\"a\", \"b\"],"
                + " \"text_transform\": \"none\", \"max_length\": 16, \"metrics\": {},"
                + " \"quantization\": {\"layout_version\": 1, \"scheme\": \"nf4\", \"tensors\": {\"x.weight\": \"int3\"}}}");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Manifest.read(f));
        assertTrue(e.getMessage().contains("tensors.x.weight") && e.getMessage().contains("int3"), e.getMessage());
    }
}
