package dev.distillery.cli;

import picocli.CommandLine;

/**
 * Turns an exception from a command into one sentence on stderr and exit code 1; the stack
 * trace only with {@code --verbose} or {@code -Ddistillery.verbose=true}.
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
        return 1;
    }
}
