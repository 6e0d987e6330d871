package dev.distillery.robust;

/**
 * The counts every attack reports, whatever it attacks: items given, items the model got right
 * before any edit (the ones attacked), attacked items flipped, and the queries spent on attacked
 * items (the clean query included).
 */
record AttackTally(int items, int cleanCorrect, int flipped, long queries) {
    AttackTally add(boolean correct, boolean success, int spent) {
        return new AttackTally(items + 1, cleanCorrect + (correct ? 1 : 0), flipped + (correct && success ? 1 : 0),
                queries + (correct ? spent : 0));
    }

    static AttackTally empty() {
        return new AttackTally(0, 0, 0, 0);
    }

    /** cleanCorrect / items, NaN for no items. */
    double cleanAccuracy() {
        return items == 0 ? Double.NaN : (double) cleanCorrect / items;
    }

    /** (cleanCorrect − flipped) / items, NaN for no items. */
    double robustAccuracy() {
        return items == 0 ? Double.NaN : (double) (cleanCorrect - flipped) / items;
    }

    /** flipped / cleanCorrect, NaN when nothing was attacked. */
    double attackSuccessRate() {
        return cleanCorrect == 0 ? Double.NaN : (double) flipped / cleanCorrect;
    }

    /** Queries per attacked item, NaN when nothing was attacked. */
    double meanQueries() {
        return cleanCorrect == 0 ? Double.NaN : (double) queries / cleanCorrect;
    }
}
