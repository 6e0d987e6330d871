package dev.distillery.cli;

import dev.distillery.recipe.Recipe;
import dev.distillery.recipe.RecipeRun;
import dev.distillery.train.ConsoleProgress;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** What run and demo share: run a checked recipe and print the summary and the report's path. */
final class RecipeCommands {
    private RecipeCommands() {
    }

    static int execute(Recipe recipe, Path out, CommandSpec spec) throws IOException {
        Recipe r = out == null ? recipe : recipe.withOutputDir(out);
        // originalArgs belong to the root command, so they start with the subcommand's name
        String command = "distillery " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        RecipeRun.Result result = new RecipeRun(r, System.err, new ConsoleProgress(System.err), command).run();
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println();
        stdout.print(result.table().render());
        if (result.report() != null) {
            stdout.println("report: " + result.report());
        }
        stdout.println("models: " + result.out().resolve(RecipeRun.MODELS));
        stdout.flush();
        return 0;
    }
}
