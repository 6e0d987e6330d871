package dev.distillery.distill;

/**
 * The shape of a student encoder; everything else (LayerNorm ε, dropouts, token types, labels) is
 * taken from the teacher, and the vocabulary from the teacher's, trimmed or not.
 *
 * @param family       "bert" or "distilbert", or null for the teacher's family
 * @param layers       transformer layers
 * @param hiddenSize   width of every hidden state
 * @param heads        attention heads, dividing {@code hiddenSize}
 * @param ffnSize      feed-forward (intermediate) width
 * @param maxPositions position embeddings, at most the teacher's when initialised from it
 */
public record StudentSpec(String family, int layers, int hiddenSize, int heads, int ffnSize, int maxPositions) {
    public StudentSpec {
        if (layers < 1 || hiddenSize < 1 || heads < 1 || ffnSize < 1 || maxPositions < 1) {
            throw new IllegalArgumentException("student layers " + layers + ", hidden size " + hiddenSize + ", heads "
                    + heads + ", FFN size " + ffnSize + " and max positions " + maxPositions + " must all be positive");
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("student hidden size " + hiddenSize + " is not a multiple of its "
                    + heads + " heads");
        }
    }

    /** The teacher's widths with fewer layers: the shape {@code from-teacher} initialisation needs. */
    public static StudentSpec layersOf(dev.distillery.model.ModelConfig teacher, int layers) {
        return new StudentSpec(teacher.family(), layers, teacher.hiddenSize(), teacher.numHeads(),
                teacher.intermediateSize(), teacher.maxPositions());
    }
}
