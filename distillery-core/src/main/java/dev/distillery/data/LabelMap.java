package dev.distillery.data;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Label names in class-index order: index {@code i} of a model's logits means {@code name(i)}. A model
 * stores {@link #names()} so predictions map back to the same names whatever order rows came in.
 *
 * <p>{@link #infer} orders names so that the same set always gives the same map: if every name is a
 * canonical decimal integer ({@code 0}, {@code 17}, {@code -3}; no sign {@code +}, no leading zeros)
 * they are sorted numerically, so {@code {"1","0","10"}} → {@code [0, 1, 10]}; otherwise they are
 * sorted by {@link String#compareTo} (UTF-16 code units, which is Python's {@code sorted()} order for
 * text without surrogate pairs), so {@code {"phishing","benign"}} → {@code [benign, phishing]}.
 * Use {@link #of} to give an explicit order instead.
 */
public final class LabelMap {
    private static final Pattern CANONICAL_INT = Pattern.compile("-?(0|[1-9][0-9]*)");

    private final List<String> names;
    private final Map<String, Integer> index;

    private LabelMap(List<String> names) {
        this.names = List.copyOf(names);
        this.index = new HashMap<>();
        if (this.names.isEmpty()) {
            throw new DatasetException("a label map needs at least one label");
        }
        for (int i = 0; i < this.names.size(); i++) {
            String name = this.names.get(i);
            if (name.isBlank()) {
                throw new DatasetException("label " + i + " of " + this.names + " is blank");
            }
            if (index.putIfAbsent(name, i) != null) {
                throw new DatasetException("label '" + name + "' occurs twice in " + this.names);
            }
        }
    }

    /** The given names in the given order (e.g. as stored in a model). */
    public static LabelMap of(List<String> names) {
        return new LabelMap(names);
    }

    public static LabelMap of(String... names) {
        return new LabelMap(List.of(names));
    }

    /** The distinct names of {@code seen} in the documented stable order (see class comment). */
    public static LabelMap infer(Collection<String> seen) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(seen));
        boolean allIntegers = distinct.stream().allMatch(s -> CANONICAL_INT.matcher(s).matches());
        distinct.sort(allIntegers ? Comparator.comparing(BigInteger::new) : Comparator.naturalOrder());
        return new LabelMap(distinct);
    }

    public List<String> names() {
        return names;
    }

    public int size() {
        return names.size();
    }

    public String name(int labelIndex) {
        return names.get(labelIndex);
    }

    /** Class index of {@code name}, or -1 when the map does not know it. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    public boolean contains(String name) {
        return index.containsKey(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMap other && names.equals(other.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return names.toString();
    }
}
