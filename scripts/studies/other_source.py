#!/usr/bin/env python3
"""Phishing and legitimate URLs from another source than the bundled phishing-urls, to check that a
model chosen on the bundled splits holds elsewhere (docs/results/demo-recipe.md). Version 1; Python 3
standard library only.

    python3 scripts/studies/other_source.py OUT_DIR [SHARED_DATASETS]

Reads the shared malicious-urls dataset (Kaggle "Malicious URLs dataset", M. Siddhartha, compiled from
ISCX-URL-2016, PhishTank, PhishStorm and a collection of benign URLs; normalised, host-disjoint splits)
and writes OUT_DIR/validation.csv and OUT_DIR/test.csv, header url,label, labels legitimate and
phishing: every phishing row of that split and as many benign rows drawn with random.Random(42),
leaving out every row whose host occurs in the bundled phishing-urls splits (so a model cannot score
by remembering a host it was trained or chosen on). Defacement and malware rows are not used.
"""
import csv
import gzip
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
# The shared datasets sit beside the repository (../shared/datasets), as on the team's machines.
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared", "datasets"))


def read(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def host(url):
    """Lower-cased host without one leading www., as the splits were made (data.Hosts.hostOf)."""
    h = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", url.strip())
    h = re.split(r"[/?#]", h, maxsplit=1)[0]
    h = h.rsplit("@", 1)[-1].split(":", 1)[0].lower()
    return h[4:] if h.startswith("www.") else h


def main(out, shared):
    bundled = set()
    for split in ("train", "validation", "test"):
        bundled.update(host(r["url"]) for r in read(os.path.join(REPO, "datasets", "phishing-urls", split + ".csv.gz")))
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    for split in ("validation", "test"):
        rows = [r for r in read(os.path.join(shared, "malicious-urls", "normalized", split + ".csv.gz"))
                if host(r["url"]) not in bundled]
        phishing = [r["url"] for r in rows if r["label"] == "phishing"]
        benign = [r["url"] for r in rows if r["label"] == "benign"]
        rng.shuffle(benign)
        chosen = [(u, "phishing") for u in phishing] + [(u, "legitimate") for u in benign[:len(phishing)]]
        rng.shuffle(chosen)
        with open(os.path.join(out, split + ".csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["url", "label"])
            w.writerows(chosen)
        print(f"{split}: {len(phishing)} phishing and {len(phishing)} legitimate URLs "
              f"({sum(1 for r in read(os.path.join(shared, 'malicious-urls', 'normalized', split + '.csv.gz')) if host(r['url']) in bundled)}"
              " rows left out: host in phishing-urls)", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else SHARED)
