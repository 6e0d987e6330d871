/**
 * The command line: one picocli class per command, parsing options and calling the library.
 * No logic lives here beyond wiring and printing.
 */
package dev.distillery.cli;
