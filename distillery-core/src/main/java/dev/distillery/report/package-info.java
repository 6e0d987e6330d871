/**
 * What the user sees of results: progress bars, aligned terminal tables, and charts drawn as inline SVG
 * for self-contained HTML pages. Nothing here computes results; callers hand in numbers and records
 * from {@code eval}, {@code train} and {@code verify}.
 */
package dev.distillery.report;
