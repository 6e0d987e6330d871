package dev.distillery.tokenize;

import dev.distillery.tokenize.BpeTokenizer.SpecialIds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads llama2.c's tokenizer file (tokenizer.bin, tok512.bin; https://github.com/karpathy/llama2.c,
 * {@code tokenizer.py export} and {@code run.c build_tokenizer}): a little-endian int32
 * {@code max_token_length}, then per token until the end of the file a float32 score, an int32
 * byte length and that many UTF-8 bytes. Spaces are spelt ' ' (the export replaced SentencePiece's
 * '▁'), byte-fallback pieces {@code <0x00>}..{@code <0xFF>}, and ids 0, 1, 2 are the unknown
 * token, BOS and EOS, whose pieces the export wrote as "<unk>", "\n<s>\n" and "\n</s>\n".
 *
 * <p>Encoding is llama2.c's {@code encode(text, bos=1, eos=0)}: BOS, a space in front of non-empty
 * text, each character its piece or its bytes, then merges by best score. Special tokens written
 * in the text are not looked for, as llama2.c does not.
 */
final class Llama2cTokenizer {
    /** A longer piece than this is taken for corruption; real vocabularies stay under a hundred bytes. */
    static final int MAX_PIECE_BYTES = 1 << 16;

    private Llama2cTokenizer() {
    }

    static BpeTokenizer read(byte[] file, String source) throws InvalidTokenizerException {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length < 4) {
            throw new InvalidTokenizerException(source + " is " + file.length
                    + " bytes long, too short for the 4-byte max_token_length of a llama2.c tokenizer");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0 || maxTokenLength > MAX_PIECE_BYTES) {
            throw new InvalidTokenizerException(source + ": max_token_length is " + maxTokenLength
                    + "; expected 1.." + MAX_PIECE_BYTES + " (is this a llama2.c tokenizer file?)");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        var utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        while (in.hasRemaining()) {
            int id = pieces.size();
            if (in.remaining() < 8) {
                throw new InvalidTokenizerException(source + " ends inside the score and length of token " + id
                        + "; the file is truncated");
            }
            float score = in.getFloat();
            int length = in.getInt();
            if (!Float.isFinite(score)) {
                throw new InvalidTokenizerException(source + ": token " + id + " has score " + score
                        + "; scores must be finite");
            }
            if (length < 0 || length > maxTokenLength) {
                throw new InvalidTokenizerException(source + ": token " + id + " has length " + length
                        + "; expected 0.." + maxTokenLength + " (max_token_length)");
            }
            if (in.remaining() < length) {
                throw new InvalidTokenizerException(source + ": token " + id + " needs " + length + " bytes but only "
                        + in.remaining() + " remain; the file is truncated");
            }
            ByteBuffer bytes = in.slice(in.position(), length);
            in.position(in.position() + length);
            try {
                pieces.add(utf8.decode(bytes).toString());
            } catch (CharacterCodingException e) {
                throw new InvalidTokenizerException(source + ": token " + id + " is not valid UTF-8");
            }
            scores.add(score);
        }
        if (pieces.size() < 3) {
            throw new InvalidTokenizerException(source + " holds " + pieces.size()
                    + " tokens; a llama2.c tokenizer has at least <unk>, <s> and </s>");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        SpecialIds specials = new SpecialIds(1, 2, 0, -1);
        int[] types = SentencePieceVocab.inferTypes(pieces, 1, 2, 0);
        SentencePieceVocab gguf = new SentencePieceVocab(ggufPieces(pieces), s, types, 1, 2, 0, -1, true, false, true);
        return new BpeTokenizer(SentencePieceParts.build(pieces, s, types, specials, true, false, true, " ", false, gguf));
    }

    /** The pieces as SentencePiece spells them (and llama.cpp's converter writes them): '▁' for space, bare specials. */
    private static List<String> ggufPieces(List<String> pieces) {
        List<String> out = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            String p = pieces.get(i);
            out.add(i == 1 || i == 2 ? p.strip() : TokenDecoder.ByteFallback.byteOf(p) >= 0 ? p : p.replace(' ', '▁'));
        }
        return out;
    }
}
