package dev.distillery.distill;

import dev.distillery.classify.BatchInference;
import dev.distillery.io.AtomicFiles;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.model.TokenizedExamples;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The teacher's logits over a training set, computed once (one evaluation-mode pass) and looked up
 * by row during distillation. Tied to its data by the examples' {@link TokenizedExamples#fingerprint()}
 * and count, so a cache file from other data is refused rather than silently misaligned.
 *
 * <p>File layout (big-endian, written atomically): magic {@code "DSTLOGIT"}, int version (1),
 * int rows, int labels, long data fingerprint, then rows·labels float32 logits in row order.
 *
 * @param logits [rows, labels]
 */
public record TeacherLogits(float[] logits, int size, int numLabels, long dataFingerprint) {
    static final byte[] MAGIC = {'D', 'S', 'T', 'L', 'O', 'G', 'I', 'T'};
    static final int VERSION = 1;

    public TeacherLogits {
        if (size < 0 || numLabels < 1 || logits.length != (long) size * numLabels) {
            throw new IllegalArgumentException(logits.length + " teacher logits do not make " + size + " rows of "
                    + numLabels + " labels");
        }
    }

    /** Runs {@code teacher} in evaluation mode over {@code examples} (tokenized for the teacher). */
    public static TeacherLogits compute(SequenceClassifier teacher, TokenizedExamples examples, int batchSize) {
        return compute(teacher, examples, batchSize, null);
    }

    /**
     * The logits of {@code examples}: a row's from {@code known} where it has one (a content-keyed
     * {@link dev.distillery.classify.LogitsCache}), the teacher's evaluation-mode pass over the others.
     * {@link BatchInference} gives a row the same bits in any batch, so the result is the same as one pass
     * over every row when {@code known} came from this teacher at this length.
     *
     * @param known logits {@code [labels]} per example, null where the teacher must compute them; null for none
     */
    public static TeacherLogits compute(SequenceClassifier teacher, TokenizedExamples examples, int batchSize,
                                        float[][] known) {
        int labels = teacher.config().numLabels();
        if (known == null) {
            return new TeacherLogits(BatchInference.logits(teacher, examples, batchSize), examples.size(), labels,
                    examples.fingerprint());
        }
        if (known.length != examples.size()) {
            throw new IllegalArgumentException(known.length + " known rows for " + examples.size() + " examples");
        }
        float[] logits = new float[examples.size() * labels]; // [rows, labels]
        int[] missing = IntStream.range(0, known.length).filter(i -> known[i] == null).toArray();
        for (int i = 0; i < known.length; i++) {
            if (known[i] != null) {
                if (known[i].length != labels) {
                    throw new IllegalArgumentException("row " + i + " has " + known[i].length + " known logits, the teacher "
                            + labels + " labels");
                }
                System.arraycopy(known[i], 0, logits, i * labels, labels);
            }
        }
        if (missing.length > 0) {
            int[][] ids = new int[missing.length][];
            for (int m = 0; m < missing.length; m++) {
                ids[m] = examples.ids()[missing[m]];
            }
            TokenizedExamples rest = new TokenizedExamples(examples.name() + " (not in the cache)", ids, null,
                    new int[missing.length], examples.numLabels(), examples.padId());
            float[] computed = BatchInference.logits(teacher, rest, batchSize);
            for (int m = 0; m < missing.length; m++) {
                System.arraycopy(computed, m * labels, logits, missing[m] * labels, labels);
            }
        }
        return new TeacherLogits(logits, examples.size(), labels, examples.fingerprint());
    }

    /**
     * The cache in {@code file} when it exists and belongs to {@code examples}, else computes it and
     * writes the file; a file from other data is an error, not overwritten, so a user notices.
     *
     * @throws TeacherLogitsException when the file is damaged or was made for other data
     */
    public static TeacherLogits cached(Path file, SequenceClassifier teacher, TokenizedExamples examples, int batchSize)
            throws IOException {
        return cached(file, teacher, examples, batchSize, () -> null);
    }

    /**
     * As {@link #cached(Path, SequenceClassifier, TokenizedExamples, int)}, taking the rows {@code known}
     * supplies when the file has to be made ({@link #compute(SequenceClassifier, TokenizedExamples, int, float[][])});
     * an existing file is read without asking it.
     */
    public static TeacherLogits cached(Path file, SequenceClassifier teacher, TokenizedExamples examples, int batchSize,
                                       KnownRows known) throws IOException {
        if (Files.exists(file)) {
            TeacherLogits t = read(file);
            t.requireMatches(file, examples, teacher.config().numLabels());
            return t;
        }
        TeacherLogits t = compute(teacher, examples, batchSize, known.get());
        t.write(file);
        return t;
    }

    /** Logits {@code [labels]} per example where already known, null elsewhere; null for none at all. */
    @FunctionalInterface
    public interface KnownRows {
        float[][] get() throws IOException;
    }

    /** Checks that this cache was made for {@code examples} with {@code numLabels} labels. */
    public void requireMatches(Path source, TokenizedExamples examples, int expectedLabels) {
        if (size != examples.size() || dataFingerprint != examples.fingerprint()) {
            throw new TeacherLogitsException(source, "holds teacher logits for " + size + " examples with fingerprint "
                    + Long.toHexString(dataFingerprint) + ", but " + examples.name() + " has " + examples.size()
                    + " examples with fingerprint " + Long.toHexString(examples.fingerprint())
                    + "; delete the file to recompute it for this data");
        }
        if (numLabels != expectedLabels) {
            throw new TeacherLogitsException(source, "holds logits over " + numLabels + " labels, the teacher has "
                    + expectedLabels);
        }
    }

    /** The logits of {@code rows}, in that order, [rows, labels]. */
    public float[] rows(int[] rows) {
        float[] out = new float[rows.length * numLabels];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= size) {
                throw new IndexOutOfBoundsException("row " + rows[i] + " is outside the " + size + " cached rows");
            }
            System.arraycopy(logits, rows[i] * numLabels, out, i * numLabels, numLabels);
        }
        return out;
    }

    /** The teacher's predicted class of each row. */
    public int[] argmax() {
        return BatchInference.argmax(logits, numLabels);
    }

    public void write(Path file) throws IOException {
        AtomicFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(size);
            out.writeInt(numLabels);
            out.writeLong(dataFingerprint);
            for (float v : logits) {
                out.writeFloat(v);
            }
            out.flush();
        });
    }

    /** @throws TeacherLogitsException when the file is not a version-1 cache or is cut short */
    public static TeacherLogits read(Path file) throws IOException {
        long fileBytes = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new TeacherLogitsException(file, "is not a teacher-logits cache (no DSTLOGIT magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new TeacherLogitsException(file, "has cache version " + version + "; this build reads version "
                        + VERSION + ". Delete it to recompute");
            }
            int size = in.readInt();
            int labels = in.readInt();
            long fingerprint = in.readLong();
            long expected = MAGIC.length + 4 + 4 + 4 + 8 + 4L * size * labels;
            if (size < 0 || labels < 1 || expected != fileBytes) {
                throw new TeacherLogitsException(file, "declares " + size + " rows of " + labels + " labels ("
                        + expected + " bytes) but has " + fileBytes + " bytes");
            }
            float[] logits = new float[size * labels];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = in.readFloat();
            }
            return new TeacherLogits(logits, size, labels, fingerprint);
        } catch (EOFException e) {
            throw new TeacherLogitsException(file, "is cut short");
        }
    }
}
