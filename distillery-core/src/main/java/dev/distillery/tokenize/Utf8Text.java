package dev.distillery.tokenize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whole text files read as strict UTF-8, for the readers whose errors must say where a file stops being text
 * (the JDK's own decoders say only {@code Input length = 1}). A size limit is checked before anything is read.
 * <pre>{@code
 * try {
 *     String text = Utf8Text.read(file, 64 << 20);
 * } catch (Utf8Text.MalformedException e) {
 *     e.where();   // "line 3, byte 5 of the line (0x81)"
 * }
 * }</pre>
 */
public final class Utf8Text {
    private Utf8Text() {
    }

    /** Bytes that are not UTF-8, located by 1-based line and byte within that line. */
    public static final class MalformedException extends CharacterCodingException {
        private static final long serialVersionUID = 1L;
        private final long line;
        private final int byteInLine;
        private final int value;

        MalformedException(long line, int byteInLine, int value) {
            this.line = line;
            this.byteInLine = byteInLine;
            this.value = value;
        }

        /** {@code line 3, byte 5 of the line (0x81)}. */
        public String where() {
            return String.format(Locale.ROOT, "line %d, byte %d of the line (0x%02x)", line, byteInLine, value);
        }

        @Override
        public String getMessage() {
            return "bytes are not valid UTF-8 at " + where();
        }
    }

    /** A file larger than the reader accepts; its message names the file, its size and the limit. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * The file's text, refusing a file over {@code maxBytes} before reading it.
     *
     * @throws MalformedException at the first byte that is not UTF-8
     * @throws TooLargeException  when the file is larger than {@code maxBytes}
     */
    public static String read(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new TooLargeException(file + " is " + size + " bytes, more than the " + maxBytes
                    + " this reader accepts; is it the right file?");
        }
        return decode(Files.readAllBytes(file));
    }

    /** {@code bytes} decoded as UTF-8, a leading byte order mark kept (callers decide what it means). */
    public static String decode(byte[] bytes) throws MalformedException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
        } catch (CharacterCodingException e) {
            int bad = in.position();
            long line = 1;
            int lineStart = 0;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new MalformedException(line, bad - lineStart + 1, bytes[bad] & 0xff);
        }
    }
}
