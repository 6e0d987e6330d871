/**
 * Distillery on Apache Spark: {@link dev.distillery.spark.DistilleryClassifier} scores a text column of a
 * DataFrame with a model folder loaded once per executor JVM, and {@link dev.distillery.spark.TeacherLabelling}
 * writes a teacher's logits over a corpus as a content-keyed cache that {@code distill --teacher-logits} reads.
 */
package dev.distillery.spark;
