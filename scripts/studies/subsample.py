#!/usr/bin/env python3
"""Class-capped, seeded subsamples of the shared datasets for the distillation studies
(docs/results/malicious-urls.md and network-intrusion.md). Version 2; Python 3 standard library only.

    python3 scripts/studies/subsample.py OUT_DIR          # version 1's smaller draw
    python3 scripts/studies/subsample.py --full OUT_DIR   # the one-core study (docs/results): see main_full

Without --full it writes OUT_DIR/{malicious-urls,network-intrusion}/{train,validation,test}.csv: at most CAP[class]
rows of each class, drawn with random.Random(42) from the shared splits (malicious-urls: the
normalised files; network-intrusion: only the columns text and label, validation carved out of
KDDTrain+ rows not used for train, test from KDDTest+).
"""
import csv
import gzip
import os
import random
import sys

# The shared datasets sit beside the repository (../shared/datasets), as on the team's machine.
SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "datasets"))


def read(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def capped(rows, caps, rng, exclude=frozenset()):
    by_class = {}
    for i, r in enumerate(rows):
        if i not in exclude:
            by_class.setdefault(r["label"], []).append(i)
    chosen = []
    for label, cap in caps.items():
        idx = by_class.get(label, [])
        rng.shuffle(idx)
        chosen.extend(idx[:cap])
    rng.shuffle(chosen)
    return chosen


def write(path, rows, idx, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([text, "label"])
        for i in idx:
            w.writerow([rows[i][text], rows[i]["label"]])


def main(out):
    rng = random.Random(42)
    m = f"{SHARED}/malicious-urls/normalized"
    train = read(f"{m}/train.csv.gz")
    write(f"{out}/malicious-urls/train.csv", train,
          capped(train, {"benign": 500, "defacement": 300, "phishing": 300, "malware": 300}, rng), "url")
    val = read(f"{m}/validation.csv.gz")
    write(f"{out}/malicious-urls/validation.csv", val,
          capped(val, {"benign": 100, "defacement": 70, "phishing": 70, "malware": 52}, rng), "url")
    test = read(f"{m}/test.csv.gz")
    write(f"{out}/malicious-urls/test.csv", test,
          capped(test, {"benign": 400, "defacement": 250, "phishing": 245, "malware": 52}, rng), "url")

    n = f"{SHARED}/network-intrusion"
    train = read(f"{n}/train.csv.gz")
    tr = capped(train, {"normal": 400, "dos": 400, "probe": 300, "r2l": 300, "u2r": 40}, rng)
    write(f"{out}/network-intrusion/train.csv", train, tr, "text")
    va = capped(train, {"normal": 60, "dos": 60, "probe": 40, "r2l": 40, "u2r": 12}, rng, frozenset(tr))
    write(f"{out}/network-intrusion/validation.csv", train, va, "text")
    test = read(f"{n}/test.csv.gz")
    write(f"{out}/network-intrusion/test.csv", test,
          capped(test, {"normal": 300, "dos": 300, "probe": 200, "r2l": 200, "u2r": 200}, rng), "text")


# The one-core study: class caps sized so teacher training, the teacher's logits and its pass over
# the whole test split fit one shared core in two hours. Rare classes are kept in full (malware
# URLs; r2l and u2r but for a small validation slice); tests are written in full.
FULL_URL_TRAIN = {"benign": 3800, "defacement": 1100, "phishing": 1954, "malware": 418}
FULL_URL_VALIDATION = {"benign": 500, "defacement": 200, "phishing": 200, "malware": 52}
FULL_NI_VALIDATION = {"normal": 150, "dos": 150, "probe": 100, "r2l": 100, "u2r": 10}
FULL_NI_TRAIN = {"normal": 700, "dos": 700, "probe": 600, "r2l": 895, "u2r": 42}


def main_full(out):
    rng = random.Random(42)
    m = f"{SHARED}/malicious-urls/normalized"
    train = read(f"{m}/train.csv.gz")
    write(f"{out}/malicious-urls/train.csv", train, capped(train, FULL_URL_TRAIN, rng), "url")
    val = read(f"{m}/validation.csv.gz")
    write(f"{out}/malicious-urls/validation.csv", val, capped(val, FULL_URL_VALIDATION, rng), "url")
    test = read(f"{m}/test.csv.gz")
    write(f"{out}/malicious-urls/test.csv", test, range(len(test)), "url")

    n = f"{SHARED}/network-intrusion"
    train = read(f"{n}/train.csv.gz")
    # validation first, so r2l and u2r give it a small slice and train keeps every other row of them
    va = capped(train, FULL_NI_VALIDATION, rng)
    write(f"{out}/network-intrusion/validation.csv", train, va, "text")
    tr = capped(train, FULL_NI_TRAIN, rng, frozenset(va))
    write(f"{out}/network-intrusion/train.csv", train, tr, "text")
    test = read(f"{n}/test.csv.gz")
    write(f"{out}/network-intrusion/test.csv", test, range(len(test)), "text")


if __name__ == "__main__":
    if sys.argv[1] == "--full":
        main_full(sys.argv[2])
    else:
        main(sys.argv[1])
