package dev.distillery.data;

/** Train, validation and test sets sharing one label map; a split may be empty (size 0). */
public record Splits(Dataset train, Dataset validation, Dataset test) {
    public Splits {
        if (!train.labelMap().equals(validation.labelMap()) || !train.labelMap().equals(test.labelMap())) {
            throw new IllegalArgumentException("splits have different label maps: " + train.labelMap() + ", "
                    + validation.labelMap() + ", " + test.labelMap());
        }
    }

    public LabelMap labelMap() {
        return train.labelMap();
    }
}
