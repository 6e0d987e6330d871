/**
 * The classification server: an HTTP API over a student classifier that micro-batches concurrent
 * requests and escalates uncertain inputs to a teacher, with limits, Prometheus metrics and graceful
 * shutdown. It holds no model logic of its own; {@code cli.ServeCommand} and {@code cli.LoadTestCommand}
 * are its shells.
 */
package dev.distillery.serve;
