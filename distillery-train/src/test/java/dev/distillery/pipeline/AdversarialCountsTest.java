package dev.distillery.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distillery.distill.Distiller;
import dev.distillery.distill.TeacherLogits;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Distillation#teacherPositive}: counts the teacher's positive calls among the benign variants only. */
class AdversarialCountsTest {

    @Test
    void countsOnlyTheBenignVariantRows() {
        // rows: 2 training, 3 benign variants (teacher: positive, negative, positive), 1 adversarial (positive)
        float[] logits = {
            0, 5, 5, 0,     // training rows: the first positive, which must not count
            -1, 2, 3, -3, 0, 1,
            0, 9};          // the adversarial row's source logits, positive, which must not count either
        TeacherLogits t = new TeacherLogits(logits, 6, 2, 0);
        Distiller.DistillResult r = new Distiller.DistillResult(null, null, null, null, t, 6, List.of(),
                List.of("a", "b", "c"), List.of("x"));
        assertEquals(2, Distillation.teacherPositive(r));
        assertEquals(0, Distillation.teacherPositive(new Distiller.DistillResult(null, null, null, null, null, 2,
                List.of(), List.of(), List.of())), "no variants, nothing to count (and no logits needed)");
    }
}
