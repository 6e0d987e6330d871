package dev.distillery.model;

import java.util.List;

/**
 * What a lenient load did besides copying tensors.
 *
 * @param keptInitial model parameters absent from the map, left at their random initialisation
 * @param ignored map entries the model has no use for (buffers, pretraining heads, a pooler)
 */
public record LoadReport(List<String> keptInitial, List<String> ignored) {
    public LoadReport {
        keptInitial = List.copyOf(keptInitial);
        ignored = List.copyOf(ignored);
    }
}
