package dev.distillery.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a structured prune keeps, in the numbering of the model it is applied to.
 *
 * @param keptLayers  source layer indices, ascending; new layer k is source layer keptLayers[k]
 * @param keptHeads   per new layer, the original head indices kept (numbering of {@code numHeads}, as
 *                    Hugging Face's {@code pruned_heads}), ascending
 * @param keptNeurons per new layer, the source feed-forward neuron indices kept, ascending; every
 *                    layer keeps the same number, so {@code intermediate_size} stays one number
 */
public record PruningPlan(int[] keptLayers, List<List<Integer>> keptHeads, int[][] keptNeurons) {
    public PruningPlan {
        keptLayers = keptLayers.clone();
        List<List<Integer>> heads = new ArrayList<>();
        for (List<Integer> h : keptHeads) {
            heads.add(List.copyOf(h));
        }
        keptHeads = List.copyOf(heads);
        keptNeurons = Arrays.stream(keptNeurons).map(int[]::clone).toArray(int[][]::new);
        if (keptLayers.length == 0) {
            throw new IllegalArgumentException("a pruning plan must keep at least one layer");
        }
        if (keptHeads.size() != keptLayers.length || keptNeurons.length != keptLayers.length) {
            throw new IllegalArgumentException("a pruning plan needs heads and neurons for each of its "
                    + keptLayers.length + " layers, got " + keptHeads.size() + " and " + keptNeurons.length);
        }
        for (int l = 0; l < keptLayers.length; l++) {
            if (keptHeads.get(l).isEmpty()) {
                throw new IllegalArgumentException("layer " + l + " of the plan keeps no attention head");
            }
            if (keptNeurons[l].length != keptNeurons[0].length || keptNeurons[l].length == 0) {
                throw new IllegalArgumentException("every layer must keep the same positive number of neurons; layer "
                        + l + " keeps " + keptNeurons[l].length + ", layer 0 " + keptNeurons[0].length);
            }
        }
    }

    /** Feed-forward width after pruning. */
    public int ffnSize() {
        return keptNeurons[0].length;
    }

    @Override
    public String toString() {
        return "layers " + Arrays.toString(keptLayers) + ", heads " + keptHeads + ", FFN " + ffnSize();
    }
}
