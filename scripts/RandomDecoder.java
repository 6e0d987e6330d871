// A randomly initialised decoder folder of a given config.json, with the tokenizer files beside it:
// the "random SmolLM2-135M-shaped model" of docs/results/aqua-llm.md. Run with the CLI's classpath:
//   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector -cp "distillery-cli/target/distillery.jar:distillery-cli/target/lib/*" \
//       scripts/RandomDecoder.java ../shared/models/smollm2-135m-instruct runs/smollm2-random 42
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;

import java.nio.file.Path;

public class RandomDecoder {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: RandomDecoder CONFIG_AND_TOKENIZER_DIR OUT_DIR SEED");
            System.exit(2);
        }
        Path from = Path.of(args[0]);
        ModelConfig config = HfConfig.readAny(from.resolve("config.json"));
        CausalLanguageModel model = CausalLanguageModel.create(config, Long.parseLong(args[2]));
        DecoderCheckpoint.write(Path.of(args[1]), config, model.weights(), from, DType.F32);
        System.out.printf("wrote %s: %,d parameters%n", args[1], model.parameterCount());
    }
}
