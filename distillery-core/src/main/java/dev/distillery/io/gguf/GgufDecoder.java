package dev.distillery.io.gguf;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.RotaryLayout;
import dev.distillery.model.ModelConfig;
import dev.distillery.model.llama.LlamaConfig;
import dev.distillery.model.llama.LlamaFamily;
import dev.distillery.model.llama.LlamaNames;
import dev.distillery.quant.Q4_0Tensor;
import dev.distillery.quant.Q8_0Tensor;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.tensor.Tensor;
import dev.distillery.tokenize.BpeTokenizer;
import dev.distillery.tokenize.InvalidTokenizerException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama-family decoder in a GGUF file as llama.cpp writes and reads it: architecture "llama"
 * (Llama 2 and 3, SmolLM) or "qwen2", hyperparameters under {@code <arch>.*} keys, tensors under
 * llama.cpp's names ({@code token_embd}, {@code blk.N.attn_q}, ...; {@link LlamaNames#ggufNames}),
 * the tokenizer in the {@code tokenizer.ggml.*} metadata. F32, F16 and BF16 tensors are read as
 * FP32; Q8_0 and Q4_0 stay packed, computed on by the low-bit kernels.
 *
 * <p>llama.cpp rotates adjacent pairs for architecture "llama" (its converter permutes the query
 * and key rows of a Hugging Face checkpoint) and halves for "qwen2"; the rows are moved back and
 * forth with {@link RotaryLayout} (on whole quantized rows too, since only row order changes).
 * Llama 3.1 frequency factors ({@code rope_freqs.weight}) are not read.
 *
 * @param dense     canonical Hugging Face name to FP32 tensor
 * @param quantized canonical name to packed Q8_0 or Q4_0 tensor
 * @param tokenizer    the tokenizer stored in the metadata, or null when the file has none
 * @param chatTemplate the Jinja chat template in the metadata, or null
 */
