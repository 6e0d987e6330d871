package dev.distillery.model;

import dev.distillery.nn.Parameter;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Matches a Hugging Face weight map to a model's parameters by name and copies the tensors in.
 * Accepts the family prefix ({@code bert.}, {@code model.}) present or absent, and the
 * {@code gamma}/{@code beta} LayerNorm names of old TensorFlow-converted checkpoints.
 */
public final class WeightBinder {
    private WeightBinder() {
    }

    /**
     * @param familyPrefix the family's prefix of backbone tensors ({@code "bert."}, {@code "model."})
     * @param mayKeepInitial parameters allowed to be absent (left as initialised)
     * @param mayIgnore map entries allowed to be unknown (skipped and reported)
     */
    public static LoadReport bind(String model, List<Parameter> params, Map<String, Tensor> source, String familyPrefix,
                           Predicate<String> mayKeepInitial, Predicate<String> mayIgnore) {
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Parameter p : params) {
            byName.put(p.name(), p);
        }
        Map<Parameter, Tensor> matched = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        java.util.Set<Parameter> misshapen = new java.util.HashSet<>();
        for (Map.Entry<String, Tensor> e : source.entrySet()) {
            String key = e.getKey();
            Parameter p = lookup(byName, normalise(key), familyPrefix);
            if (p == null) {
                if (key.endsWith("position_ids") || mayIgnore.test(key)) {
                    ignored.add(key);
                } else {
                    unexpected.add(key);
                }
            } else if (!Arrays.equals(p.value().shape(), e.getValue().shape())) {
                misshapen.add(p);
                wrongShape.add(key + ": " + Arrays.toString(e.getValue().shape()) + ", expected "
                        + Arrays.toString(p.value().shape()) + " for " + p.name());
            } else if (matched.put(p, e.getValue()) != null) {
                unexpected.add(key + " (a second tensor for " + p.name() + ")");
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> keptInitial = new ArrayList<>();
        for (Parameter p : params) {
            if (!matched.containsKey(p) && !misshapen.contains(p)) {
                (mayKeepInitial.test(p.name()) ? keptInitial : missing).add(p.name());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !wrongShape.isEmpty()) {
            throw new WeightMismatchException(model, missing, unexpected, wrongShape);
        }
        for (Map.Entry<Parameter, Tensor> e : matched.entrySet()) {
            float[] src = e.getValue().data();
            System.arraycopy(src, 0, e.getKey().data(), 0, src.length);
            e.getKey().touch();
        }
        return new LoadReport(keptInitial, ignored);
    }

    public static Map<String, Tensor> export(List<Parameter> params) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : params) {
            out.put(p.name(), p.value());
        }
        return out;
    }

    private static String normalise(String key) {
        if (key.endsWith(".gamma")) {
            return key.substring(0, key.length() - ".gamma".length()) + ".weight";
        }
        if (key.endsWith(".beta")) {
            return key.substring(0, key.length() - ".beta".length()) + ".bias";
        }
        return key;
    }

    private static Parameter lookup(Map<String, Parameter> byName, String key, String familyPrefix) {
        Parameter p = byName.get(key);
        if (p == null) {
            p = byName.get(familyPrefix + key);
        }
        if (p == null && key.startsWith(familyPrefix)) {
            p = byName.get(key.substring(familyPrefix.length()));
        }
        return p;
    }
}
