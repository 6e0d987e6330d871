/**
 * Recipes: a whole pipeline (data, teacher, student, losses, quantization, pruning, verification,
 * outputs) described in one YAML or JSON file, checked field by field before any work starts.
 * {@link dev.distillery.recipe.RecipeRun} runs its steps in order, each cached by a hash of its inputs,
 * so a rerun skips what is finished and an interrupted run resumes.
 */
package dev.distillery.recipe;
