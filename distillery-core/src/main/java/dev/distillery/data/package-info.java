/**
 * Labelled text datasets: strict streaming readers for CSV, TSV and JSONL (plain or gzip), label maps,
 * text transforms, seeded host-grouped stratified splits and length-grouped batching.
 * Nothing here knows about models or tokenizers; bad files raise {@link dev.distillery.data.DatasetException}
 * naming the file and line.
 */
package dev.distillery.data;
