package dev.distillery.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.cli.Main;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Keeps recipes and the command line in step: every option of the pipeline commands has a recipe
 * field (or is one the run decides itself), every mapping names a real option, and defaults agree.
 * docs/recipes.md's reference of the fields is generated from the schema (DocsAreCurrentTest).
 */
class RecipeCoversCommandsTest {
    /** Commands whose work a recipe step does; a new one in Main must be mapped before this passes. */
    private static final List<String> PIPELINE = List.of("train-teacher", "distill", "quantize", "prune", "report");

    private static final CommandLine ROOT = new CommandLine(new Main());

    @Test
    void everyPipelineCommandInMainIsCovered() {
        for (String name : PIPELINE) {
            assertEquals(ROOT.getSubcommands().containsKey(name), RecipeSchema.COMMANDS.contains(name),
                    name + ": registered in Main and covered by recipes must agree");
        }
        assertTrue(RecipeSchema.COMMANDS.containsAll(List.of("train-teacher", "distill")));
    }

    @Test
    void everyOptionHasARecipeField() {
        List<String> missing = new ArrayList<>();
        for (String command : RecipeSchema.COMMANDS) {
            for (OptionSpec o : ROOT.getSubcommands().get(command).getCommandSpec().options()) {
                String name = o.longestName();
                boolean mapped = RecipeSchema.fields().stream()
                        .anyMatch(f -> f.cli().stream().anyMatch(c -> c.command().equals(command) && c.option().equals(name)));
                if (!mapped && !RecipeSchema.implicit(command, name)) {
                    missing.add(command + " " + name);
                }
            }
        }
        assertEquals(List.of(), missing, "options without a recipe field");
    }

    @Test
    void everyMappingNamesARealOptionWithTheSameDefault() {
        for (Field f : RecipeSchema.fields()) {
            for (Field.CliOption c : f.cli()) {
                CommandLine cmd = ROOT.getSubcommands().get(c.command());
                assertNotNull(cmd, f.path() + " maps to the unknown command " + c.command());
                OptionSpec o = cmd.getCommandSpec().findOption(c.option());
                assertNotNull(o, f.path() + " maps to " + c + ", which does not exist");
                // an option without a default (required, or null meaning "not given") leaves the field's free
                if (o.defaultValue() != null || f.kind() == Field.Kind.BOOLEAN) {
                    assertEquals(expectedDefault(f, o, c.inverted()), f.defaultValue(), f.path() + " against " + c);
                }
            }
        }
    }

    /** The option's default as the field's value type; a flag is false unless given. */
    private static Object expectedDefault(Field f, OptionSpec o, boolean inverted) {
        String d = o.defaultValue();
        return switch (f.kind()) {
            case BOOLEAN -> inverted == (d == null || !Boolean.parseBoolean(d));
            case INTEGER -> d == null ? null : Long.parseLong(d);
            case NUMBER -> d == null ? null : Double.parseDouble(d);
            case CHOICE_LIST -> d == null ? null : List.of(d.split(","));
            default -> d;
        };
    }
}
