/**
 * What the user sees in the terminal while and after work runs: progress bars and aligned tables.
 * Nothing here computes results; callers hand in numbers and records from {@code eval} and {@code train}.
 */
package dev.distillery.report;
