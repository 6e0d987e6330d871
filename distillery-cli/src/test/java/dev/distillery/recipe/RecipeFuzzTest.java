package dev.distillery.recipe;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of recipes: the first byte picks the syntax (even: YAML, odd: JSON, so the seeds
 * start with '0' or '1'), the rest is the file. Any bytes give a checked recipe or a {@link RecipeException}
 * naming the file. Seeds: {@code RecipeFuzzTestInputs/recipeFile}.
 */
class RecipeFuzzTest {
    @FuzzTest
    void recipeFile(byte[] input) {
        if (input.length == 0) {
            return;
        }
        Path file = ParserContract.file((input[0] & 1) == 0 ? "recipe.yaml" : "recipe.json",
                Arrays.copyOfRange(input, 1, input.length));
        ParserContract.check(RecipeException.class, file, () -> RecipeReader.read(file));
    }
}
