package dev.distillery.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.data.TextTransform;
import dev.distillery.kernel.Isa;
import dev.distillery.kernel.KernelProvider;
import dev.distillery.io.CheckpointFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryField() throws Exception {
        Path data = dir.resolve("train.csv");
        Files.writeString(data, "url,label\na.com,0\n");
        Map<String, String> options = new LinkedHashMap<>();
        options.put("epochs", "3");
        options.put("learning_rate", "5.0E-5");
        Map<String, Double> test = new LinkedHashMap<>();
        test.put("accuracy", 0.875);
        test.put("roc_auc", Double.NaN);
        Manifest m = Manifest.of(List.of("0", "1"), TextTransform.URL_NORMALIZE, 48)
                .withProvenance(Provenance.ofThisPlatform("distillery train-teacher --out x", List.of(DataFile.of("train", data)),
                        options, 7))
                .withMetrics("test", test);
        Path file = dir.resolve(Manifest.FILE);
        m.write(file);

        Manifest back = Manifest.read(file);

        // NaN is written as null and read back as NaN; Double.equals treats NaN as equal to itself
        assertEquals(m, back);
        assertEquals(TextTransform.URL_NORMALIZE, back.transform());
        DataFile f = back.provenance().data().getFirst();
        assertEquals(Files.size(data), f.sizeBytes());
        // SHA-256 of "url,label\na.com,0\n", from sha256sum
        assertEquals("4bec9fe3728be5b7ca367a5dbc0f10106aa643af1601635d7d4b7b4eee2a77c3", f.sha256());
        // The instruction set and micro-kernel that trained it: they move the low bits of the weights.
        assertTrue(back.provenance().cpu().endsWith("kernels " + KernelProvider.describe()), back.provenance().cpu());
        assertTrue(back.provenance().cpu().contains(Isa.chosen().id() + " (fp32 tile "), back.provenance().cpu());
    }

    @Test
    void calibrationRoundTripsAndIsOptional() throws Exception {
        Path file = dir.resolve(Manifest.FILE);
        Manifest plain = Manifest.of(List.of("0", "1"), TextTransform.NONE, 16);
        Manifest.Calibration k = new Manifest.Calibration(1.7320508075688772, "validation: v.csv (10 rows)", 10, 0.12,
                0.03, 0.41, 0.33);
        plain.withCalibration(k).write(file);
        Manifest back = Manifest.read(file);
        // Jackson writes doubles in their shortest round-tripping form, so the temperature comes back exactly
        assertEquals(k, back.calibration());
        assertEquals(1.7320508075688772, back.temperature(), 0);

        // a guarded fit that was rejected: T = 1 applied, the fitted one and the verdict kept for the reader
        Manifest.Calibration rejected = new Manifest.Calibration(1, "validation: v.csv (10 rows)", 10, 0.03, 0.03, 0.3,
                0.3, "this model (int8)", "ece", 1.14, "rejected, T = 1 kept: ...");
        plain.withCalibration(rejected).write(file);
        assertEquals(rejected, Manifest.read(file).calibration());
        assertEquals(1, Manifest.read(file).temperature(), 0);

        // a calibration block written before the guard existed: an NLL fit applied as found, model unnamed
        Files.writeString(file, "{\"format\": \"distillery-classifier\", \"format_version\": 1, \"labels\": [\"a\", \"b\"],"
                + " \"text_transform\": \"none\", \"max_length\": 8, \"calibration\": {\"temperature\": 1.5}}");
        Manifest.Calibration before = Manifest.read(file).calibration();
        assertEquals("nll", before.objective());
        assertEquals(1.5, before.fittedTemperature(), 0);
        assertEquals("", before.model());

        // a manifest written before calibration existed has no "calibration" field and predicts with T = 1
        Files.writeString(file, "{\"format\": \"distillery-classifier\", \"format_version\": 1, \"labels\": [\"a\", \"b\"],"
                + " \"text_transform\": \"none\", \"max_length\": 8, \"metrics\": {}}");
        Manifest old = Manifest.read(file);
        assertEquals(null, old.calibration());
        assertEquals(1, old.temperature(), 0);

        Files.writeString(file, "{\"format\": \"distillery-classifier\", \"format_version\": 1, \"labels\": [\"a\", \"b\"],"
                + " \"text_transform\": \"none\", \"max_length\": 8, \"calibration\": {\"temperature\": -1}}");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Manifest.read(file));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    }

    @Test
    void refusesOtherVersionsAndBrokenFiles() throws Exception {
        Path file = dir.resolve(Manifest.FILE);
        Files.writeString(file, "{\"format\": \"distillery-classifier\", \"format_version\": 2, \"labels\": [\"a\"],"
                + " \"text_transform\": \"none\", \"max_length\": 8}");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Manifest.read(file));
        assertTrue(e.getMessage().contains("format_version 2"), e.getMessage());

        Files.writeString(file, "{\"format\": \"distillery-classifier\", \"format_version\": 1, \"labels\": [\"a\"],"
                + " \"text_transform\": \"rot13\", \"max_length\": 8}");
        e = assertThrows(CheckpointFormatException.class, () -> Manifest.read(file));
        assertTrue(e.getMessage().contains("rot13"), e.getMessage());

        Files.writeString(file, "{\"format\": ");
        e = assertThrows(CheckpointFormatException.class, () -> Manifest.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }
}
