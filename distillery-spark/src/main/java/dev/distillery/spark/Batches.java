package dev.distillery.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * A partition's rows in micro-batches: reads up to {@code size} rows, maps them together, hands
 * out the results, then reads the next batch. A partition never sits in memory whole, and the
 * model sees enough rows at once to group them by length ({@link dev.distillery.classify.BatchInference}).
 */
final class Batches {
    private Batches() {
    }

    /** {@code f} over consecutive batches of at most {@code size} rows; it returns one result per row, in order. */
    static <T, R> Iterator<R> map(Iterator<T> rows, int size, Function<List<T>, List<R>> f) {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + size);
        }
        return new Iterator<>() {
            private Iterator<R> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    List<T> batch = new ArrayList<>(size);
                    while (batch.size() < size && rows.hasNext()) {
                        batch.add(rows.next());
                    }
                    List<R> out = f.apply(batch);
                    if (out.size() != batch.size()) {
                        throw new IllegalStateException(batch.size() + " rows in, " + out.size() + " out");
                    }
                    current = out.iterator();
                }
                return current.hasNext();
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
