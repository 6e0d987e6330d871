package dev.distillery.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A decoder of Hugging Face's pipeline (https://huggingface.co/docs/tokenizers/api/decoders): it
 * rewrites the list of token strings, and the text is the concatenation of what the last one
 * returns ({@code Decoder::decode}). Each implementation follows the Rust component of the same name.
 */
sealed interface TokenDecoder {
    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }

    /** {@code ByteLevel}: the bytes every token spells, as one UTF-8 string, invalid sequences replaced by U+FFFD. */
    record ByteLevelBytes() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                ByteLevel.appendBytes(t, bytes);
            }
            return List.of(Utf8.decodeLossy(bytes.toByteArray(), bytes.size()));
        }
    }

    /**
     * {@code Metaspace}: the replacement character back to a space, except that the first token
     * loses it when a prefix was prepended while encoding.
     */
    record Metaspace(char replacement, PreTokenizer.PrependScheme prependScheme) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                StringBuilder s = new StringBuilder();
                String t = tokens.get(i);
                for (int k = 0; k < t.length(); k++) {
                    char c = t.charAt(k);
                    if (c != replacement) {
                        s.append(c);
                    } else if (i != 0 || prependScheme == PreTokenizer.PrependScheme.NEVER) {
                        s.append(' ');
                    }
                }
                out.add(s.toString());
            }
            return out;
        }
    }

    /** {@code Replace}: in each token, every match of a pattern by {@code content}. */
    record Replace(Pattern pattern, String content) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                out.add(pattern.matcher(t).replaceAll(Matcher.quoteReplacement(content)));
            }
            return out;
        }
    }

    /**
     * {@code ByteFallback}: runs of byte tokens ({@code <0x41>}) become the text they spell, or one
     * U+FFFD per byte when the run is not valid UTF-8.
     */
    record ByteFallback() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    run.write(b);
                    continue;
                }
                flush(run, out);
                out.add(t);
            }
            flush(run, out);
            return out;
        }

        /** The byte of a token spelt {@code <0xNN>} (hex digits either case), or -1. */
        static int byteOf(String token) {
            if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(token.charAt(3), 16);
            int lo = Character.digit(token.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }

        private static void flush(ByteArrayOutputStream run, List<String> out) {
            if (run.size() == 0) {
                return;
            }
            try {
                out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(run.toByteArray()))
                        .toString());
            } catch (CharacterCodingException e) {
                for (int i = 0; i < run.size(); i++) {
                    out.add("\uFFFD");
                }
            }
            run.reset();
        }
    }

    /** {@code Fuse}: all tokens joined into one. */
    record Fuse() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** {@code Strip}: up to {@code start} leading and {@code stop} trailing {@code content} characters off each token. */
    record Strip(int content, int start, int stop) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < Math.min(start, cps.length) && cps[from] == content) {
                    from++;
                }
                int to = cps.length;
                for (int i = 0; i < stop && to - 1 >= from && cps[to - 1] == content; i++) {
                    to--;
                }
                out.add(new String(cps, from, to - from));
            }
            return out;
        }
    }

    /** {@code BPEDecoder}: the end-of-word suffix becomes a space, except at the end. */
    record WordSuffix(String suffix) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            }
            return out;
        }
    }

    /** {@code Sequence}: each decoder in turn over the tokens of the one before. */
    record Sequence(List<TokenDecoder> steps) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = tokens;
            for (TokenDecoder step : steps) {
                out = step.decodeChain(out);
            }
            return out;
        }
    }

    /** No decoder: tokens joined with a space, as Hugging Face does without one. */
    record JoinWithSpace() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join(" ", tokens));
        }
    }
}
