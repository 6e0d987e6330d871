package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.distill.Distiller;
import dev.distillery.report.Table;

import java.util.Locale;

/**
 * What a distillation run produced.
 *
 * @param teacherTest  the teacher's scores on the test file, or null without one
 * @param studentTest  the student's scores on the same rows, or null without a test file
 * @param teacherBytes size on disk of the teacher folder's files
 * @param studentBytes size on disk of the saved student folder's files
 * @param stepsRun     optimizer steps taken
 * @param trainSeconds wall time of those steps (not teacher logits, not validation)
 * @param quantizedTest the student's scores on the test file with the weights fake-quantized to the {@code --qat}
 *                      scheme it was trained for, or null without QAT or a test file
 */
public record DistillationResult(Classifier teacher, Classifier student, Manifest manifest, Distiller.DistillResult distill,
                                 Evaluation teacherTest, Evaluation studentTest, long teacherBytes, long studentBytes,
                                 long teacherParameters, long studentParameters, long stepsRun, double trainSeconds,
                                 Evaluation quantizedTest) {

    /** Teacher and student side by side: test scores (when there is a test file), size on disk and parameters. */
    public Table comparison() {
        Table t = new Table("", "teacher", "student");
        if (teacherTest != null) {
            t.row("test examples", (long) teacherTest.report().confusion().total(), (long) studentTest.report().confusion().total());
            t.row("accuracy", teacherTest.report().accuracy(), studentTest.report().accuracy());
            if (teacherTest.binary() != null) {
                String p = " (" + teacherTest.labels().get(teacherTest.positiveClass()) + ")";
                t.row("precision" + p, teacherTest.binary().precision(), studentTest.binary().precision());
                t.row("recall" + p, teacherTest.binary().recall(), studentTest.binary().recall());
                t.row("F1" + p, teacherTest.binary().f1(), studentTest.binary().f1());
            }
            t.row("macro F1", teacherTest.report().macroF1(), studentTest.report().macroF1());
            if (teacherTest.binary() == null) {
                for (int c = 0; c < teacherTest.labels().size(); c++) {
                    t.row("F1 " + teacherTest.labels().get(c) + " (" + teacherTest.report().perClass().get(c).support() + ")",
                            teacherTest.report().perClass().get(c).f1(), studentTest.report().perClass().get(c).f1());
                }
            }
            t.row("ROC-AUC", teacherTest.rocAuc(), studentTest.rocAuc());
            t.row("ECE (15 bins)", teacherTest.calibration().ece(), studentTest.calibration().ece());
        }
        if (quantizedTest != null) {
            String scheme = manifest.provenance().options().get("qat");
            t.row("student as " + scheme + ": accuracy", "", quantizedTest.report().accuracy());
            t.row("student as " + scheme + ": " + (quantizedTest.binary() != null ? "F1" : "macro F1"), "",
                    quantizedTest.binary() != null ? quantizedTest.binary().f1() : quantizedTest.report().macroF1());
        }
        t.row("size on disk", megabytes(teacherBytes), megabytes(studentBytes));
        t.row("parameters", teacherParameters, studentParameters);
        return t;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }

    /** Mean wall time per optimizer step, NaN when none ran. */
    public double secondsPerStep() {
        return stepsRun == 0 ? Double.NaN : trainSeconds / stepsRun;
    }
}
