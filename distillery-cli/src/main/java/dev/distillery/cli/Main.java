package dev.distillery.cli;

import dev.distillery.classify.BatchInference;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code distillery} command line: one subcommand class per command, each a thin shell over
 * the library. Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "distillery",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Distil, quantize and verify transformer security classifiers in pure Java.",
        subcommands = {CommandLine.HelpCommand.class, InspectCommand.class, EmbedCommand.class, BenchCommand.class,
                TrainTeacherCommand.class, EvaluateCommand.class, PredictCommand.class, DistillCommand.class,
                DemoCommand.class, RunCommand.class, QuantizeCommand.class, PruneCommand.class, CalibrateCommand.class,
                ReportCommand.class, AttackCommand.class, ServeCommand.class, LoadTestCommand.class, ExportOnnxCommand.class,
                GenerateCommand.class, BenchGenerateCommand.class, TokenizeCommand.class, FinetuneCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; used by tests instead of {@link #main}. */
    public static int run(String... args) {
        BatchInference.showProgressOn(System.err);
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrors());
        return cli.execute(args);
    }

    // Read by UserErrors from the parsed arguments; declared here so every subcommand accepts it.
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print its stack trace too.")
    boolean verbose;

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"distillery " + (version == null ? "dev" : version) + " on Java " + Runtime.version()};
        }
    }
}
