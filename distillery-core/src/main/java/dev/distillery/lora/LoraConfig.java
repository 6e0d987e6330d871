package dev.distillery.lora;

import dev.distillery.model.ModelConfig;
import dev.distillery.model.ModelFamilies;
import dev.distillery.model.ModelFamily;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a LoRA adapter is: its rank r, α (the product is scaled by α / r), the dropout on its
 * input, the projection roles it targets (as the model's family names them, e.g. Llama's q, k, v,
 * o, gate, up, down) and which biases train, as PEFT's {@code LoraConfig} (r, lora_alpha,
 * lora_dropout, target_modules, bias).
 *
 * @param targets roles of the model's family, in the family's order
 */
public record LoraConfig(int rank, float alpha, float dropout, List<String> targets, Bias bias) {
    /** PEFT's {@code bias} setting: which biases train beside the adapters. */
    public enum Bias {
        /** None (PEFT's default). */
        NONE("none"),
        /** Every bias of the model. */
        ALL("all"),
        /** The biases of the adapted projections. */
        LORA_ONLY("lora_only");

        private final String id;

        Bias(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Bias fromId(String id) {
            for (Bias b : values()) {
                if (b.id.equals(id)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("bias \"" + id + "\" is not one of none, all, lora_only");
        }
    }

    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("the LoRA rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0) || !Float.isFinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be a positive number, got " + alpha);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a LoRA adapter needs at least one target projection");
        }
        targets = List.copyOf(targets);
    }

    /** α / r, the factor on the adapter's product. */
    public float scale() {
        return alpha / rank;
    }

    /**
     * The roles {@code requested} names in {@code config}'s family: each entry is a role
     * ({@code q}, {@code query}) or a PEFT target name that selects whole roles by PEFT's rule
     * ({@code q_proj}, {@code attention.output.dense}); "all" is every role. Returned in the
     * family's order.
     *
     * @throws IllegalArgumentException naming an entry that selects nothing, with the roles offered
     */
    public static List<String> resolveTargets(ModelConfig config, List<String> requested) {
        ModelFamily family = ModelFamilies.of(config);
        Map<String, List<String>> roles = family.adapterTargets(config);
        if (roles.isEmpty()) {
            throw new IllegalArgumentException(family.name() + " models offer no projections for LoRA adapters");
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (String raw : requested) {
            String t = raw.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (t.toLowerCase(Locale.ROOT).equals("all")) {
                chosen.addAll(roles.keySet());
            } else if (roles.containsKey(t)) {
                chosen.add(t);
            } else {
                List<String> matched = new ArrayList<>();
                roles.forEach((role, stems) -> {
                    if (!stems.isEmpty() && stems.stream().allMatch(s -> PeftTargets.matches(List.of(t), s))) {
                        matched.add(role);
                    }
                });
                if (matched.isEmpty()) {
                    throw new IllegalArgumentException("unknown LoRA target \"" + t + "\" for a " + family.name()
                            + " model; choose from " + String.join(", ", roles.keySet()) + " (or all)");
                }
                chosen.addAll(matched);
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no LoRA target given; choose from " + String.join(", ", roles.keySet()));
        }
        return roles.keySet().stream().filter(chosen::contains).toList();
    }
}
