package dev.distillery.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Physical lines of a text file, gunzipped when the file starts with the gzip magic bytes, each
 * line decoded as strict UTF-8 on its own. Splitting on the byte 0x0A before decoding is safe
 * because UTF-8 never uses that byte inside a multi-byte sequence, and it is what lets an
 * undecodable byte be reported with its line number.
 */
final class LineSource implements Closeable {
    /** Longer physical lines are refused rather than buffered: no text example needs 16 MiB. */
    static final int MAX_LINE_BYTES = 16 << 20;

    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;

    private final Path file;
    private final InputStream in;
    private final boolean gzipped;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[256];
    private long lineNumber;
    private boolean eof;

    private LineSource(Path file, InputStream in, boolean gzipped) {
        this.file = file;
        this.in = in;
        this.gzipped = gzipped;
    }

    static LineSource open(Path file) {
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file, 0, "file not found");
        } catch (IOException e) {
            throw new DatasetException(file, 0, "cannot open: " + e.getMessage(), e);
        }
        try {
            BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
            buffered.mark(2);
            int b1 = buffered.read();
            int b2 = buffered.read();
            buffered.reset();
            boolean gz = b1 == GZIP_MAGIC_1 && b2 == GZIP_MAGIC_2;
            InputStream in = gz ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            return new LineSource(file, in, gz);
        } catch (IOException e) {
            closeQuietly(raw);
            throw new DatasetException(file, 0, "cannot read gzip header: " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    boolean gzipped() {
        return gzipped;
    }

    /** 1-based number of the line last returned by {@link #next()}. */
    long lineNumber() {
        return lineNumber;
    }

    /** The next line without its {@code \n} or {@code \r\n}, or null at the end of the file. */
    String next() {
        if (eof) {
            return null;
        }
        int length = 0;
        boolean sawNewline = false;
        while (!sawNewline) {
            if (chunkPos == chunkEnd && !fill()) {
                break;
            }
            int start = chunkPos;
            int stop = start;
            while (stop < chunkEnd && chunk[stop] != '\n') {
                stop++;
            }
            int n = stop - start;
            if (length + n > MAX_LINE_BYTES) {
                throw new DatasetException(file, lineNumber + 1,
                        "line is longer than " + MAX_LINE_BYTES + " bytes; is this a text dataset?");
            }
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.max(length + n, line.length * 2));
            }
            System.arraycopy(chunk, start, line, length, n);
            length += n;
            chunkPos = stop;
            if (stop < chunkEnd) {
                sawNewline = true;
                chunkPos++;
            }
        }
        if (!sawNewline && length == 0) {
            eof = true;
            return null;
        }
        lineNumber++;
        int offset = 0;
        if (lineNumber == 1 && length >= 3 && (line[0] & 0xff) == 0xef && (line[1] & 0xff) == 0xbb
                && (line[2] & 0xff) == 0xbf) {
            offset = 3; // a UTF-8 byte order mark is not part of the first column name
        }
        if (length > offset && line[length - 1] == '\r') {
            length--;
        }
        return decode(offset, length);
    }

    private String decode(int offset, int end) {
        boolean ascii = true;
        for (int i = offset; i < end && ascii; i++) {
            ascii = line[i] >= 0;
        }
        if (ascii) {
            return new String(line, offset, end - offset, StandardCharsets.US_ASCII); // the common case, without a decoder
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, offset, end - offset);
        try {
            CharBuffer chars = decoder.reset().decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            int column = bytes.position() - offset + 1;
            throw new DatasetException(file, lineNumber, String.format(
                    "bytes are not valid UTF-8 at byte %d of the line (0x%02x); re-save the file as UTF-8",
                    column, line[bytes.position()] & 0xff));
        }
    }

    private boolean fill() {
        try {
            int n = in.read(chunk, 0, chunk.length);
            if (n <= 0) {
                return false;
            }
            chunkPos = 0;
            chunkEnd = n;
            return true;
        } catch (EOFException e) {
            throw new DatasetException(file, lineNumber + 1,
                    "gzip data ends early (truncated download?)", e);
        } catch (ZipException e) {
            throw new DatasetException(file, lineNumber + 1, "corrupt gzip data: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DatasetException(file, lineNumber + 1, "read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(in);
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing useful to do: the data was already read or already failed
        }
    }
}
