package dev.distillery.pipeline;

import dev.distillery.distill.DecoderDistiller;
import dev.distillery.distill.DecoderStudents;
import dev.distillery.distill.StudentConfigException;
import dev.distillery.generate.LanguageModel;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.DecoderCheckpoint;
import dev.distillery.io.HfConfig;
import dev.distillery.model.CausalLanguageModel;
import dev.distillery.model.ModelConfig;
import dev.distillery.report.Table;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.CheckpointException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code distill} with a decoder teacher: loads the teacher (any form {@link LanguageModel#load}
 * reads), builds the student ({@link DecoderStudents}: from the teacher's layers, or from a config
 * at random), distils it on a text file with {@link DecoderDistiller} (checkpoints in
 * {@code out/.checkpoints}, resumable) and writes the student as a decoder folder with the
 * teacher's tokenizer, which {@code generate}, {@code mcq} and {@code quantize} load, and the run's
 * scores as {@value #SUMMARY}.
 *
 * <p>A text file holds texts separated by blank lines (a story, a document, a question with its
 * answer); a text longer than the max length is learnt in consecutive windows.
 */
public final class DecoderDistillation {
    /** The run's summary beside the student's weights. */
    public static final String SUMMARY = "distill.json";

    private DecoderDistillation() {
    }

    /**
     * @param layers        student layers spread over the teacher's; 0 for every other layer
     * @param ffn           feed-forward width cut; 0 for the teacher's
     * @param studentConfig a config.json of the teacher's family and vocabulary to start from at random; null to cut the teacher
     * @param random        start from random weights of the cut shape instead of the teacher's
     * @param validation    held-out texts; null to hold out every twentieth text of {@code train} when it has twenty or more
     */
    public record Options(Path teacher, Path train, Path validation, int layers, int ffn, Path studentConfig, boolean random,
                          DecoderDistiller.Options distill, Path out, boolean resume) {
    }

    public record Outcome(LanguageModel teacher, DecoderDistiller.Result result, Path out) {
        /** Teacher and student side by side: layers, parameters, held-out loss and KL. */
        public Table table() {
            Table t = new Table("model", "layers", "ffn", "parameters", "held-out loss", "KL(teacher||student)",
                    "KL(student||teacher)");
            DecoderDistiller.Scores before = result.before();
            DecoderDistiller.Scores after = result.after();
            ModelConfig tc = teacher.model().config();
            t.row(teacher.name() + " (teacher)", tc.numLayers(), tc.intermediateSize(),
                    String.format(Locale.ROOT, "%,d", teacher.model().parameterCount()),
                    after == null ? "-" : String.format(Locale.ROOT, "%.4f", after.teacherLoss()), "0", "0");
            ModelConfig sc = result.student().config();
            String params = String.format(Locale.ROOT, "%,d", result.student().parameterCount());
            if (before != null) {
                t.row("student before", sc.numLayers(), sc.intermediateSize(), params,
                        String.format(Locale.ROOT, "%.4f", before.studentLoss()),
                        String.format(Locale.ROOT, "%.4f", before.klTeacherStudent()),
                        String.format(Locale.ROOT, "%.4f", before.klStudentTeacher()));
            }
            t.row("student after", sc.numLayers(), sc.intermediateSize(), params,
                    after == null ? "-" : String.format(Locale.ROOT, "%.4f", after.studentLoss()),
                    after == null ? "-" : String.format(Locale.ROOT, "%.4f", after.klTeacherStudent()),
                    after == null ? "-" : String.format(Locale.ROOT, "%.4f", after.klStudentTeacher()));
            return t;
        }

        /** What {@value #SUMMARY} holds: the objective, the shapes, the scores before and after, steps and time. */
        public ObjectNode toJson(DecoderDistiller.Options options) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("teacher", teacher.name());
            o.put("teacherFormat", teacher.format());
            o.put("teacherLayers", teacher.model().config().numLayers());
            o.put("studentLayers", result.student().config().numLayers());
            o.put("studentFfn", result.student().config().intermediateSize());
            o.put("studentParameters", result.student().parameterCount());
            ObjectNode loss = o.putObject("loss");
            loss.put("forwardWeight", options.loss().forwardWeight());
            loss.put("temperature", options.loss().temperature());
            loss.put("alpha", options.loss().alpha());
            o.put("trainSequences", result.trainSequences());
            o.put("teacherGenerations", result.generatedSequences());
            o.put("steps", result.steps());
            o.put("trainSeconds", result.trainSeconds());
            o.put("secondsPerStep", result.secondsPerStep());
            ArrayNode losses = o.putArray("epochLosses");
            result.epochLosses().forEach(losses::add);
            o.set("before", scores(result.before()));
            o.set("after", scores(result.after()));
            return o;
        }

        private static ObjectNode scores(DecoderDistiller.Scores s) {
            if (s == null) {
                return null;
            }
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("studentLoss", s.studentLoss());
            o.put("teacherLoss", s.teacherLoss());
            o.put("klTeacherStudent", s.klTeacherStudent());
            o.put("klStudentTeacher", s.klStudentTeacher());
            o.put("positions", s.positions());
            return o;
        }
    }

    public static Outcome run(Options o, PrintStream log) throws IOException {
        LanguageModel teacher = LanguageModel.load(o.teacher());
        if (teacher.format().startsWith("gguf")) {
            throw new CheckpointFormatException(o.teacher() + " is a GGUF file, whose tokenizer lives in its metadata and "
                    + "cannot be written beside a student yet; distil from the Hugging Face folder or llama2.c checkpoint");
        }
        List<String> texts = readTexts(o.train());
        List<String> train = texts;
        List<String> held = o.validation() == null ? List.of() : readTexts(o.validation());
        if (o.validation() == null && texts.size() >= 20) {
            train = new ArrayList<>();
            held = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                (i % 20 == 19 ? held : train).add(texts.get(i));
            }
        }
        Path checkpoints = o.out().resolve(TeacherTraining.CHECKPOINTS);
        if (o.resume() && !Files.isRegularFile(checkpoints.resolve(DecoderDistiller.LAST))) {
            throw new CheckpointException(checkpoints.resolve(DecoderDistiller.LAST), "no such checkpoint file to resume "
                    + "from; run without --resume to start afresh");
        }
        CausalLanguageModel student = student(o, teacher);
        log.printf(Locale.ROOT, "teacher %s (%s): %d layers, %,d parameters; student: %d layers, ffn %d, %,d parameters; "
                        + "%d training texts, %d held out%n", teacher.name(), teacher.format(),
                teacher.model().config().numLayers(), teacher.model().parameterCount(), student.config().numLayers(),
                student.config().intermediateSize(), student.parameterCount(), train.size(), held.size());
        DecoderDistiller.Result r = new DecoderDistiller(teacher.model(), teacher.tokenizer(), teacher.stopIds(), o.distill())
                .checkpointDir(checkpoints).resume(o.resume()).log(log).distill(student, train, held);
        DecoderCheckpoint.write(o.out(), r.student().config(), r.student().weights(), tokenizerDir(o.teacher()), DType.F32);
        Outcome outcome = new Outcome(teacher, r, o.out());
        AtomicFiles.writeString(o.out().resolve(SUMMARY), HfConfig.pretty(outcome.toJson(o.distill())));
        return outcome;
    }

    /** The student {@code o} describes, trainable. */
    private static CausalLanguageModel student(Options o, LanguageModel teacher) throws IOException {
        ModelConfig tc = teacher.model().config();
        long seed = o.distill().train().seed();
        if (o.studentConfig() != null) {
            return DecoderStudents.fromConfig(tc, HfConfig.readAny(o.studentConfig()), seed);
        }
        int[] layers = o.layers() == 0 ? DecoderStudents.everyOther(tc.numLayers()) : spread(o.layers(), tc.numLayers());
        if (o.random()) {
            int ffn = o.ffn() == 0 ? tc.intermediateSize() : o.ffn();
            return DecoderStudents.fromConfig(tc, tc.withShape(tc.vocabSize(), layers.length, ffn, Map.of()), seed);
        }
        if (!DecoderCheckpoint.isDecoder(o.teacher())) {
            throw new StudentConfigException(o.teacher() + " is quantized or GGUF, so its layers cannot start an FP32 "
                    + "student; give --init random or --student-config, or a Hugging Face folder or llama2.c teacher");
        }
        Map<String, Tensor> weights = DecoderCheckpoint.load(o.teacher()).weights();
        return DecoderStudents.fromTeacher(tc, weights, layers, o.ffn(), seed);
    }

    /** {@code n} of {@code total} layers spread evenly, the first always kept: floor(k·total/n). */
    static int[] spread(int n, int total) {
        if (n < 1 || n > total) {
            throw new StudentConfigException("--student-layers " + n + " must be between 1 and the teacher's " + total);
        }
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            out[k] = (int) ((long) k * total / n);
        }
        return out;
    }

    /** The folder holding the teacher's tokenizer files. */
    private static Path tokenizerDir(Path teacher) {
        return Files.isDirectory(teacher) ? teacher : teacher.toAbsolutePath().getParent();
    }

    /**
     * The texts of a file, separated by blank lines, each trimmed.
     *
     * @throws CheckpointFormatException naming the file when it holds no text
     */
    public static List<String> readTexts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such text file");
        }
        List<String> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                flush(text, out);
            } else {
                text.append(text.isEmpty() ? "" : "\n").append(line.strip());
            }
        }
        flush(text, out);
        if (out.isEmpty()) {
            throw new CheckpointFormatException(file + " holds no text to learn from (texts are separated by blank lines)");
        }
        return out;
    }

    private static void flush(StringBuilder text, List<String> out) {
        if (!text.isEmpty()) {
            out.add(text.toString());
            text.setLength(0);
        }
    }
}
