package dev.distillery.cli;

import dev.distillery.data.ReadOptions;
import dev.distillery.robust.AttackOptions;
import dev.distillery.verify.EfficiencyOptions;
import dev.distillery.verify.ReportWriter;
import dev.distillery.verify.UrlAttack;
import dev.distillery.verify.Verification;
import dev.distillery.verify.VerificationOptions;
import dev.distillery.verify.VerificationResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code distillery report}: measures saved models on a labelled test file and writes report.html, summary.md and
 * summary.json; see {@link Verification} and {@link ReportWriter}.
 */
@Command(name = "report",
        mixinStandardHelpOptions = true,
        description = {"Measure models on a labelled test file (metrics, calibration, what the student lost against the teacher,",
                "latency, throughput, heap, adversarial robustness) and write report.html, summary.md and summary.json."},
        footer = {"", "Example:", "  ./distillery report --teacher models/teacher --models models/student \\",
                "      --data datasets/phishing-urls/test.csv.gz --out report/"})
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--models", required = true, arity = "1..*", paramLabel = "DIR", description = "Classifier folders to measure.")
    List<Path> models;

    @Option(names = "--teacher", paramLabel = "DIR",
            description = "Reference model the others are compared with (also measured). Default: the first of --models.")
    Path teacher;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled test file (.csv, .tsv or .jsonl, optionally .gz).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for report.html, summary.md and summary.json.")
    Path out;

    @Option(names = "--text-column", paramLabel = "NAME", description = "Text column. Default: url, else text.")
    String textColumn;

    @Option(names = "--label-column", defaultValue = ReadOptions.DEFAULT_LABEL_COLUMN, paramLabel = "NAME",
            description = "Label column. Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Option(names = "--no-robustness", description = "Skip the adversarial attack (the slowest part).")
    boolean noRobustness;

    @Option(names = "--attack-rows", defaultValue = "100", paramLabel = "N",
            description = "Phishing rows to attack per model (the first ones of the file); 0 for all. Default: ${DEFAULT-VALUE}.")
    int attackRows;

    @Option(names = "--attack-budget", defaultValue = "100", paramLabel = "N",
            description = "Model queries per attacked URL, the clean one included. Default: ${DEFAULT-VALUE}.")
    int attackBudget;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seeds the attack's edits. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--no-timing", description = "Skip latency, throughput and heap; report size and parameters only.")
    boolean noTiming;

    @Option(names = "--latency-runs", defaultValue = "200", paramLabel = "N",
            description = "Timed single-text predictions per model. Default: ${DEFAULT-VALUE}.")
    int latencyRuns;

    @Option(names = "--list", defaultValue = "25", paramLabel = "N",
            description = "Disagreements listed per direction (all are counted). Default: ${DEFAULT-VALUE}.")
    int listed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        EfficiencyOptions d = EfficiencyOptions.defaults();
        EfficiencyOptions efficiency = noTiming ? EfficiencyOptions.sizeOnly()
                : new EfficiencyOptions(true, d.warmupRuns(), latencyRuns, d.throughputBatches(), d.batchSize());
        VerificationOptions options = VerificationOptions.of(models, data).withTeacher(teacher)
                .withColumns(textColumn, labelColumn).withEfficiency(efficiency).withMaxListed(listed);
        options = noRobustness ? options.withoutRobustness("turned off with --no-robustness")
                : options.withProbe(new UrlAttack(AttackOptions.defaults().withQueryBudget(attackBudget).withSeed(seed), attackRows));
        VerificationResult r = Verification.run(options, System.err);
        ReportWriter.write(r, out);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(ReportWriter.table(r).render());
        stdout.printf("wrote %s, %s and %s in %s%n", ReportWriter.HTML, ReportWriter.MARKDOWN, ReportWriter.JSON, out);
        stdout.flush();
        return 0;
    }
}