public record GgufDecoder(LlamaConfig config, Map<String, Tensor> dense, Map<String, QuantizedTensor> quantized,
                          BpeTokenizer tokenizer, String chatTemplate) {
    public static final String ARCHITECTURE = "general.architecture";
    public static final String FILE_TYPE = "general.file_type";

    public GgufDecoder {
        dense = Collections.unmodifiableMap(new LinkedHashMap<>(dense));
        quantized = Collections.unmodifiableMap(new LinkedHashMap<>(quantized));
    }

    /**
     * Reads a GGUF decoder.
     *
     * @throws CheckpointFormatException naming the file and key or tensor when it is not a Llama or
     *                                   Qwen2 model this reader takes, or a tensor is missing or misshapen
     */
    public static GgufDecoder read(Path path) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            String arch = f.string(ARCHITECTURE);
            if (!arch.equals("llama") && !arch.equals("qwen2")) {
                throw new CheckpointFormatException(path + ": " + ARCHITECTURE + " is \"" + arch
                        + "\"; this reader takes \"llama\" and \"qwen2\" models");
            }
            if (f.contains("rope_freqs.weight") || f.get(arch + ".rope.scaling.type") != null
                    && !f.string(arch + ".rope.scaling.type").equals("none")) {
                throw new CheckpointFormatException(path + ": rope frequency scaling (rope_freqs.weight, "
                        + arch + ".rope.scaling.type) is not supported");
            }
            BpeTokenizer tokenizer = GgufTokenizer.present(f) ? GgufTokenizer.read(f) : null;
            int hidden = (int) f.integer(arch + ".embedding_length");
            int heads = (int) f.integer(arch + ".attention.head_count");
            int kvHeads = (int) f.integer(arch + ".attention.head_count_kv", heads);
            int headDim = (int) f.integer(arch + ".rope.dimension_count", hidden / heads);
            long vocab = f.integer(arch + ".vocab_size", -1);
            if (vocab < 0) {
                vocab = f.info("token_embd.weight").rows();
            }
            boolean tied = !f.contains("output.weight");
            boolean bias = f.contains("blk.0.attn_q.bias");
            List<Integer> eos = new ArrayList<>();
            if (f.get(GgufTokenizer.EOS) != null) {
                eos.add((int) f.integer(GgufTokenizer.EOS));
            }
            LlamaConfig config;
            try {
                config = new LlamaConfig(arch, (int) vocab, hidden, (int) f.integer(arch + ".block_count"), heads, kvHeads,
                        headDim, (int) f.integer(arch + ".feed_forward_length"),
                        (int) f.integer(arch + ".context_length"),
                        (float) f.number(arch + ".attention.layer_norm_rms_epsilon"),
                        f.number(arch + ".rope.freq_base", 10000), null, tied, bias, false, false,
                        f.get(GgufTokenizer.BOS) != null ? (int) f.integer(GgufTokenizer.BOS) : -1, eos);
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(path + ": " + e.getMessage(), e);
            }
            Map<String, int[]> shapes = LlamaFamily.NAMES.shapes(config);
            Map<String, Tensor> dense = new LinkedHashMap<>();
            Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : LlamaFamily.NAMES.ggufNames(config).entrySet()) {
                String name = e.getKey();
                String stored = e.getValue();
                if (!f.contains(stored)) {
                    throw new CheckpointFormatException(path + " has no tensor '" + stored + "' (" + name + "), which "
                            + "its metadata implies");
                }
                GgufTensorInfo info = f.info(stored);
                int[] shape = shapes.get(name);
                if (!java.util.Arrays.equals(java.util.Arrays.stream(info.shape()).mapToInt(Math::toIntExact).toArray(),
                        shape)) {
                    throw new CheckpointFormatException(path + ": tensor '" + stored + "' has shape "
                            + java.util.Arrays.toString(info.shape()) + ", expected " + java.util.Arrays.toString(shape));
                }
                int rotated = rotatedHeads(config, name);
                switch (info.type()) {
                    case Q8_0 -> {
                        Q8_0Tensor q = f.q8_0(stored);
                        quantized.put(name, rotated == 0 ? q : new Q8_0Tensor(q.rows(), q.cols(), RotaryLayout
                                .interleavedToHalves(q.blocks(), rotated, headDim, q.cols() / 32 * Q8_0Tensor.BLOCK_BYTES)));
                    }
                    case Q4_0 -> {
                        Q4_0Tensor q = f.q4_0(stored);
                        quantized.put(name, rotated == 0 ? q : new Q4_0Tensor(q.rows(), q.cols(), RotaryLayout
                                .interleavedToHalves(q.blocks(), rotated, headDim, q.cols() / 32 * Q4_0Tensor.BLOCK_BYTES)));
                    }
                    case F32, F16, BF16 -> {
                        Tensor t = f.toTensor(stored);
                        dense.put(name, rotated == 0 ? t : Tensor.of(RotaryLayout.interleavedToHalves(t.data(), rotated,
                                headDim, shape.length == 2 ? shape[1] : 1), shape));
                    }
                    default -> throw new CheckpointFormatException(path + ": tensor '" + stored + "' has type "
                            + info.type() + "; Distillery computes on F32, F16, BF16, Q8_0 and Q4_0");
                }
            }
            String chat = f.get(GgufTokenizer.CHAT_TEMPLATE) != null ? f.string(GgufTokenizer.CHAT_TEMPLATE) : null;
            return new GgufDecoder(config, dense, quantized, tokenizer, chat);
        }
    }

    /**
     * Heads whose rows llama.cpp stores as adjacent pairs in {@code name} (query or key weight and
     * bias of architecture "llama"); 0 for any other tensor.
     */
    private static int rotatedHeads(LlamaConfig c, String name) {
        if (!c.family().equals("llama")) {
            return 0; // llama.cpp rotates Qwen2's halves, as Hugging Face does
        }
        for (int i = 0; i < c.numLayers(); i++) {
            LlamaNames.Layer l = LlamaFamily.NAMES.layer(LlamaFamily.NAMES.prefix(), i);
            if (name.startsWith(l.query() + ".")) {
                return c.numHeads();
            }
            if (name.startsWith(l.key() + ".")) {
                return c.numKvHeads();
            }
        }
        return 0;
    }

    /**
     * Writes a GGUF v3 file llama.cpp loads: the config as {@code <arch>.*} metadata, each tensor
     * under its llama.cpp name (dense ones as F32, packed Q8_0 and Q4_0 as stored), the tokenizer
     * when given.
     *
     * @throws IllegalArgumentException for a quantized format GGUF has no type for (NF4), or a model
     *                                  with Llama 3 rope scaling
     */
    public static void write(Path file, ModelConfig config, Map<String, Tensor> dense,
                             Map<String, QuantizedTensor> quantized, BpeTokenizer tokenizer, String modelName)
            throws IOException {
        if (!(config instanceof LlamaConfig c)) {
            throw new IllegalArgumentException("GGUF export covers the Llama family (llama, qwen2), not "
                    + config.family());
        }
        if (c.ropeScaling() != null) {
            throw new IllegalArgumentException("writing Llama 3 rope scaling to GGUF (rope_freqs.weight) is not supported");
        }
        String arch = c.family();
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(ARCHITECTURE, GgufValue.string(arch));
        m.put("general.name", GgufValue.string(modelName));
        boolean q4 = quantized.values().stream().anyMatch(q -> q instanceof Q4_0Tensor);
        boolean q8 = quantized.values().stream().anyMatch(q -> q instanceof Q8_0Tensor);
        m.put(FILE_TYPE, GgufValue.uint32(q4 ? 2 : q8 ? 7 : 0)); // llama.cpp's MOSTLY_Q4_0, MOSTLY_Q8_0, ALL_F32
        m.put(arch + ".vocab_size", GgufValue.uint32(c.vocabSize()));
        m.put(arch + ".context_length", GgufValue.uint32(c.maxPositions()));
        m.put(arch + ".embedding_length", GgufValue.uint32(c.hiddenSize()));
        m.put(arch + ".block_count", GgufValue.uint32(c.numLayers()));
        m.put(arch + ".feed_forward_length", GgufValue.uint32(c.intermediateSize()));
        m.put(arch + ".attention.head_count", GgufValue.uint32(c.numHeads()));
        m.put(arch + ".attention.head_count_kv", GgufValue.uint32(c.numKvHeads()));
        m.put(arch + ".rope.dimension_count", GgufValue.uint32(c.headDim()));
        m.put(arch + ".rope.freq_base", GgufValue.float32((float) c.ropeTheta()));
        m.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.float32(c.rmsNormEps()));
        if (tokenizer != null) {
            try {
                m.putAll(GgufTokenizer.metadata(tokenizer));
            } catch (InvalidTokenizerException e) {
                throw new IllegalArgumentException("the tokenizer cannot be stored in GGUF: " + e.getMessage(), e);
            }
        }
        if (c.bosTokenId() >= 0) {
            m.putIfAbsent(GgufTokenizer.BOS, GgufValue.uint32(c.bosTokenId()));
        }
        if (!c.eosTokenIds().isEmpty()) { // GGUF holds one end-of-sequence id
            m.putIfAbsent(GgufTokenizer.EOS, GgufValue.uint32(c.eosTokenIds().getFirst()));
        }
        List<GgufTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, String> e : LlamaFamily.NAMES.ggufNames(c).entrySet()) {
            String name = e.getKey();
            int rotated = rotatedHeads(c, name);
            Tensor d = dense.get(name);
            QuantizedTensor q = quantized.get(name);
            if (d != null) {
                int cols = d.rank() == 2 ? d.dim(1) : 1;
                Tensor t = rotated == 0 ? d
                        : Tensor.of(RotaryLayout.halvesToInterleaved(d.data(), rotated, c.headDim(), cols), d.shape());
                tensors.add(GgufTensor.of(e.getValue(), t, GgmlType.F32));
            } else if (q instanceof Q8_0Tensor t) {
                tensors.add(GgufTensor.of(e.getValue(), rotated == 0 ? t : new Q8_0Tensor(t.rows(), t.cols(),
                        RotaryLayout.halvesToInterleaved(t.blocks(), rotated, c.headDim(),
                                t.cols() / 32 * Q8_0Tensor.BLOCK_BYTES))));
            } else if (q instanceof Q4_0Tensor t) {
                tensors.add(GgufTensor.of(e.getValue(), rotated == 0 ? t : new Q4_0Tensor(t.rows(), t.cols(),
                        RotaryLayout.halvesToInterleaved(t.blocks(), rotated, c.headDim(),
                                t.cols() / 32 * Q4_0Tensor.BLOCK_BYTES))));
            } else {
                throw new IllegalArgumentException(q == null ? "no tensor " + name + " to write"
                        : name + " is " + q.scheme().id() + ", which GGUF has no type for; use q8_0 or q4_0");
            }
        }
        GgufWriter.write(file, m, tensors);
    }
}
