// Experiment only (not product code): distill --adversarial with balancing off (benignPerAdversarial = 0),
// otherwise the options of `distill --teacher /work/artifacts/teacher --student-layers 3
// --max-train-rows 2000 --epochs 1 --adversarial --adversarial-urls 150 --adversarial-budget 60`.
// Run from the repository root after a build (JDK 25, single-file source launch):
//   java --add-modules jdk.incubator.vector -cp "distillery-cli/target/distillery.jar:distillery-cli/target/lib/*" \
//       scripts/measure/UnbalancedAdversarial.java /tmp/b-unbalanced
import dev.distillery.distill.DistillOptions;
import dev.distillery.pipeline.Distillation;
import dev.distillery.pipeline.DistillationOptions;
import dev.distillery.robust.AdversarialAugmentation;
import dev.distillery.robust.AttackOptions;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.TrainOptions;
import java.nio.file.Path;

public class UnbalancedAdversarial {
    public static void main(String[] args) throws Exception {
        TrainOptions training = TrainOptions.defaults().withEpochs(1).withBatchSize(32).withLearningRate(1e-4).withSeed(42)
                .withCheckpointEverySteps(100);
        DistillOptions distill = DistillOptions.defaults().withTrain(training);
        AdversarialAugmentation a = new AdversarialAugmentation(150, AttackOptions.defaults().withQueryBudget(60), 0, 0.1);
        DistillationOptions o = new DistillationOptions(Path.of("/work/artifacts/teacher"), null, null, null, null, 3, 0, 0, 0,
                0, 2000, distill, Path.of(args[0]), "Unbalanced.java (benignPerAdversarial 0)", null, "label", false, null, a);
        System.out.println(Distillation.run(o, new ConsoleProgress(System.err), System.err).comparison());
    }
}
