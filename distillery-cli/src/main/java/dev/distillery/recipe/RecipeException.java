package dev.distillery.recipe;

import dev.distillery.tokenize.Printable;

/**
 * A recipe that cannot run as written: an unknown field, a value of the wrong type or out of range,
 * a missing file, or fields that contradict each other. The message names the recipe file and the
 * field path ({@code student.layers}), so it reads as one sentence the user can act on; values quoted from
 * the recipe are escaped so that it stays one line.
 */
public final class RecipeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public RecipeException(String source, String field, String problem) {
        super(Printable.oneLine((source == null ? "" : source + ": ") + (field == null || field.isEmpty() ? "" : field + ": ")
                + problem));
        this.field = field;
    }

    /** Dotted path of the offending field ({@code student.layers}), or empty for the recipe as a whole. */
    public String field() {
        return field == null ? "" : field;
    }
}
