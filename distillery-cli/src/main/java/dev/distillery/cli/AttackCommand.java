package dev.distillery.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.data.BundledData;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.data.TextTransform;
import dev.distillery.io.HfConfig;
import dev.distillery.robust.AttackOptions;
import dev.distillery.robust.Robustness;
import dev.distillery.robust.RobustnessResult;
import dev.distillery.robust.Scorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code distillery attack}: the greedy black-box attack of {@link Robustness} on the phishing rows of a
 * labelled file, for one or more saved classifiers. Tables go to stdout; with {@code --json} the JSON
 * goes to stdout and the tables to stderr.
 */
@Command(name = "attack",
        mixinStandardHelpOptions = true,
        description = {"Attack saved URL classifiers with phishing-preserving edits (look-alike characters, brand subdomains,",
                "typosquats, path padding, user@host, ...) and report clean accuracy, robust accuracy, attack success rate",
                "and queries spent on the phishing rows of a labelled file."},
        footer = {"", "Example:",
                "  distillery attack --model models/teacher --model models/student \\",
                "      --limit 200 --budget 200"})
public final class AttackCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A classifier folder; repeat to compare models on the same URLs.")
    List<Path> models;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Labelled .csv, .tsv or .jsonl (optionally .gz). Default: the bundled phishing-urls test split.")
    Path data;

    @Option(names = "--budget", defaultValue = "200", paramLabel = "N",
            description = "Model queries per URL, the clean one included. Default: ${DEFAULT-VALUE}.")
    int budget;

    @Option(names = "--candidates", defaultValue = "16", paramLabel = "N",
            description = "Edited candidates scored per greedy step. Default: ${DEFAULT-VALUE}.")
    int candidates;

    @Option(names = "--max-edits", defaultValue = "10", paramLabel = "N",
            description = "Accepted edits per URL. Default: ${DEFAULT-VALUE}.")
    int maxEdits;

    @Option(names = "--limit", defaultValue = "200", paramLabel = "N",
            description = "Attack the first N phishing rows; 0 for all. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--examples", defaultValue = "5", paramLabel = "N",
            description = "Successful attacks to show per model. Default: ${DEFAULT-VALUE}.")
    int examples;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seeds the edits. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Write the results as JSON on stdout (tables on stderr).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (limit < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit must be 0 (all) or positive, not " + limit);
        }
        AttackOptions options = AttackOptions.defaults().withQueryBudget(budget).withCandidatesPerStep(candidates)
                .withMaxEdits(maxEdits).withSeed(seed);
        Map<String, RobustnessResult> results = new LinkedHashMap<>();
        for (Path dir : models) {
            Classifier classifier = Classifier.load(dir);
            List<String> urls = phishingUrls(classifier);
            results.put(dir.toString(), Robustness.evaluate(Scorer.of(classifier), urls, options));
        }
        StringBuilder tables = new StringBuilder(Robustness.table(results).render());
        results.forEach((name, r) -> {
            String shown = Robustness.examples(r, examples);
            if (!shown.isEmpty()) {
                tables.append(System.lineSeparator()).append("successful attacks on ").append(name).append(':')
                        .append(System.lineSeparator()).append(shown);
            }
        });
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            PrintWriter stderr = spec.commandLine().getErr();
            stderr.print(tables);
            stderr.flush();
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            ArrayNode list = root.putArray("models");
            results.forEach((name, r) -> list.addObject().put("model", name).setAll(r.toJson(examples)));
            stdout.println(HfConfig.pretty(root).strip());
        } else {
            stdout.print(tables);
        }
        stdout.flush();
        return 0;
    }

    /** The first {@code limit} phishing rows, as the model sees them. */
    private List<String> phishingUrls(Classifier classifier) {
        boolean bundled = data == null;
        Path file = bundled ? BundledData.phishingUrls().test() : data;
        // the bundled files are normalised already; anything else gets the model's transform while read
        TextTransform whileReading = bundled && classifier.transform() == BundledData.PHISHING_URLS_TRANSFORM
                ? TextTransform.NONE : classifier.transform();
        Dataset rows = Dataset.load(file, ReadOptions.defaults().withLabels(classifier.labels()).withTransform(whileReading));
        int positive = Evaluation.positiveClass(classifier.labels().names());
        if (positive < 0) {
            throw new IllegalArgumentException("the attack needs a binary model; " + classifier + " has labels "
                    + classifier.labels());
        }
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < rows.size() && (limit == 0 || urls.size() < limit); i++) {
            if (rows.label(i) == positive) {
                urls.add(rows.text(i));
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(file + " has no rows labelled " + classifier.labels().name(positive));
        }
        return urls;
    }
}
