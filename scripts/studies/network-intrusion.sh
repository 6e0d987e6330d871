#!/usr/bin/env bash
# docs/results/network-intrusion.md: network-intrusion (NSL-KDD, 5 classes, macro F1 on the whole
# KDDTest+). Teacher, distilled student and hard-label ablation, each row of the table one stage;
# every run pinned to one core (CORE, 1 by default), one thread.
#
#   scripts/studies/network-intrusion.sh [data|teacher|student|ablation|replication|all]   (OUT=/tmp/studies by default)
#   SEEDS="2 3 4" CORE=0 scripts/studies/network-intrusion.sh replication   (only those replication seeds, on core 0)
#
# Data: scripts/studies/subsample.py --full (seed 42), `text` and `label` columns: 2,937 training
# rows of KDDTrain+ (normal 700, dos 700, probe 600, r2l 895, u2r 42: the rare classes in full but for
# the validation slice), 510 validation rows from other KDDTrain+ rows, the whole KDDTest+ (22,544 rows).
# Texts are cut at 32 tokens, what one shared core can afford for the teacher over all of KDDTest+
# (median text 119 pieces): the protocol, service, flag and (median) the first four non-zero features stay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${OUT:-/tmp/studies}"
data="$out/data/network-intrusion"
models="$out/models"
run() { echo "+ $*" >&2; taskset -c "${CORE:-1}" "$@"; }

stage_data() {
    /usr/bin/python3 scripts/studies/subsample.py --full "$out/data"
}

# Batches of 16 give one epoch 184 optimizer steps instead of 92, for the same compute.
stage_teacher() {
    run ./distillery train-teacher --data "$data" --text-column text --max-length 32 --batch-size 16 \
        --epochs 1 --lr 1e-4 --class-weights --seed 42 --out "$models/ni-teacher"
}

# The one-eighth phishing recipe's shape (docs/results/demo-recipe.md) at 2 layers, and a 4-layer student (still under 1/8).
# No --test: train-teacher scored the teacher on KDDTest+ once; `evaluate` scores the student.
distil() { # OUT_NAME LAYERS then extra options
    local name="$1" layers="$2"; shift 2
    run ./distillery distill --teacher "$models/ni-teacher" --train "$data/train.csv" \
        --validation "$data/validation.csv" --text-column text --student-layers "$layers" --student-hidden 192 \
        --student-heads 12 --student-ffn 768 --init random --epochs 4 --lr 1e-3 --seed "${seed:-42}" "$@" --out "$models/$name"
    run ./distillery evaluate --model "$models/$name" --data "$data/test.csv" --text-column text
}

# Without augmentation, then with 2 teacher-labelled variants per row (URL edits, which act as
# noise on these texts: a "home." prefix, one character changed), then 4 layers with variants.
stage_student() {
    distil ni-student 2
    distil ni-student-aug 2 --augment 2
    distil ni-student-l4 4 --augment 2
}

stage_ablation() {
    distil ni-ablation 2 --hard-labels-only
    distil ni-ablation-l4 4 --hard-labels-only
}

# The 4-layer pair again with other seeds, each fixed before any of its scores was seen: 7 and 1
# (session 4), 2, 3 and 4 (session 5). The 4-layer rows were chosen after the 2-layer scores were
# known, so they are checked with other seeds. Reported, as fixed before the session-5 scores: the
# mean and spread (range) over all six seeds {42, 7, 1, 2, 3, 4} of the distilled and of the
# hard-label student, and in how many of the six seeds the distilled one beats the hard-label one.
stage_replication() {
    for s in ${SEEDS:-7 1 2 3 4}; do
        seed=$s distil "ni-student-l4-s$s" 4 --augment 2
        seed=$s distil "ni-ablation-l4-s$s" 4 --hard-labels-only
    done
}

stage="${1:-all}"
if [ "$stage" = all ]; then
    stage_data; stage_teacher; stage_student; stage_ablation; stage_replication
else
    "stage_$stage"
fi
