package dev.distillery.distill;

import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;
import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.Arrays;
import java.util.Map;

/**
 * Builds a smaller decoder to distil a teacher LLM into, with the teacher's tokenizer.
 *
 * <p>From the teacher's layers: the student keeps the teacher's embedding, final norm and output
 * layer, and teacher layer {@code layers[k]} as its layer k; by default every other layer
 * (0, 2, 4, ...), the initialisation of DistilBERT (Sanh et al. 2019) and of layer-dropped LLM
 * students (Sreenivas et al. 2024, "LLM Pruning and Distillation in Practice: The Minitron
 * Approach", where depth pruning keeps a contiguous or spread subset). A width cut keeps the first
 * {@code ffn} neurons of every feed-forward layer (the rows of gate and up, the columns of down).
 * The config is the teacher's with fewer layers and a narrower FFN, as the family builds it
 * ({@link ModelConfig#withShape}); the layers are found by the family's own table
 * ({@link ModelFamily#layerTensors}), so no tensor name is spelled here. Narrower hidden states or
 * fewer heads are not cut from the teacher: give a config and random initialisation for those.
 *
 * <p>From a config: any shape of the teacher's family and vocabulary, randomly initialised as
 * Hugging Face does ({@link CausalLanguageModel#create}).
 */
public final class DecoderStudents {
    private DecoderStudents() {
    }

    /** Layers 0, 2, 4, ... of {@code teacherLayers}: half of them, rounded up. */
    public static int[] everyOther(int teacherLayers) {
        int[] out = new int[(teacherLayers + 1) / 2];
        for (int k = 0; k < out.length; k++) {
            out[k] = 2 * k;
        }
        return out;
    }

    /**
     * A trainable student initialised from the teacher.
     *
     * @param teacherWeights the teacher's tensors under their Hugging Face names, in FP32
     * @param layers         teacher layers kept, in order, each once
     * @param ffn            feed-forward width, at most the teacher's; 0 for the teacher's
     * @param seed           initialises anything the teacher does not give (nothing, for Llama)
     * @throws StudentConfigException naming a layer or width the teacher cannot give
     */
    public static CausalLanguageModel fromTeacher(ModelConfig teacher, Map<String, Tensor> teacherWeights, int[] layers,
                                                  int ffn, long seed) {
        int n = teacher.numLayers();
        if (layers.length == 0) {
            throw new StudentConfigException("a student needs at least one layer");
        }
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 0 || layers[i] >= n || (i > 0 && layers[i] <= layers[i - 1])) {
                throw new StudentConfigException("student layers " + Arrays.toString(layers) + " must be increasing "
                        + "teacher layers in [0, " + n + ")");
            }
        }
        int width = ffn == 0 ? teacher.intermediateSize() : ffn;
        if (width < 1 || width > teacher.intermediateSize()) {
            throw new StudentConfigException("a width cut keeps between 1 and the teacher's " + teacher.intermediateSize()
                    + " feed-forward neurons, not " + ffn);
        }
        ModelConfig config = teacher.withShape(teacher.vocabSize(), layers.length, width, Map.of());
        CausalLanguageModel student = CausalLanguageModel.create(config, seed);
        ModelFamily family = ModelFamilies.of(teacher);
        for (Parameter p : student.parameters()) {
            String from = teacherName(family, teacher, config, layers, p.name());
            Tensor t = teacherWeights.get(from);
            if (t == null) {
                throw new StudentConfigException("the teacher has no tensor " + from + " for the student's " + p.name());
            }
            copyLeading(t, p, from);
            p.touch();
        }
        return student;
    }

    /**
     * A trainable, randomly initialised student of {@code config}.
     *
     * @throws StudentConfigException when it is not of the teacher's family or vocabulary
     */
    public static CausalLanguageModel fromConfig(ModelConfig teacher, ModelConfig config, long seed) {
        if (!config.family().equals(teacher.family()) || config.vocabSize() != teacher.vocabSize()) {
            throw new StudentConfigException("a student distils from the teacher's next-token distribution, so it needs "
                    + "the teacher's family and vocabulary: the config is a " + config.family() + " model of "
                    + config.vocabSize() + " tokens, the teacher a " + teacher.family() + " model of "
                    + teacher.vocabSize());
        }
        return CausalLanguageModel.create(config, seed);
    }

    /** The teacher tensor a student tensor is taken from: the same name, in layer {@code layers[k]} for layer k. */
    private static String teacherName(ModelFamily family, ModelConfig teacher, ModelConfig student, int[] layers,
                                      String name) {
        for (int k = 0; k < layers.length; k++) {
            String stem = family.layerTensors(student, k).stem();
            if (name.startsWith(stem)) {
                return family.layerTensors(teacher, layers[k]).stem() + name.substring(stem.length());
            }
        }
        return name;
    }

    /** The leading block of {@code t} with {@code p}'s shape: all of it, or the first rows and columns of a cut. */
    private static void copyLeading(Tensor t, Parameter p, String from) {
        int[] ts = t.shape();
        int[] ps = p.value().shape();
        if (ts.length != ps.length) {
            throw new StudentConfigException("teacher tensor " + from + " has shape " + Arrays.toString(ts)
                    + ", the student's " + p.name() + " " + Arrays.toString(ps));
        }
        for (int d = 0; d < ts.length; d++) {
            if (ps[d] > ts[d]) {
                throw new StudentConfigException("the student's " + p.name() + " " + Arrays.toString(ps)
                        + " is wider than the teacher's " + from + " " + Arrays.toString(ts));
            }
        }
        float[] dst = p.data();
        float[] src = t.data();
        if (ts.length == 2) {
            for (int r = 0; r < ps[0]; r++) {
                System.arraycopy(src, r * ts[1], dst, r * ps[1], ps[1]);
            }
        } else {
            System.arraycopy(src, 0, dst, 0, dst.length);
        }
    }
}
