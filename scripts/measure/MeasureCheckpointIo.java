// Measures writing and reading a MiniLM-sized (22.7M parameters, ~90 MB F32) checkpoint folder.
// Usage, after ./mvnw -DskipTests package:
//   java -cp 'distillery-cli/target/lib/*' scripts/measure/MeasureCheckpointIo.java /tmp/minilm-sized
import dev.distillery.io.Checkpoint;
import dev.distillery.io.WeightNames;
import dev.distillery.model.EncoderConfig;
import dev.distillery.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

public class MeasureCheckpointIo {
    public static void main(String[] args) throws Exception {
        EncoderConfig c = new EncoderConfig("bert", 30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f, 0.1f,
                List.of("benign", "phishing"));
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Random random = new Random(1);
        WeightNames.expected(c).forEach((name, shape) -> {
            Tensor t = Tensor.zeros(shape);
            for (int i = 0; i < t.size(); i++) {
                t.data()[i] = (float) random.nextGaussian();
            }
            weights.put(name, t);
        });
        Path dir = Path.of(args[0]);
        long start = System.nanoTime();
        Checkpoint.write(dir, c, weights, null);
        System.out.printf("write: %.0f ms for %,d bytes%n", (System.nanoTime() - start) / 1e6,
                Files.size(dir.resolve(Checkpoint.WEIGHTS)));
        for (int rep = 0; rep < 5; rep++) {
            start = System.nanoTime();
            Checkpoint cp = Checkpoint.read(dir);
            System.out.printf("read %d: %.0f ms, %d tensors%n", rep, (System.nanoTime() - start) / 1e6, cp.weights().size());
        }
    }
}
