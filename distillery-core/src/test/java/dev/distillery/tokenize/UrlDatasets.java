package dev.distillery.tokenize;

import java.util.List;

/** Every URL file of the shared phishing-urls and malicious-urls datasets, raw and normalised. */
final class UrlDatasets {
    static final List<String> FILES = List.of(
            "phishing-urls/train.csv.gz", "phishing-urls/validation.csv.gz", "phishing-urls/test.csv.gz",
            "phishing-urls/normalized/train.csv.gz", "phishing-urls/normalized/validation.csv.gz",
            "phishing-urls/normalized/test.csv.gz",
            "malicious-urls/train.csv.gz", "malicious-urls/validation.csv.gz", "malicious-urls/test.csv.gz",
            "malicious-urls/normalized/train.csv.gz", "malicious-urls/normalized/validation.csv.gz",
            "malicious-urls/normalized/test.csv.gz");

    private UrlDatasets() {
    }
}
