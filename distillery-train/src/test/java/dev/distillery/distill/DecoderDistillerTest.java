package dev.distillery.distill;

import dev.distillery.generate.LanguageModel;
import dev.distillery.generate.Sampler;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.ModelConfig;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.TrainOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoder distillation on stories260K (a real llama2.c model, 5 layers, copied from
 * distillery-core's test resources) into students cut from its layers, on stories it wrote itself.
 */
class DecoderDistillerTest {
    @TempDir
    static Path tmp;
    static LanguageModel teacher;
    static Map<String, Tensor> teacherWeights;
    static List<String> train;
    static List<String> held;

    @BeforeAll
    static void load() throws Exception {
        Path dir = tmp.resolve("stories260K");
        Files.createDirectories(dir);
        for (String f : new String[] {"stories260K.bin", "tok512.bin"}) {
            try (InputStream in = DecoderDistillerTest.class.getResourceAsStream("/llama2c/stories260K/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        teacher = LanguageModel.load(dir);
        teacherWeights = DecoderCheckpoint.load(dir).weights();
        train = stories(16, 1);
        held = stories(4, 1000);
    }

    /** {@code n} seeded stories of the teacher's, 48 tokens each at most. */
    private static List<String> stories(int n, long seed) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("Once upon a time" + teacher.generator().generate(teacher.promptIds("Once upon a time", false), 48,
                    new Sampler(1f, 0.95f, seed + i), null).text());
        }
        return out;
    }

    private static CausalLanguageModel everyOther() {
        ModelConfig c = teacher.model().config();
        return DecoderStudents.fromTeacher(c, teacherWeights, DecoderStudents.everyOther(c.numLayers()),
                0, 7);
    }

    private static DecoderDistiller distiller(TokenDistillationLoss loss, int epochs) {
        TrainOptions t = TrainOptions.defaults().withEpochs(epochs).withBatchSize(4).withLearningRate(3e-3)
                .withSeed(5).withCheckpointEverySteps(3);
        return new DecoderDistiller(teacher.model(), teacher.tokenizer(), teacher.stopIds(),
                new DecoderDistiller.Options(loss, 64, 0, 16, 1f, t));
    }

    @Test
    void theStudentKeepsEveryOtherTeacherLayer() {
        ModelConfig c = teacher.model().config();
        assertEquals(5, c.numLayers());
        assertArrayEquals(new int[] {0, 2, 4}, DecoderStudents.everyOther(5));
        CausalLanguageModel student = everyOther();
        assertEquals(3, student.config().numLayers());
        Map<String, Tensor> t = teacherWeights;
        Map<String, Tensor> s = student.weights();
        assertArrayEquals(t.get("model.layers.2.self_attn.q_proj.weight").data(),
                s.get("model.layers.1.self_attn.q_proj.weight").data(), "student layer 1 is teacher layer 2");
        assertArrayEquals(t.get("model.layers.4.mlp.down_proj.weight").data(),
                s.get("model.layers.2.mlp.down_proj.weight").data(), "student layer 2 is teacher layer 4");
        assertArrayEquals(t.get("model.embed_tokens.weight").data(), s.get("model.embed_tokens.weight").data());
        CausalLanguageModel narrow = DecoderStudents.fromTeacher(c, t, new int[] {1, 3}, c.intermediateSize() / 2, 7);
        assertEquals(c.intermediateSize() / 2, narrow.config().intermediateSize());
        float[] gate = t.get("model.layers.3.mlp.gate_proj.weight").data();
        float[] cut = narrow.weights().get("model.layers.1.mlp.gate_proj.weight").data();
        assertEquals(gate[gate.length / 2 - 1], cut[cut.length - 1], "a width cut keeps the first gate rows");
        assertThrows(StudentConfigException.class, () -> DecoderStudents.fromTeacher(c, t, new int[] {2, 1}, 0, 7));
        assertThrows(StudentConfigException.class, () -> DecoderStudents.fromTeacher(c, t, new int[] {5}, 0, 7));
        assertThrows(StudentConfigException.class,
                () -> DecoderStudents.fromTeacher(c, t, new int[] {0}, c.intermediateSize() + 1, 7));
    }

    @Test
    void reverseKlDistillationBringsTheStudentTowardTheTeacher() {
        for (TokenDistillationLoss loss : List.of(new TokenDistillationLoss(0, 1, 1),
                new TokenDistillationLoss(1, 2, 0.9), new TokenDistillationLoss(0.5, 1, 1))) {
            DecoderDistiller.Result r = distiller(loss, 4).distill(everyOther(), train, held);
            assertTrue(r.after().klTeacherStudent() < 0.8 * r.before().klTeacherStudent(),
                    loss + ": KL(teacher || student) on held-out stories " + r.before().klTeacherStudent() + " -> "
                            + r.after().klTeacherStudent());
            assertTrue(r.after().klStudentTeacher() < 0.8 * r.before().klStudentTeacher(),
                    loss + ": KL(student || teacher) on held-out stories " + r.before().klStudentTeacher() + " -> "
                            + r.after().klStudentTeacher());
            assertTrue(r.epochLosses().getLast() < r.epochLosses().getFirst(), loss + ": " + r.epochLosses());
            assertEquals(r.before().teacherLoss(), r.after().teacherLoss(), 0, "the teacher is frozen");
        }
    }

    @Test
    void teacherGenerationsContinueEachTextAndAreTrainedOn() {
        TrainOptions t = TrainOptions.defaults().withEpochs(1).withBatchSize(4).withSeed(5);
        DecoderDistiller d = new DecoderDistiller(teacher.model(), teacher.tokenizer(), teacher.stopIds(),
                new DecoderDistiller.Options(new TokenDistillationLoss(1, 1, 1), 64, 2, 8, 1f, t));
        List<String> four = train.subList(0, 4);
        DecoderDistiller.Result r = d.distill(everyOther(), four, List.of());
        assertEquals(8, r.generatedSequences(), "two continuations of each of four texts");
        assertEquals(12, r.trainSequences());
        assertEquals(3, r.steps(), "twelve sequences in batches of four");
    }

    @Test
    void aStudentFromAConfigNeedsTheTeachersFamilyAndVocabulary() {
        ModelConfig c = teacher.model().config();
        ModelConfig small = c.withShape(c.vocabSize(), 1, 32, Map.of());
        assertEquals(1, DecoderStudents.fromConfig(c, small, 3).config().numLayers());
        ModelConfig otherVocab = c.withShape(c.vocabSize() + 1, 1, 32, Map.of());
        assertThrows(StudentConfigException.class, () -> DecoderStudents.fromConfig(c, otherVocab, 3));
        DecoderDistiller d = distiller(new TokenDistillationLoss(0, 1, 1), 1);
        assertThrows(IllegalArgumentException.class, () -> d.distill(teacher.model(), train, List.of()),
                "a frozen model is refused as a student");
    }

    @Test
    void aResumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
        TokenDistillationLoss loss = new TokenDistillationLoss(0, 1, 1);
        DecoderDistiller.Result whole = distiller(loss, 2).distill(everyOther(), train, List.of());
        Path ckpt = tmp.resolve("resume");
        // 16 stories in batches of 4: 4 steps an epoch, checkpoints at steps 3, 4 (epoch end), 6 and 8;
        // stop right after the mid-epoch checkpoint of step 6, as if killed, then resume from it
        DecoderDistiller second = distiller(loss, 2).checkpointDir(ckpt);
        second.stopAfterSteps = 6;
        second.distill(everyOther(), train, List.of());
        DecoderDistiller.Result resumed = distiller(loss, 2).checkpointDir(ckpt).resume(true)
                .distill(everyOther(), train, List.of());
        assertEquals(2, resumed.steps(), "steps 7 and 8 remain after the checkpoint at step 6");
        Map<String, Tensor> a = whole.student().weights();
        Map<String, Tensor> b = resumed.student().weights();
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data(), b.get(name).data(), name);
        }
        DecoderDistiller other = distiller(loss, 2).checkpointDir(ckpt).resume(true);
        assertThrows(RuntimeException.class, () -> other.distill(everyOther(), train.subList(0, 8), List.of()),
                "a checkpoint of other data is refused");
    }

    @Test
    void theSavedStudentReloadsToTheSameLogits() throws Exception {
        DecoderDistiller.Result r = distiller(new TokenDistillationLoss(0, 1, 1), 1).distill(everyOther(), train, List.of());
        Path out = tmp.resolve("student");
        DecoderCheckpoint.write(out, r.student().config(), r.student().weights(), tmp.resolve("stories260K"), DType.F32);
        LanguageModel back = LanguageModel.load(out);
        int[] ids = teacher.tokenizer().encode(train.getFirst()).ids();
        EncoderInput in = new EncoderInput(1, ids.length, ids, new int[ids.length], ones(ids.length));
        // written as F32 and read back: the same weights in the same frozen model, so the same bits
        assertArrayEquals(r.student().freeze().logits(in), back.model().logits(in));
        assertEquals(teacher.tokenizer().encode("Once upon a time").ids().length,
                back.tokenizer().encode("Once upon a time").ids().length, "the teacher's tokenizer goes with the student");
    }

    private static int[] ones(int n) {
        int[] m = new int[n];
        java.util.Arrays.fill(m, 1);
        return m;
    }
}
