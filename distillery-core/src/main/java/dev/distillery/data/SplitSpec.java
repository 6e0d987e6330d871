package dev.distillery.data;

/**
 * How {@link Splitter} divides one dataset. Ratios are fractions of rows per label and must sum to 1;
 * a ratio may be 0 (e.g. carving only a validation set out of a training file).
 *
 * @param grouping {@link Grouping#HOST} keeps all rows of a URL host in one split, so a model cannot
 *                 score by remembering hosts seen in training
 */
public record SplitSpec(double train, double validation, double test, long seed, Grouping grouping) {

    /** What must never be divided between splits. */
    public enum Grouping {
        /** Each row on its own. */
        NONE,
        /** All rows with the same {@link Hosts#hostOf} host. */
        HOST
    }

    public static final long DEFAULT_SEED = 42;

    public SplitSpec {
        if (!(train > 0) || !(validation >= 0) || !(test >= 0) || Math.abs(train + validation + test - 1) > 1e-9) {
            throw new DatasetException("split ratios " + train + "/" + validation + "/" + test
                    + " must be non-negative, with train > 0, and sum to 1");
        }
        if (grouping == null) {
            throw new IllegalArgumentException("grouping is null");
        }
    }

    /** 80/10/10, host-grouped: for URL datasets. */
    public static SplitSpec urls(long seed) {
        return new SplitSpec(0.8, 0.1, 0.1, seed, Grouping.HOST);
    }

    /** 80/10/10, row by row: for texts that are not URLs. */
    public static SplitSpec rows(long seed) {
        return new SplitSpec(0.8, 0.1, 0.1, seed, Grouping.NONE);
    }

    public SplitSpec withRatios(double trainRatio, double validationRatio, double testRatio) {
        return new SplitSpec(trainRatio, validationRatio, testRatio, seed, grouping);
    }

    double ratio(int split) {
        return switch (split) {
            case 0 -> train;
            case 1 -> validation;
            case 2 -> test;
            default -> throw new IndexOutOfBoundsException(split);
        };
    }
}
