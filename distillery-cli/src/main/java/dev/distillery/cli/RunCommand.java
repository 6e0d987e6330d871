package dev.distillery.cli;

import dev.distillery.recipe.Recipe;
import dev.distillery.recipe.RecipeReader;
import dev.distillery.recipe.RecipeRun;
import dev.distillery.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code distillery run}: checks a recipe, then runs its steps with caching; see {@link dev.distillery.recipe.RecipeRun}. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {"Run a whole pipeline from a recipe (YAML or JSON): fine-tune the teacher, distil, quantize, verify, report.",
                "The recipe is checked in full before any work starts. Finished steps are cached by a hash of their inputs, "
                        + "so a rerun skips them and an interrupted run resumes."},
        footer = {"", "Example:", "  ./distillery run examples/recipe.yaml --out runs/mine",
                "  ./distillery demo --print-recipe > my-recipe.yaml   # a recipe to start from"})
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe file (.yaml, .yml or .json).")
    Path recipe;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder; overrides the recipe's outputs.dir.")
    Path out;

    @Option(names = "--check", description = "Only check the recipe and list the steps it would run, marking the cached ones.")
    boolean check;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Recipe r = RecipeReader.read(recipe);
        if (check) {
            Recipe checked = out == null ? r : r.withOutputDir(out);
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.println(recipe + ": recipe is valid");
            if (checked.path("outputs.dir") != null) {
                stdout.println("it would run, into " + checked.path("outputs.dir") + ":");
                new RecipeRun(checked, System.err, new TrainingListener() { }, "").describe().forEach(l -> stdout.println("  " + l));
            }
            stdout.flush();
            return 0;
        }
        return RecipeCommands.execute(r, out, spec);
    }
}
