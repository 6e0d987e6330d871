package dev.distillery.verify;

import dev.distillery.data.ReadOptions;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Verification#run} measures.
 *
 * @param models      classifier folders to measure, in report order
 * @param teacher     the reference model for "what the student lost", also measured; null: the first of {@code models}
 * @param data        labelled test file (.csv, .tsv or .jsonl, optionally .gz)
 * @param textColumn  text column, or null for {@code url}, else {@code text}
 * @param labelColumn label column
 * @param probe       adversarial attack run on every model, or null for no robustness section
 * @param noProbeReason why there is no probe, shown in the report when {@code probe} is null
 * @param efficiency  how latency, throughput and heap are measured
 * @param maxListed   disagreements listed per direction in the report (all are counted)
 */
public record VerificationOptions(List<Path> models, Path teacher, Path data, String textColumn, String labelColumn,
                                  RobustnessProbe probe, String noProbeReason, EfficiencyOptions efficiency,
                                  int maxListed) {
    public VerificationOptions {
        models = List.copyOf(models);
        if (models.isEmpty() && teacher == null) {
            throw new IllegalArgumentException("give at least one model folder to verify");
        }
        if (data == null) {
            throw new IllegalArgumentException("give a labelled test file to verify on");
        }
        if (maxListed < 0) {
            throw new IllegalArgumentException("max listed disagreements must be >= 0, got " + maxListed);
        }
    }

    /** {@code models} on {@code data}: default columns, no teacher, no robustness, default efficiency runs, 25 listed. */
    public static VerificationOptions of(List<Path> models, Path data) {
        return new VerificationOptions(models, null, data, null, ReadOptions.DEFAULT_LABEL_COLUMN, null,
                "no attack was configured", EfficiencyOptions.defaults(), 25);
    }

    public VerificationOptions withTeacher(Path t) {
        return new VerificationOptions(models, t, data, textColumn, labelColumn, probe, noProbeReason, efficiency, maxListed);
    }

    public VerificationOptions withColumns(String text, String label) {
        return new VerificationOptions(models, teacher, data, text, label, probe, noProbeReason, efficiency, maxListed);
    }

    public VerificationOptions withProbe(RobustnessProbe p) {
        return new VerificationOptions(models, teacher, data, textColumn, labelColumn, p, null, efficiency, maxListed);
    }

    /** No attack; {@code reason} (e.g. "turned off with --no-robustness") is shown where the figures would be. */
    public VerificationOptions withoutRobustness(String reason) {
        return new VerificationOptions(models, teacher, data, textColumn, labelColumn, null, reason, efficiency, maxListed);
    }

    public VerificationOptions withEfficiency(EfficiencyOptions e) {
        return new VerificationOptions(models, teacher, data, textColumn, labelColumn, probe, noProbeReason, e, maxListed);
    }

    public VerificationOptions withMaxListed(int n) {
        return new VerificationOptions(models, teacher, data, textColumn, labelColumn, probe, noProbeReason, efficiency, n);
    }
}
