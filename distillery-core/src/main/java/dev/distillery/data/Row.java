package dev.distillery.data;

/**
 * One example as read: its text (after the {@link TextTransform}), its label name, and where it starts.
 *
 * @param label label name as written in the file (integers as their decimal text), or null when read unlabelled
 * @param line  1-based line of the file where the row starts
 */
public record Row(String text, String label, long line) {
}
