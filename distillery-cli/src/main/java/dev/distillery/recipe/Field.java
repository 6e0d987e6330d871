package dev.distillery.recipe;

import java.util.List;

/**
 * One recipe field: where it lives, what it holds, its default, its limits and the command-line
 * options it stands for. {@link RecipeSchema} lists them all; the reader, the documentation table and
 * the test that keeps recipes and commands in step all read this one list.
 *
 * @param section      top-level section ({@code student}), or empty for a top-level field
 * @param defaultValue value when the field is absent (a {@link Long}, {@link Double}, {@link Boolean},
 *                     {@link String} or {@link List}), or null for "not set"
 * @param min          smallest allowed value of a number (inclusive)
 * @param max          largest allowed value of a number (inclusive)
 * @param choices      allowed values of a {@link Kind#CHOICE} or each element of a {@link Kind#CHOICE_LIST}
 * @param cli          the options of other commands that this field replaces in a recipe
 */
public record Field(String section, String name, Kind kind, Object defaultValue, double min, double max,
                    List<String> choices, List<CliOption> cli, String doc) {

    /** What a field holds, and how the reader checks it. */
    public enum Kind {
        INTEGER("an integer"), NUMBER("a number"), BOOLEAN("true or false"), TEXT("a string"),
        CHOICE("one of the listed names"), CHOICE_LIST("a list of names"), TEXT_LIST("a list of strings"),
        /** An existing file; relative paths are resolved against the recipe's folder. */
        FILE("a path to an existing file"),
        /** An existing folder; relative paths are resolved against the recipe's folder. */
        FOLDER("a path to an existing folder"),
        /** A folder the run writes; it need not exist yet. */
        OUTPUT_FOLDER("a folder path"),
        /** {@code minilm} or an existing Hugging Face folder. */
        MODEL("'minilm' or a path to a Hugging Face folder");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }
    }

    /**
     * A command-line option this field stands for.
     *
     * @param inverted the option switches off what the field switches on ({@code --no-trim-vocab} and
     *                 {@code distillation.trim_vocabulary})
     */
    public record CliOption(String command, String option, boolean inverted) {
        @Override
        public String toString() {
            return command + " " + option;
        }
    }

    public Field {
        choices = List.copyOf(choices);
        cli = List.copyOf(cli);
    }

    static Field of(String section, String name, Kind kind, Object defaultValue) {
        return new Field(section, name, kind, defaultValue, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, List.of(),
                List.of(), "");
    }

    /** {@code section.name}, or just the name for a top-level field. */
    public String path() {
        return section.isEmpty() ? name : section + "." + name;
    }

    Field range(double lo, double hi) {
        return new Field(section, name, kind, defaultValue, lo, hi, choices, cli, doc);
    }

    Field choices(String... values) {
        return new Field(section, name, kind, defaultValue, min, max, List.of(values), cli, doc);
    }

    Field cli(String command, String option) {
        return withCli(new CliOption(command, option, false));
    }

    Field cliInverted(String command, String option) {
        return withCli(new CliOption(command, option, true));
    }

    private Field withCli(CliOption o) {
        List<CliOption> more = new java.util.ArrayList<>(cli);
        more.add(o);
        return new Field(section, name, kind, defaultValue, min, max, choices, more, doc);
    }

    Field doc(String text) {
        return new Field(section, name, kind, defaultValue, min, max, choices, cli, text);
    }

    /** What the reader expects, for error messages and the documentation: "an integer ≥ 0". */
    public String expected() {
        return switch (kind) {
            case INTEGER, NUMBER -> kind.expected + bounds();
            case CHOICE -> "one of " + String.join(", ", choices);
            case CHOICE_LIST -> "a list of " + String.join(", ", choices);
            default -> kind.expected;
        };
    }

    private String bounds() {
        boolean lo = min != Double.NEGATIVE_INFINITY;
        // the int range's end is a limit of the type, not a choice worth telling the user
        boolean hi = max != Double.POSITIVE_INFINITY && max != Integer.MAX_VALUE;
        if (lo && hi) {
            return " from " + number(min) + " to " + number(max);
        }
        return lo ? " ≥ " + number(min) : hi ? " ≤ " + number(max) : "";
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d)
                : java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
