package dev.distillery.data;

import dev.distillery.tokenize.Printable;
import java.nio.file.Path;

/**
 * A dataset file (or a dataset setting) that cannot be used as given. The message is one sentence
 * that starts with {@code file:line:} when a line is known, so a user can open the file at the spot; column
 * names, labels and fields quoted from the file are escaped so that it stays one line.
 */
public final class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long line;

    /** @param line 1-based physical line in the (decompressed) file, or 0 when no line applies */
    public DatasetException(Path file, long line, String message) {
        this(file == null ? null : file.toString(), line, message, null);
    }

    public DatasetException(Path file, long line, String message, Throwable cause) {
        this(file == null ? null : file.toString(), line, message, cause);
    }

    public DatasetException(String message) {
        this((String) null, 0, message, null);
    }

    private DatasetException(String file, long line, String message, Throwable cause) {
        super(Printable.oneLine(prefix(file, line) + message), cause);
        this.file = file;
        this.line = line;
    }

    private static String prefix(String file, long line) {
        if (file == null) {
            return "";
        }
        return line > 0 ? file + ":" + line + ": " : file + ": ";
    }

    /** The file named in the message, or null. */
    public String file() {
        return file;
    }

    /** 1-based line the problem was found on, or 0 when it concerns the whole file. */
    public long line() {
        return line;
    }
}
