#!/usr/bin/env bash
# Model selection without dev: MASSIVE *train* split in two (utterances whose id is divisible by 5 are held
# out: 9,200 to fit, 2,314 to score, per language; MASSIVE's ids are shared across languages, so the three
# languages hold out the same utterances), Neuvo with each configuration and the scikit-learn peer on the same
# split. Options are chosen here; dev is scored once, by run.sh.
#   benchmarks/nlu/trainsplit.sh [CONFIG ...]   CONFIG: default, or name=value[,name=value...] (nlu eval --set)
#   NEUVO_BIN, NEUVO_SHARED_DATA as for run.sh; NLU_PEER=0 skips the peer; NLU_FOLD=k holds out id % 5 == k
#   instead (another split, to see that a difference is not one split's luck).
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${NEUVO_SHARED_DATA:-../shared/data}/massive"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. benchmarks/nlu/setup.sh
[ $# -gt 0 ] || set -- default

"$venv/bin/python" - "$data" "$work" "${NLU_FOLD:-0}" <<'PY'
import json, sys
data, work, fold = sys.argv[1], sys.argv[2], int(sys.argv[3])
for lang in ("fi", "sv", "en"):
    with open(f"{data}/{lang}.train.jsonl", encoding="utf-8") as f:
        rows = [line for line in f if line.strip()]
    with open(f"{work}/{lang}.fit.jsonl", "w", encoding="utf-8") as fit, \
         open(f"{work}/{lang}.held.jsonl", "w", encoding="utf-8") as held:
        for line in rows:
            (held if int(json.loads(line)["id"]) % 5 == fold else fit).write(line)
PY

summary() {  # summary NAME: one table row from $work/NAME-{fi,sv,en}.json
    "$venv/bin/python" - "$work" "$1" <<'PY'
import json, sys
work, name = sys.argv[1:]
cells, seconds, weights = [], [], []
for lang in ("fi", "sv", "en"):
    r = json.load(open(f"{work}/{name}-{lang}.json"))
    cells.append(f"{100 * r['accuracy']:.2f}")
    seconds.append(f"{r['train_seconds']:.2f}")
    if "naive_bayes_weight" in r:
        weights.append(f"{r['naive_bayes_weight']:g}" + (f" + {r['group_weight']:g}" if "group_weight" in r else ""))
label = open(f"{work}/{name}.label").read().strip()
print(f"| {label} | " + " | ".join(cells) + f" | {' / '.join(seconds)} | {' / '.join(weights) or '-'} |")
PY
}

echo "| configuration | fi % | sv % | en % | train s | NB + group weight |"
echo "|---|---|---|---|---|---|"
n=0
for config in "$@"; do
    n=$((n + 1))
    sets=()
    if [ "$config" != default ]; then
        IFS=, read -ra pairs <<<"$config"
        for pair in "${pairs[@]}"; do sets+=(--set "$pair"); done
    fi
    echo "$config" >"$work/c$n.label"
    for lang in fi sv en; do
        "$NEUVO_BIN" nlu eval --train "$work/$lang.fit.jsonl" --test "$work/$lang.held.jsonl" --json "${sets[@]}" \
            >"$work/c$n-$lang.json"
    done
    summary "c$n"
done
if [ "${NLU_PEER:-1}" != 0 ]; then
    echo "scikit-learn peer" >"$work/peer.label"
    for lang in fi sv en; do
        "$venv/bin/python" benchmarks/nlu/sklearn_peer.py "$work/$lang.fit.jsonl" "$work/$lang.held.jsonl" \
            >"$work/peer-$lang.json"
    done
    summary peer
fi
