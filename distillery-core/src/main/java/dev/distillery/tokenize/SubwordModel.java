package dev.distillery.tokenize;

/** The model step of a BPE pipeline: the ids of one pre-tokenized piece. Implementations are thread-safe. */
sealed interface SubwordModel permits RankedBpe, ScoredBpe {
    void tokenize(String piece, IntList out);
}
