package dev.distillery.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A part of a Markdown file that is generated, never edited by hand: the lines between
 * <pre>
 * &lt;!-- BEGIN GENERATED: NAME ... --&gt;
 * &lt;!-- END GENERATED: NAME --&gt;
 * </pre>
 * (the begin marker may say more after the name, such as the command that regenerates it).
 *
 * @param file the Markdown file
 * @param name what is generated, as the markers name it
 */
public record GeneratedSection(Path file, String name) {
    /** The text between the markers, without the marker lines. */
    public String read() throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int[] span = span(text);
        return text.substring(span[0], span[1]);
    }

    /** Replaces the text between the markers with {@code body} (ending in a newline, or empty). */
    public void write(String body) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int[] span = span(text);
        Files.writeString(file, text.substring(0, span[0]) + body + text.substring(span[1]), StandardCharsets.UTF_8);
    }

    /** Start (after the begin marker's line) and end (at the end marker) of the generated text. */
    private int[] span(String text) {
        String begin = "<!-- BEGIN GENERATED: " + name;
        String end = "<!-- END GENERATED: " + name + " -->";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < 0 || e < b || text.indexOf(begin, b + 1) >= 0) {
            throw new IllegalStateException(file + " needs exactly one pair of markers '" + begin + " ... -->' and '"
                    + end + "', in that order");
        }
        int afterBegin = text.indexOf('\n', b);
        if (afterBegin < 0 || afterBegin > e) {
            throw new IllegalStateException(file + ": the begin marker of " + name + " must end its line");
        }
        return new int[] {afterBegin + 1, e};
    }
}
