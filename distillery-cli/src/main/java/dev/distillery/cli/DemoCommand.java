package dev.distillery.cli;

import dev.distillery.recipe.RecipeReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code distillery demo}: the bundled recipe, on the bundled phishing URLs and MiniLM. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {"Run the bundled demo recipe: fine-tune MiniLM on the bundled phishing URLs (cached after the first run), "
                + "distil a student, quantize it to INT8 and NF4, verify every model and write the report.",
                "The same as 'distillery run' on the recipe that --print-recipe shows."},
        footer = {"", "Example:", "  ./distillery demo --out distillery-demo",
                "  ./distillery demo --print-recipe > my-recipe.yaml"})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "distillery-demo", paramLabel = "DIR",
            description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--print-recipe", description = "Print the demo recipe (to adapt it) and exit.")
    boolean printRecipe;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (printRecipe) {
            try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(RecipeReader.DEMO_RESOURCE)) {
                spec.commandLine().getOut().print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
        return RecipeCommands.execute(RecipeReader.demo(), out, spec);
    }
}
