package dev.distillery.cli;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.DataFile;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.eval.CalibrationObjective;
import dev.distillery.pipeline.LabelledFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distillery calibrate}: fits a softmax temperature on held-out data and rewrites the model's manifest
 * (atomically) so that predict, evaluate and serve apply it; the weights are not touched.
 */
@Command(name = "calibrate",
        mixinStandardHelpOptions = true,
        description = {"Fit temperature scaling on held-out labelled data and save it in the model's distillery.json.",
                "Accuracy and F1 do not change; probabilities do. The test metrics in the manifest are re-scored when a test file is known."},
        footer = {"", "Example:",
                "  distillery calibrate --model models/student \\",
                "      --data datasets/phishing-urls/validation.csv.gz"})
public final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A folder saved by train-teacher or distill.")
    Path model;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Held-out labelled file to fit on. Default: the validation file named in the manifest.")
    Path data;

    @Option(names = "--test", paramLabel = "FILE",
            description = "File to re-score the manifest's test metrics on. Default: the test file named in the manifest, if it still exists.")
    Path test;

    @Option(names = "--objective", defaultValue = "nll", paramLabel = "nll|ece",
            description = {"What the temperature minimises on the held-out rows: nll (Guo et al.) or ece (15 bins, searched on a grid).",
                    "Either way it is applied only if it lowers the held-out ECE at 15 and 10 bins beyond bootstrap noise,"
                            + " else T = 1 is kept. Default: ${DEFAULT-VALUE}."})
    String objective;

    @Option(names = "--text-column", paramLabel = "NAME", description = "Text column. Default: url, else text.")
    String textColumn;

    @Option(names = "--label-column", defaultValue = ReadOptions.DEFAULT_LABEL_COLUMN, paramLabel = "NAME",
            description = "Label column. Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        CalibrationObjective chosen;
        try {
            chosen = CalibrationObjective.fromId(objective);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--objective: " + e.getMessage());
        }
        Classifier loaded = Classifier.load(model);
        Path fitFile = data != null ? data : recorded(loaded.manifest(), "validation");
        if (fitFile == null) {
            throw new NoSuchFileException(model.resolve(Manifest.FILE).toString(), null,
                    "the manifest names no validation file that still exists; give one with --data");
        }
        Dataset heldOut = LabelledFile.read(fitFile, loaded, textColumn, labelColumn);
        Classifier calibrated = loaded.calibrated(heldOut, (data != null ? "file: " : "validation: ")
                + fitFile.toAbsolutePath().normalize() + " (" + heldOut.size() + " rows)", chosen, null);
        Manifest manifest = calibrated.manifest();
        Path testFile = test != null ? test : recorded(loaded.manifest(), "test");
        Evaluation scored = null;
        if (testFile != null) {
            scored = Evaluation.of(calibrated, LabelledFile.read(testFile, loaded, textColumn, labelColumn));
            manifest = manifest.withMetrics("test", scored.summary());
        }
        manifest.write(model.resolve(Manifest.FILE));

        Manifest.Calibration c = manifest.calibration();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "temperature %.4f fitted on %s%n  on that data: ECE %.4f -> %.4f, NLL %.4f -> %.4f%n  %s%n",
                c.temperature(), c.fittedOn(), c.eceBefore(), c.eceAfter(), c.nllBefore(), c.nllAfter(), c.guard());
        if (scored != null) {
            out.printf(Locale.ROOT, "  test (%s): ECE %.4f, Brier %.4f (re-scored into the manifest)%n", testFile,
                    scored.calibration().ece(), scored.calibration().brier());
        }
        out.printf("rewrote %s%n", model.resolve(Manifest.FILE));
        out.flush();
        return 0;
    }

    /** The file of {@code role} in the manifest's provenance when it still exists, else null. */
    private static Path recorded(Manifest m, String role) {
        if (m.provenance() == null) {
            return null;
        }
        for (DataFile f : m.provenance().data()) {
            if (f.role().equals(role) && Files.isRegularFile(Path.of(f.path()))) {
                return Path.of(f.path());
            }
        }
        return null;
    }
}
