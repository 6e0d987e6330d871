#!/usr/bin/env bash
# docs/results/phishing-quantization.md: the demo's student quantized to every scheme, each scored with
# its FP32 original on the bundled validation and test splits (quantize --evaluate); the raw output is each
# folder's quantization.json and manifest, and summary.json: per scheme the folder's bytes (model files, not
# the reports) and the manifest's metrics.
#
#   scripts/studies/phishing-quantization.sh STUDENT_DIR [OUT]     (OUT=/tmp/phishing-quantization by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
student="${1:?give the student folder, e.g. distillery-demo/models/student}"
out="${2:-/tmp/phishing-quantization}"
raw="$out/raw"
mkdir -p "$raw"
for scheme in int8 int8-channel q8_0 q4_0 nf4 nf4-dq fp16 bf16; do
    nice -n 10 ./distillery quantize --model "$student" --scheme "$scheme" --evaluate --out "$out/$scheme" \
        >"$out/$scheme.log" 2>&1
    cp "$out/$scheme/quantization.json" "$raw/$scheme.quantization.json"
    cp "$out/$scheme/distillery.json" "$raw/$scheme.distillery.json"
done
bytes() { # the model's files: what inference reads, without the quantization reports
    local sum=0 f
    for f in config.json model.safetensors vocab.txt tokenizer.json distillery.json; do
        [ -f "$1/$f" ] && sum=$((sum + $(stat -c %s "$1/$f")))
    done
    echo "$sum"
}
{
    echo "{\"fp32\": {\"bytes\": $(bytes "$student"), \"metrics\": $(jq .metrics "$student/distillery.json")}"
    for scheme in int8 int8-channel q8_0 q4_0 nf4 nf4-dq fp16 bf16; do
        echo ", \"$scheme\": {\"bytes\": $(bytes "$out/$scheme"), \"metrics\": $(jq .metrics "$raw/$scheme.distillery.json")}"
    done
    echo "}"
} | jq . >"$raw/summary.json"
