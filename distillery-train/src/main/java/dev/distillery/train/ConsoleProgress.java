package dev.distillery.train;

import dev.distillery.report.Progress;
import dev.distillery.report.Table;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Shows training on standard error: a progress bar per epoch (examples/s, ETA, running loss) and,
 * after each epoch, a table of all epochs so far. One instance may follow several trainings in turn
 * (a recipe's teacher, then its student): each table holds the current training's epochs only.
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final List<EpochSummary> epochs = new ArrayList<>();
    private Progress bar;
    private String referenceName; // null until a reference is given
    private EpochSummary reference;

    public ConsoleProgress() {
        this(System.err);
    }

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void reference(String name, EpochSummary scores) {
        epochs.clear(); // a reference is given as a training starts
        referenceName = name;
        reference = scores;
        out.printf(Locale.ROOT, "%s on validation: loss %.4f, accuracy %.4f, macro F1 %.4f, score %.4f%n", name,
                scores.validationLoss(), scores.accuracy(), scores.macroF1(), scores.score());
        out.flush();
    }

    @Override
    public void epochStarted(int epoch, int totalEpochs, int batches, int firstBatch, int examples) {
        if (epoch == 1 && !epochs.isEmpty()) {
            // another training, without a reference of its own
            epochs.clear();
            referenceName = null;
            reference = null;
        }
        String label = String.format(Locale.ROOT, "epoch %d/%d", epoch, totalEpochs);
        if (firstBatch > 0) {
            label += " (resumed at batch " + firstBatch + ")";
        }
        bar = Progress.on(out, label, examples, "ex");
        if (firstBatch > 0) {
            // count the examples already done before the interruption without crediting them to the rate
            bar.skip((long) examples * firstBatch / batches);
        }
    }

    @Override
    public void batchDone(int epoch, int batch, int examples, float loss) {
        bar.advance(examples, loss);
    }

    @Override
    public void epochDone(EpochSummary s) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        epochs.add(s);
        Table t = new Table("epoch", "train loss", "val loss", "accuracy", "macro F1", "score", "best", "steps");
        if (reference != null) {
            t.row(referenceName, "", reference.validationLoss(), reference.accuracy(), reference.macroF1(), reference.score(),
                    "", "");
        }
        for (EpochSummary e : epochs) {
            t.row(e.epoch(), e.trainLoss(), e.validationLoss(), e.accuracy(), e.macroF1(), e.score(),
                    e.improved() ? "*" : "", e.optimizerSteps());
        }
        out.print(t.render());
        out.flush();
    }
}
