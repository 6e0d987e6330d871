package dev.distillery.classify;

/** Whether {@link Classifier#load(java.nio.file.Path, Verification)} checks the folder's files against its manifest. */
public enum Verification {
    /** Every recorded file's size and SHA-256 is checked before anything is loaded (see {@link ModelFolder#verify}). */
    CHECK,
    /** Loaded as found: for models so large that hashing them on every load costs too much. */
    SKIP
}
