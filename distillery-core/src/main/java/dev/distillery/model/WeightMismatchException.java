package dev.distillery.model;

import java.util.List;

/**
 * A weight map that does not fit a model: names it lacks, names it does not know, and tensors of
 * the wrong shape, all listed in one message so a checkpoint can be fixed in one go.
 */
public final class WeightMismatchException extends IllegalArgumentException {
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> wrongShape;

    public WeightMismatchException(String model, List<String> missing, List<String> unexpected, List<String> wrongShape) {
        super(message(model, missing, unexpected, wrongShape));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.wrongShape = List.copyOf(wrongShape);
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> wrongShape() {
        return wrongShape;
    }

    private static String message(String model, List<String> missing, List<String> unexpected, List<String> wrongShape) {
        StringBuilder sb = new StringBuilder("weights do not fit the " + model + ":");
        append(sb, "missing", missing);
        append(sb, "unexpected", unexpected);
        append(sb, "wrongly shaped", wrongShape);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String what, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        sb.append("\n  ").append(names.size()).append(' ').append(what).append(':');
        int shown = Math.min(names.size(), 20);
        for (int i = 0; i < shown; i++) {
            sb.append("\n    ").append(names.get(i));
        }
        if (shown < names.size()) {
            sb.append("\n    ... and ").append(names.size() - shown).append(" more");
        }
    }
}
