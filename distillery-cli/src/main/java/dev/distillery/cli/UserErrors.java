package dev.distillery.cli;

import dev.distillery.recipe.RecipeException;
import picocli.CommandLine;

/**
 * Turns an exception from a command into one sentence on stderr and exit code 1; the stack
 * trace only with {@code --verbose} or {@code -Ddistillery.verbose=true}. A recipe that fails its
 * checks is exit code 2, like a bad option: a recipe is the command line written down.
 */
final class UserErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        boolean verbose = Boolean.getBoolean("distillery.verbose") || parsed.expandedArgs().contains("--verbose");
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cli.getErr().println("error: " + message);
        if (verbose) {
            e.printStackTrace(cli.getErr());
        }
        return e instanceof RecipeException ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
    }
}
