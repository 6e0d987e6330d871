package dev.distillery.io;

import dev.distillery.model.llama.LlamaConfig;
import dev.distillery.model.llama.LlamaFamily;
import dev.distillery.model.llama.LlamaNames;
import dev.distillery.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c checkpoint in its original ("legacy") format, as Andrej Karpathy's {@code run.c}
 * reads it, mapped to the Llama family's Hugging Face names.
 *
 * <p>Layout: seven little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len; a negative vocab_size means the output layer is stored separately), then
 * FP32 tensors in this order: token embedding [vocab, dim]; per layer, all layers of one kind
 * before the next: attention RMSNorm [dim], wq [dim, dim], wk [kv_dim, dim], wv [kv_dim, dim],
 * wo [dim, dim], FFN RMSNorm [dim], w1 [hidden, dim], w2 [dim, hidden], w3 [hidden, dim]; the final
 * RMSNorm [dim]; two legacy RoPE tables [seq_len, head_size / 2] (skipped: recomputed); and the
 * output layer [vocab, dim] when not shared. w1, w3 and w2 are gate, up and down.
 *
 * <p>llama2.c rotates interleaved pairs (x[2i], x[2i+1]); Hugging Face rotates halves (x[i],
 * x[i + d/2]). The rows of wq and wk are permuted per head as transformers'
 * {@code convert_llama_weights_to_hf.py} does, so the rotate-half model computes the same attention.
 * RMSNorm ε is 1e-5 and rope θ 10000, fixed in run.c; BOS is 1 and EOS 2.
 */
public record Llama2cCheckpoint(Path file, LlamaConfig config, Map<String, Tensor> weights) {
    private static final int HEADER_BYTES = 7 * 4;

    /** True when {@code path} is a {@code .bin} file whose header reads as a llama2.c model. */
    public static boolean looksLike(Path path) {
        if (!Files.isRegularFile(path) || !path.getFileName().toString().endsWith(".bin")) {
            return false;
        }
        try {
            header(path);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The llama2.c checkpoint in a folder: its one {@code .bin} file that is not a tokenizer. */
    public static Path fileIn(Path dir) throws IOException {
        try (var files = Files.newDirectoryStream(dir, "*.bin")) {
            Path found = null;
            for (Path p : files) {
                if (!p.getFileName().toString().startsWith("tok") && looksLike(p)) {
                    if (found != null) {
                        throw new CheckpointFormatException(dir + " holds two llama2.c checkpoints, " + found.getFileName()
                                + " and " + p.getFileName() + "; name the file");
                    }
                    found = p;
                }
            }
            return found;
        }
    }

    private record Header(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen,
                          boolean shared) {
    }

    private static Header header(Path file) throws IOException {
        long size = Files.size(file);
        if (size < HEADER_BYTES) {
            throw new CheckpointFormatException(file + " is " + size + " bytes, shorter than a llama2.c header");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read the whole header
            }
        }
        b.flip();
        int dim = b.getInt();
        int hidden = b.getInt();
        int layers = b.getInt();
        int heads = b.getInt();
        int kvHeads = b.getInt();
        int vocab = b.getInt();
        int seqLen = b.getInt();
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || seqLen <= 0
                || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
            throw new CheckpointFormatException(file + " has no valid llama2.c header (dim " + dim + ", hidden " + hidden
                    + ", layers " + layers + ", heads " + heads + ", kv heads " + kvHeads + ", vocab " + vocab
                    + ", seq_len " + seqLen + ")");
        }
        Header h = new Header(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seqLen, vocab > 0);
        long expected = HEADER_BYTES + 4L * floats(h);
        if (size != expected) {
            throw new CheckpointFormatException(file + " is " + size + " bytes but its header (dim " + dim + ", "
                    + layers + " layers, vocab " + h.vocab() + ") describes " + expected);
        }
        return h;
    }

    private static long floats(Header h) {
        long kv = (long) h.dim() / h.heads() * h.kvHeads();
        long perLayer = 2L * h.dim() + (long) h.dim() * h.dim() * 2 + 2 * kv * h.dim() + 3L * h.hidden() * h.dim();
        long rope = (long) h.seqLen() * (h.dim() / h.heads());
        return (long) h.vocab() * h.dim() + h.layers() * perLayer + h.dim() + rope
                + (h.shared() ? 0 : (long) h.vocab() * h.dim());
    }

