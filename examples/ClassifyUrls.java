import dev.distillery.classify.Classifier;
import dev.distillery.classify.Prediction;

import java.nio.file.Path;
import java.util.List;

/**
 * The Java API of the README, runnable as it is:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp 'distillery-cli/target/distillery.jar:distillery-cli/target/lib/*' \
 *     examples/ClassifyUrls.java MODEL_DIR URL...
 * </pre>
 * prints the first URL's label and probability, then one line per URL from a batch prediction:
 * label, probability of that label, URL, tab-separated. JavaApiTest runs it and checks the README's
 * snippet is the code between the markers below.
 */
public class ClassifyUrls {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ClassifyUrls MODEL_DIR URL...");
            return;
        }
        Path modelDir = Path.of(args[0]);
        List<String> urls = List.of(args).subList(1, args.length);

        // README snippet begins
        Classifier classifier = Classifier.load(modelDir);              // a folder saved by distillery
        Prediction p = classifier.predict(urls.getFirst());
        System.out.printf("%s %.4f%n", p.label(), p.probability(p.label()));
        List<Prediction> batch = classifier.predictBatch(urls);         // input order; safe from any thread
        // README snippet ends

        for (int i = 0; i < batch.size(); i++) {
            Prediction b = batch.get(i);
            System.out.printf("%s\t%.4f\t%s%n", b.label(), b.probability(b.label()), urls.get(i));
        }
    }
}
