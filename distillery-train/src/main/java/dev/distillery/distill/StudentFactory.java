package dev.distillery.distill;

import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderNames;
import dev.distillery.model.InvalidConfigException;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a student classifier from a {@link StudentSpec} and a teacher.
 *
 * <p>{@link StudentInit#FROM_TEACHER} follows DistilBERT (Sanh et al. 2019), which took layers
 * [0, 2, 4, 7, 9, 11] of BERT-base: the student copies the teacher's embeddings (word rows gathered
 * through the vocabulary trim, the first {@code maxPositions} positions), teacher layer
 * {@link #spread}[k] as its layer k, and the teacher's pooler/pre-classifier and classifier, which
 * already solve the task. This needs the teacher's family, hidden size, heads and FFN size;
 * otherwise it fails with a {@link StudentConfigException} naming the mismatch. {@link StudentInit#RANDOM}
 * is Hugging Face's seeded initialisation.
 */
public final class StudentFactory {
    private StudentFactory() {
    }

    /**
     * Which teacher layers a student of {@code studentLayers} keeps: layer k takes
     * round(k·(n−1)/(m−1)) of n teacher layers for m ≥ 2 (Math.round, halves up), so the first and
     * last teacher layers are always kept and the rest evenly spread between; 12 → 6 gives exactly
     * DistilBERT's [0, 2, 4, 7, 9, 11], 12 → 4 gives [0, 4, 7, 11]. One student layer keeps the
     * teacher's last, whose output the classification head was trained on.
     */
    public static int[] spread(int teacherLayers, int studentLayers) {
        if (studentLayers < 1 || studentLayers > teacherLayers) {
            throw new StudentConfigException("cannot spread " + studentLayers + " student layers over " + teacherLayers
                    + " teacher layers: a student takes between 1 and " + teacherLayers + " of them");
        }
        int[] layers = new int[studentLayers];
        if (studentLayers == 1) {
            layers[0] = teacherLayers - 1;
            return layers;
        }
        for (int k = 0; k < studentLayers; k++) {
            layers[k] = (int) Math.round((double) k * (teacherLayers - 1) / (studentLayers - 1));
        }
        return layers;
    }

    /** The student's configuration: {@code spec}'s shape, the teacher's everything else, {@code vocabSize} words. */
    public static EncoderConfig config(ModelConfig teacherConfig, StudentSpec spec, int vocabSize) {
        EncoderConfig teacher = encoderConfig(teacherConfig);
        String family = spec.family() == null ? teacher.family() : spec.family();
        try {
            return ModelFamilies.encoder(family).studentConfig(teacher, vocabSize, spec.hiddenSize(), spec.layers(),
                    spec.heads(), spec.ffnSize(), spec.maxPositions());
        } catch (InvalidConfigException e) {
            throw new StudentConfigException("student " + e.getMessage());
        }
    }

    /**
     * A student for {@code teacher}.
     *
     * @param keptWordIds teacher word ids the student keeps, new id i = teacher id keptWordIds[i]
     *                    ({@link VocabularyTrim#keptIds()}), or null for the teacher's whole vocabulary
     * @param seed        random initialisation of everything not copied
     * @throws StudentConfigException when FROM_TEACHER is asked for a shape the teacher cannot give
     */
    public static SequenceClassifier create(SequenceClassifier teacher, StudentSpec spec, StudentInit init,
                                            int[] keptWordIds, long seed) {
        EncoderConfig tc = encoderConfig(teacher.config());
        int vocab = keptWordIds == null ? tc.vocabSize() : keptWordIds.length;
        EncoderConfig sc = config(tc, spec, vocab);
        SequenceClassifier student = SequenceClassifier.create(sc, seed);
        if (init == StudentInit.FROM_TEACHER) {
            requireCompatible(tc, sc);
            copyFromTeacher(teacher, student, keptWordIds);
        } else if (keptWordIds != null) {
            for (int id : keptWordIds) {
                if (id < 0 || id >= tc.vocabSize()) {
                    throw new StudentConfigException("kept word id " + id + " is outside the teacher's vocabulary of "
                            + tc.vocabSize());
                }
            }
        }
        return student;
    }

    private static EncoderConfig encoderConfig(ModelConfig teacher) {
        if (teacher instanceof EncoderConfig c) {
            return c;
        }
        throw new StudentConfigException("students are built for encoder teachers; the teacher is a "
                + teacher.family() + " model");
    }

    private static void requireCompatible(EncoderConfig t, EncoderConfig s) {
        List<String> problems = new ArrayList<>();
        if (!t.family().equals(s.family())) {
            problems.add("family " + s.family() + " vs the teacher's " + t.family());
        }
        if (t.hiddenSize() != s.hiddenSize()) {
            problems.add("hidden size " + s.hiddenSize() + " vs " + t.hiddenSize());
        }
        if (t.numHeads() != s.numHeads()) {
            problems.add("heads " + s.numHeads() + " vs " + t.numHeads());
        }
        if (t.intermediateSize() != s.intermediateSize()) {
            problems.add("FFN size " + s.intermediateSize() + " vs " + t.intermediateSize());
        }
        if (s.numLayers() > t.numLayers()) {
            problems.add("layers " + s.numLayers() + " vs only " + t.numLayers());
        }
        if (s.maxPositions() > t.maxPositions()) {
            problems.add("max positions " + s.maxPositions() + " vs only " + t.maxPositions());
        }
        if (!problems.isEmpty()) {
            throw new StudentConfigException("from-teacher initialisation copies teacher weights and needs the teacher's "
                    + "widths, but the student differs: " + String.join(", ", problems)
                    + ". Use the teacher's widths or random initialisation");
        }
    }

    private static void copyFromTeacher(SequenceClassifier teacher, SequenceClassifier student, int[] keptWordIds) {
        EncoderConfig sc = (EncoderConfig) student.config();
        int[] layers = spread(teacher.config().numLayers(), sc.numLayers());
        EncoderNames names = sc.encoderFamily().names();
        String layerPrefix = names.prefix() + names.layers();
        String words = names.prefix() + EncoderNames.WORDS + ".weight";
        String positions = names.prefix() + EncoderNames.POSITIONS + ".weight";
        Map<String, Tensor> source = teacher.weights();
        int h = sc.hiddenSize();
        for (Parameter p : student.parameters()) {
            String name = p.name();
            String from = name;
            if (name.startsWith(layerPrefix)) {
                String rest = name.substring(layerPrefix.length());
                int dot = rest.indexOf('.');
                int k = Integer.parseInt(rest.substring(0, dot));
                from = layerPrefix + layers[k] + rest.substring(dot);
            }
            Tensor t = source.get(from);
            if (t == null) {
                throw new StudentConfigException("the teacher has no tensor " + from + " for the student's " + name);
            }
            float[] dst = p.data();
            if (name.equals(words) && keptWordIds != null) {
                for (int i = 0; i < keptWordIds.length; i++) {
                    System.arraycopy(t.data(), keptWordIds[i] * h, dst, i * h, h);
                }
            } else if (name.equals(positions)) {
                System.arraycopy(t.data(), 0, dst, 0, dst.length);
            } else if (t.data().length == dst.length) {
                System.arraycopy(t.data(), 0, dst, 0, dst.length);
            } else {
                throw new StudentConfigException("teacher tensor " + from + " has " + t.data().length
                        + " values, the student's " + name + " " + dst.length);
            }
            p.touch();
        }
    }
}
