#!/usr/bin/env bash
# README "Distillation results", b: malicious-urls (4 classes, macro F1). Teacher, distilled student
# and hard-label ablation, each row of the table one stage; every run pinned to core 1, one thread.
#
#   scripts/studies/malicious-urls.sh [data|teacher|student|ablation|data-full|student-full|ablation-full|
#                                      replication-full|validation-full|all]
#   (OUT=/tmp/studies by default)
#
# Data: scripts/studies/subsample.py --full (seed 42): 7,272 training rows (all malware and phishing,
# benign and defacement capped), 952 validation rows, the whole normalised test split (3,435 rows).
# The *-full stages distil the same teacher on the whole normalised training split (27,414 rows) with
# the same validation and test rows.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${OUT:-/tmp/studies}"
data="$out/data/malicious-urls"
models="$out/models"
run() { echo "+ $*" >&2; taskset -c 1 "$@"; }

stage_data() {
    /usr/bin/python3 scripts/studies/subsample.py --full "$out/data"
}

# Two runs of one epoch: the first, unweighted, never predicts malware on the test split (F1 0.000); the
# second continues from it (--model) with inverse-frequency class weights.
stage_teacher() {
    run ./distillery train-teacher --data "$data" --max-length 40 --epochs 1 --lr 1e-4 --seed 42 \
        --out "$models/mu-teacher-e1"
    run ./distillery train-teacher --data "$data" --model "$models/mu-teacher-e1" --max-length 40 --epochs 1 \
        --lr 1e-4 --class-weights --seed 42 --out "$models/mu-teacher"
}

# The phishing recipe (README a) at width 176 instead of 192: this data's 10,484 training pieces
# (rows and variants) make a 192-wide student 12.2 MB, over the 11.45 MB eighth of the teacher.
# No --test: the teacher was scored on the test split once by train-teacher; `evaluate` scores the student.
student_shape=(--student-layers 2 --student-hidden 176 --student-heads 11 --student-ffn 704 --init random)

distil() { # OUT_NAME then extra options
    local name="$1"; shift
    run ./distillery distill --teacher "$models/mu-teacher" --train "$data/train.csv" \
        --validation "$data/validation.csv" "${student_shape[@]}" --augment 2 --lr 1e-3 --seed 42 "$@" \
        --out "$models/$name"
    run ./distillery evaluate --model "$models/$name" --data "$data/test.csv"
}

# Section a's single epoch, three epochs (the row kept, by validation macro F1), and three epochs
# with the soft targets weighted 0.9.
stage_student() {
    distil mu-student --epochs 1
    distil mu-student3 --epochs 3
    distil mu-student-a9 --epochs 3 --alpha 0.9
}

stage_ablation() {
    run ./distillery distill --teacher "$models/mu-teacher" --train "$data/train.csv" \
        --validation "$data/validation.csv" "${student_shape[@]}" --hard-labels-only --epochs 4 --lr 1e-3 --seed 42 \
        --out "$models/mu-ablation"
    run ./distillery evaluate --model "$models/mu-ablation" --data "$data/test.csv"
}

stage_data_full() {
    mkdir -p "$data-full"
    zcat ../shared/datasets/malicious-urls/normalized/train.csv.gz >"$data-full/train.csv"
    cp "$data/validation.csv" "$data/test.csv" "$data-full/"
}

# The teacher's soft targets on all 27,414 training URLs and one variant each (54,828 rows), the vocabulary
# cut to the pieces used at least N times so that the student stays under the 11.45 MB eighth. Every run
# computes the same teacher logits (OUT/.checkpoints/teacher-logits.bin, deleted at the end); copying that
# file from a finished or running one into the next run's .checkpoints folder skips them.
full_shape_2x176=(--student-layers 2 --student-hidden 176 --student-heads 11 --student-ffn 704 --vocab-min-count 5)
full_shape_3x176=(--student-layers 3 --student-hidden 176 --student-heads 11 --student-ffn 704 --vocab-min-count 8)

distil_full() { # OUT_NAME then extra options
    local name="$1"; shift
    run ./distillery distill --teacher "$models/mu-teacher" --train "$data-full/train.csv" \
        --validation "$data-full/validation.csv" --init random --augment 1 --epochs 3 --lr 1e-3 --seed "${seed:-42}" "$@" \
        --out "$models/$name"
    run ./distillery evaluate --model "$models/$name" --data "$data-full/test.csv"
}

stage_student_full() {
    distil_full mu-full-2x176 "${full_shape_2x176[@]}"
    distil_full mu-full-3x176 "${full_shape_3x176[@]}"
}

ablation_full() { # OUT_NAME then the shape
    local name="$1"; shift
    run ./distillery distill --teacher "$models/mu-teacher" --train "$data-full/train.csv" \
        --validation "$data-full/validation.csv" "$@" --init random --hard-labels-only --epochs 3 --lr 1e-3 --seed 42 \
        --out "$models/$name"
    run ./distillery evaluate --model "$models/$name" --data "$data-full/test.csv"
}

stage_ablation_full() {
    ablation_full mu-full-ablation "${full_shape_2x176[@]}"
    ablation_full mu-full-3x176-ablation "${full_shape_3x176[@]}"
}

# The 2 × 176 student again with seed 7, fixed before any score was seen (session 4). Its variants, and so
# the teacher logits, differ from seed 42's: nothing to copy.
stage_replication_full() {
    seed=7 distil_full mu-full-2x176-s7 "${full_shape_2x176[@]}"
}

# Every model and the teacher on the whole normalised validation split (3,431 rows, the natural class mix).
stage_validation_full() {
    zcat ../shared/datasets/malicious-urls/normalized/validation.csv.gz >"$data-full/validation-full.csv"
    for m in mu-teacher mu-student3 mu-ablation mu-full-2x176 mu-full-3x176 mu-full-ablation mu-full-3x176-ablation \
        mu-full-2x176-s7; do
        run ./distillery evaluate --model "$models/$m" --data "$data-full/validation-full.csv"
    done
}

stage="${1:-all}"
if [ "$stage" = all ]; then
    stage_data; stage_teacher; stage_student; stage_ablation; stage_data_full; stage_student_full; stage_ablation_full
    stage_replication_full; stage_validation_full
else
    "stage_${stage//-/_}"
fi
