package dev.distillery.train;

import dev.distillery.report.Progress;
import dev.distillery.report.Table;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Shows training on standard error: a progress bar per epoch (examples/s, ETA, running loss) and,
 * after each epoch, a table of all epochs so far.
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final List<EpochSummary> epochs = new ArrayList<>();
    private Progress bar;

    public ConsoleProgress() {
        this(System.err);
    }

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void epochStarted(int epoch, int totalEpochs, int batches, int firstBatch, int examples) {
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
        for (EpochSummary e : epochs) {
            t.row(e.epoch(), e.trainLoss(), e.validationLoss(), e.accuracy(), e.macroF1(), e.score(),
                    e.improved() ? "*" : "", e.optimizerSteps());
        }
        out.print(t.render());
        out.flush();
    }
}
