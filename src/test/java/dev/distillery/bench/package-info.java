/**
 * Benchmarks, never run as tests: JMH suites pairing each kernel with its scalar twin, and plain
 * {@code main} programs that print throughput for the shapes the models use.
 */
package dev.distillery.bench;