    /**
     * Reads a checkpoint file.
     *
     * @throws CheckpointFormatException when the header is invalid or the size does not match it
     */
    public static Llama2cCheckpoint read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such llama2.c checkpoint");
        }
        Header h = header(file);
        int headSize = h.dim() / h.heads();
        int kvDim = headSize * h.kvHeads();
        LlamaConfig config = new LlamaConfig("llama", h.vocab(), h.dim(), h.layers(), h.heads(), h.kvHeads(), headSize,
                h.hidden(), h.seqLen(), 1e-5f, 10000, null, h.shared(), false, false, false, 1, List.of(2));
        FloatBuffer in;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            in = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, ch.size() - HEADER_BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        LlamaNames n = LlamaFamily.NAMES;
        String p = n.prefix();
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put(n.embedding() + ".weight", take(in, h.vocab(), h.dim()));
        int layers = h.layers();
        float[][] attNorm = perLayer(in, layers, h.dim());
        float[][] wq = perLayer(in, layers, h.dim() * h.dim());
        float[][] wk = perLayer(in, layers, kvDim * h.dim());
        float[][] wv = perLayer(in, layers, kvDim * h.dim());
        float[][] wo = perLayer(in, layers, h.dim() * h.dim());
        float[][] ffnNorm = perLayer(in, layers, h.dim());
        float[][] w1 = perLayer(in, layers, h.hidden() * h.dim());
        float[][] w2 = perLayer(in, layers, h.dim() * h.hidden());
        float[][] w3 = perLayer(in, layers, h.hidden() * h.dim());
        Tensor finalNorm = take(in, h.dim());
        in.position(in.position() + h.seqLen() * headSize); // the legacy RoPE tables, recomputed from θ
        for (int i = 0; i < layers; i++) {
            LlamaNames.Layer l = n.layer(p, i);
            w.put(l.query() + ".weight", Tensor.of(halvesFromPairs(wq[i], h.heads(), headSize, h.dim()), h.dim(), h.dim()));
            w.put(l.key() + ".weight", Tensor.of(halvesFromPairs(wk[i], h.kvHeads(), headSize, h.dim()), kvDim, h.dim()));
            w.put(l.value() + ".weight", Tensor.of(wv[i], kvDim, h.dim()));
            w.put(l.output() + ".weight", Tensor.of(wo[i], h.dim(), h.dim()));
            w.put(l.gate() + ".weight", Tensor.of(w1[i], h.hidden(), h.dim()));
            w.put(l.up() + ".weight", Tensor.of(w3[i], h.hidden(), h.dim()));
            w.put(l.down() + ".weight", Tensor.of(w2[i], h.dim(), h.hidden()));
            w.put(l.inputNorm() + ".weight", Tensor.of(attNorm[i], h.dim()));
            w.put(l.postAttentionNorm() + ".weight", Tensor.of(ffnNorm[i], h.dim()));
        }
        w.put(n.finalNorm() + ".weight", finalNorm);
        if (!h.shared()) {
            w.put(n.lmHead() + ".weight", take(in, h.vocab(), h.dim()));
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : LlamaFamily.INSTANCE.tensorShapes(config).keySet()) {
            ordered.put(name, w.get(name));
        }
        return new Llama2cCheckpoint(file, config, ordered);
    }

    private static float[][] perLayer(FloatBuffer in, int layers, int size) {
        float[][] out = new float[layers][size];
        for (float[] layer : out) {
            in.get(layer);
        }
        return out;
    }

    private static Tensor take(FloatBuffer in, int... shape) {
        float[] data = new float[Math.toIntExact(Tensor.sizeOf(shape))];
        in.get(data);
        return Tensor.of(data, shape);
    }

    /**
     * Rows of a query or key projection [heads·d, in] from llama2.c's interleaved-pair order to
     * Hugging Face's rotate-half order: within each head, new row j = old row 2j and new row
     * d/2 + j = old row 2j + 1 ({@code permute} of convert_llama_weights_to_hf.py).
     */
    static float[] halvesFromPairs(float[] w, int heads, int headSize, int in) {
        float[] out = new float[w.length];
        int half = headSize / 2;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                System.arraycopy(w, (h * headSize + 2 * j) * in, out, (h * headSize + j) * in, in);
                System.arraycopy(w, (h * headSize + 2 * j + 1) * in, out, (h * headSize + half + j) * in, in);
            }
        }
        return out;
    }
}
