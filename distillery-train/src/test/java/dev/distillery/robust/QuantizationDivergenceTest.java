package dev.distillery.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Divergence counting on hand-made scorers; the search on real models is in {@link TinyModelTest}. */
class QuantizationDivergenceTest {
    @Test
    void measureCountsExactlyTheTextsOnDifferentSides() {
        // the "quantized" scorer reads 0.03 higher, so they disagree exactly where the reference is in [0.47, 0.5)
        List<String> texts = List.of("a", "bb", "ccc", "dddd", "eeeee");
        float[] reference = {0.9f, 0.48f, 0.46f, 0.499f, 0.1f};
        Scorer r = t -> pick(reference, texts, t, 0f);
        Scorer q = t -> pick(reference, texts, t, 0.03f);
        QuantizationDivergence.DivergenceResult d = QuantizationDivergence.measure(r, q, texts, 0.5f);
        assertEquals(List.of("bb", "dddd"), d.disagreements().stream().map(QuantizationDivergence.Disagreement::text).toList());
        assertEquals(2 / 5.0, d.rate(), 1e-12);
        assertEquals(0, QuantizationDivergence.measure(r, r, texts, 0.5f).disagreements().size());
    }

    private static float[] pick(float[] values, List<String> texts, List<String> asked, float shift) {
        float[] out = new float[asked.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[texts.indexOf(asked.get(i))] + shift;
        }
        return out;
    }
}
