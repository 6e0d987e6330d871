package dev.distillery.io.llama2c;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.RotaryLayout;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A llama2.c checkpoint in its original ("legacy", version 0) format (https://github.com/karpathy/llama2.c,
 * {@code export.py legacy_export} and {@code run.c memory_map_weights}), read into the tensor names
 * and layouts of a Hugging Face Llama folder.
 *
 * <p>Layout, little-endian: seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len; a negative vocab_size means the output layer is stored apart rather than
 * shared with the token embedding), then float32 tensors in this order, each row-major [out, in]
 * as PyTorch's Linear: token embedding [vocab, dim]; per layer, stacked over layers: attention
 * RMSNorm [dim], wq [heads·headDim, dim], wk [kvDim, dim], wv [kvDim, dim], wo [dim, dim], FFN
 * RMSNorm [dim], w1 [hidden, dim], w2 [dim, hidden], w3 [hidden, dim]; final RMSNorm [dim]; two
 * unused RoPE tables of seq_len·headDim/2 floats; the output layer [vocab, dim] when not shared.
 *
 * <p>wq and wk rotate adjacent pairs (llama2.c's model.py applies RoPE to complex pairs); they are
 * permuted to Hugging Face's rotate-half rows with {@link RotaryLayout#interleavedToHalves}, wk
 * with the key/value head count, exactly as llama2.c's own {@code hf_export} permutes them. w1,
 * w3, w2 become {@code gate_proj}, {@code up_proj}, {@code down_proj}. The file size must equal
 * what the header implies; anything else is a {@link CheckpointFormatException} naming the file.
 */
public record Llama2cCheckpoint(Llama2cConfig config, Map<String, Tensor> weights) {
    public static final int HEADER_BYTES = 28;
    /** The magic of llama2.c's later export versions ("ak42"), which this reader does not read. */
    static final int VERSIONED_MAGIC = 0x616b3432;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Llama2cCheckpoint {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    public static Llama2cCheckpoint read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CheckpointFormatException(file + " is a folder, not a llama2.c checkpoint");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "llama2.c checkpoint not found");
        }
        try (channel; Arena arena = Arena.ofConfined()) {
            long size = channel.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(seg, file.toString());
        }
    }

    /**
     * The llama2.c checkpoint in a model folder such as llama2.c's stories260K: its one .bin file that is not a
     * tokenizer (tokenizer.bin, tok*.bin), or null when it has none.
     */
    public static Path checkpointIn(Path dir) throws IOException {
        java.util.List<Path> found = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.bin")) {
            for (Path p : files) {
                if (!p.getFileName().toString().startsWith("tok")) {
                    found.add(p);
                }
            }
        }
        if (found.size() > 1) {
            Collections.sort(found);
            throw new CheckpointFormatException(dir + " holds several llama2.c checkpoints " + found + "; name the one to use");
        }
        return found.isEmpty() ? null : found.getFirst();
    }

    /** Whether {@code file} starts with a legacy llama2.c header consistent with its size. */
    public static boolean isCheckpoint(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) < HEADER_BYTES) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            header(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena), file.toString());
            return true;
        } catch (CheckpointFormatException e) {
            return false;
        }
    }

    /** Reads a checkpoint held in {@code bytes}; {@code source} names it in error messages. */
    public static Llama2cCheckpoint read(byte[] bytes, String source) throws CheckpointFormatException {
        return parse(MemorySegment.ofArray(bytes), source);
    }

    /** The header of a checkpoint, checked for consistency but without reading any tensor. */
    public static Llama2cConfig header(MemorySegment file, String source) throws CheckpointFormatException {
        long size = file.byteSize();
        if (size < HEADER_BYTES) {
            throw new CheckpointFormatException(source + " is " + size + " bytes long, too short for the 28-byte header"
                    + " of a llama2.c checkpoint");
        }
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
            h[i] = file.get(I32, 4L * i);
        }
        if (h[0] == VERSIONED_MAGIC) {
            throw new CheckpointFormatException(source + " is a versioned llama2.c export (magic \"ak42\", version "
                    + h[1] + "); only the original (legacy, version 0) format is supported");
        }
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        for (int i = 0; i < 7; i++) {
            if (i == 5 ? h[i] == 0 || h[i] == Integer.MIN_VALUE : h[i] <= 0) {
                throw new CheckpointFormatException(source + ": header field " + names[i] + " is " + h[i]
                        + "; expected a positive number (is this a llama2.c checkpoint?)");
            }
        }
        Llama2cConfig c = new Llama2cConfig(h[0], h[1], h[2], h[3], h[4], Math.abs(h[5]), h[6], h[5] > 0);
        if (c.dim() % c.heads() != 0 || c.headDim() % 2 != 0) {
            throw new CheckpointFormatException(source + ": dim " + c.dim() + " is not " + c.heads()
                    + " heads of an even size");
        }
        if (c.heads() % c.kvHeads() != 0) {
            throw new CheckpointFormatException(source + ": n_heads " + c.heads() + " is not a multiple of n_kv_heads "
                    + c.kvHeads());
        }
        long expected = HEADER_BYTES + 4 * floatCount(c);
        if (expected != size) {
            throw new CheckpointFormatException(source + " is " + size + " bytes but its header (" + describe(c)
                    + ") implies " + expected + (size < expected ? "; the file is truncated" : "; the file has "
                    + (size - expected) + " bytes more than its tensors, so it is not a legacy llama2.c checkpoint"));
        }
        return c;
    }

    private static long floatCount(Llama2cConfig c) {
        long dim = c.dim();
        long layers = c.layers();
        long kvDim = c.kvDim();
        long perLayer = dim + dim * dim + 2 * dim * kvDim + dim * dim + dim + 3 * dim * c.hiddenDim();
        long n = (long) c.vocabSize() * dim + layers * perLayer + dim + (long) c.seqLen() * c.headDim();
        return c.sharedClassifier() ? n : n + (long) c.vocabSize() * dim;
    }

    private static String describe(Llama2cConfig c) {
        return "dim " + c.dim() + ", hidden " + c.hiddenDim() + ", " + c.layers() + " layers, " + c.heads() + " heads, "
                + c.kvHeads() + " kv heads, vocab " + c.vocabSize() + (c.sharedClassifier() ? " shared" : " separate")
                + ", seq_len " + c.seqLen();
    }

    private static Llama2cCheckpoint parse(MemorySegment file, String source) throws CheckpointFormatException {
        Llama2cConfig c = header(file, source);
        int dim = c.dim();
        int layers = c.layers();
        int kvDim = c.kvDim();
        int hidden = c.hiddenDim();
        Reader r = new Reader(file, source);
        Map<String, Tensor> w = new LinkedHashMap<>();
        Tensor embedding = r.next(c.vocabSize(), dim);
        w.put("model.embed_tokens.weight", embedding);
        Tensor[] attnNorm = r.stack(layers, dim);
        Tensor[] wq = r.stack(layers, dim, dim);
        Tensor[] wk = r.stack(layers, kvDim, dim);
        Tensor[] wv = r.stack(layers, kvDim, dim);
        Tensor[] wo = r.stack(layers, dim, dim);
        Tensor[] ffnNorm = r.stack(layers, dim);
        Tensor[] w1 = r.stack(layers, hidden, dim);
        Tensor[] w2 = r.stack(layers, dim, hidden);
        Tensor[] w3 = r.stack(layers, hidden, dim);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", attnNorm[l]);
            w.put(p + "self_attn.q_proj.weight", Tensor.of(RotaryLayout.interleavedToHalves(wq[l].data(), c.heads(),
                    c.headDim(), dim), dim, dim));
            w.put(p + "self_attn.k_proj.weight", Tensor.of(RotaryLayout.interleavedToHalves(wk[l].data(), c.kvHeads(),
                    c.headDim(), dim), kvDim, dim));
            w.put(p + "self_attn.v_proj.weight", wv[l]);
            w.put(p + "self_attn.o_proj.weight", wo[l]);
            w.put(p + "post_attention_layernorm.weight", ffnNorm[l]);
            w.put(p + "mlp.gate_proj.weight", w1[l]);
            w.put(p + "mlp.up_proj.weight", w3[l]);
            w.put(p + "mlp.down_proj.weight", w2[l]);
        }
        w.put("model.norm.weight", r.next(dim));
        r.skip((long) c.seqLen() * c.headDim()); // the legacy freq_cis_real and freq_cis_imag tables
        if (!c.sharedClassifier()) {
            w.put("lm_head.weight", r.next(c.vocabSize(), dim));
        }
        return new Llama2cCheckpoint(c, w);
    }

    /** Sequential float32 reads; the header check has already proved every read in bounds. */
    private static final class Reader {
        private final MemorySegment file;
        private final String source;
        private long pos = HEADER_BYTES;

        Reader(MemorySegment file, String source) {
            this.file = file;
            this.source = source;
        }

        Tensor next(int... shape) throws CheckpointFormatException {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new CheckpointFormatException(source + ": a tensor of " + n + " values is too large for one Java array");
            }
            float[] v = new float[(int) n];
            MemorySegment.copy(file, F32, pos, v, 0, v.length);
            pos += 4 * n;
            return Tensor.of(v, shape);
        }

        Tensor[] stack(int layers, int... shape) throws CheckpointFormatException {
            Tensor[] out = new Tensor[layers];
            for (int l = 0; l < layers; l++) {
                out[l] = next(shape);
            }
            return out;
        }

        void skip(long floats) {
            pos += 4 * floats;
        }
    }
}
