package dev.distillery.robust;

import java.util.List;

/**
 * Where a greedy search may step from an item: distinct, never-proposed edits of it, each made by
 * one family of edits. URLs ({@link Proposals}) and multiple-choice questions
 * ({@link QuestionEdits}) are searched the same way through it.
 *
 * @param <T> the item edited
 * @param <E> the family an edit belongs to, reported with each accepted edit
 */
interface Neighbours<T, E> {
    /** Up to {@code want} unseen one-edit neighbours of {@code current}; fewer, or none, when they run out. */
    List<T> next(T current, int want);

    /** The family that made candidate {@code i} of the last {@link #next} call. */
    E family(int i);
}
