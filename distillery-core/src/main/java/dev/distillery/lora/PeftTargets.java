package dev.distillery.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * PEFT's {@code target_modules}: how PEFT decides which modules an adapter config selects
 * ({@code check_target_module_exists}: with a list, a module name equal to an entry or ending in
 * "." + entry; with a string, a regular expression matching the whole name), and the value to
 * write so that PEFT selects exactly the modules Distillery adapted.
 */
final class PeftTargets {
    private PeftTargets() {
    }

    /** True when a list of targets selects {@code module}. */
    static boolean matches(List<String> targets, String module) {
        for (String t : targets) {
            if (module.equals(t) || module.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    /** True when a regular-expression target (matched against the whole name) selects {@code module}. */
    static boolean matches(String regex, String module) {
        return Pattern.compile(regex).matcher(module).matches();
    }

    /**
     * The {@code target_modules} value for adapters on the stems of {@code chosen} (role → stems)
     * among every projection of the model ({@code candidates}): for each role the shortest trailing
     * part of its stems (whole dot-separated names: {@code q_proj}, {@code attention.output.dense})
     * that selects exactly that role's stems, as a list; when some role has none (BERT's layer
     * {@code output.dense} also ends {@code attention.output.dense}), a regular expression naming
     * every adapted module exactly.
     *
     * @return a {@code List<String>} or a {@code String}
     */
    static Object targetModules(Map<String, List<String>> chosen, Collection<String> candidates) {
        List<String> list = new ArrayList<>();
        for (List<String> stems : chosen.values()) {
            String suffix = shortestSuffix(stems, candidates);
            if (suffix == null) {
                return chosen.values().stream().flatMap(List::stream).map(PeftTargets::escape)
                        .collect(Collectors.joining("|", "(", ")"));
            }
            if (!list.contains(suffix)) {
                list.add(suffix);
            }
        }
        return list;
    }

    /** {@code s} with every character but letters, digits and '_' escaped, a pattern both Java and Python's re read. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (!Character.isLetterOrDigit(c) && c != '_') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** The shortest dot-suffix shared by every stem that selects exactly {@code stems} among {@code candidates}. */
    private static String shortestSuffix(List<String> stems, Collection<String> candidates) {
        String[] parts = stems.getFirst().split("\\.");
        for (int n = 1; n <= parts.length; n++) {
            String suffix = String.join(".", List.of(parts).subList(parts.length - n, parts.length));
            boolean shared = stems.stream().allMatch(s -> matches(List.of(suffix), s));
            boolean exact = candidates.stream().filter(c -> matches(List.of(suffix), c)).allMatch(stems::contains);
            if (shared && exact) {
                return suffix;
            }
        }
        return null;
    }
}
