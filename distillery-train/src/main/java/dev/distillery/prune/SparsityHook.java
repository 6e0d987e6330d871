package dev.distillery.prune;

import dev.distillery.model.SequenceClassifier;
import dev.distillery.train.TrainingListener;

/**
 * Keeps a model sparse while it trains: after every optimizer step it re-applies the current
 * magnitude masks (AdamW would otherwise regrow pruned weights) and, on the steps the schedule
 * says, recomputes them at the schedule's sparsity. Weights pruned earlier are zero, hence the
 * smallest, so masks only grow. Attach it as (part of) the trainer's listener.
 */
public final class SparsityHook implements TrainingListener {
    private final SequenceClassifier model;
    private final CubicSparsitySchedule schedule;
    private final SparsityScope scope;
    private SparsityMasks masks;

    public SparsityHook(SequenceClassifier model, CubicSparsitySchedule schedule, SparsityScope scope) {
        this.model = model;
        this.schedule = schedule;
        this.scope = scope;
        this.masks = SparsityMasks.magnitude(model, schedule.at(0), scope);
        masks.apply(model);
    }

    @Override
    public void stepDone(long step, double learningRate, float gradNorm) {
        if (schedule.updatesAt(step)) {
            masks = SparsityMasks.magnitude(model, schedule.at(step), scope);
        }
        masks.apply(model);
    }

    /** The masks last applied. */
    public SparsityMasks masks() {
        return masks;
    }
}
