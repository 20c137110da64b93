#!/usr/bin/env bash
# NLU benchmark: Neuvo's intent classifier against a scikit-learn peer (TF-IDF char_wb 1-4 + word 1-2,
# LinearSVC C=0.5) on Amazon MASSIVE, train -> dev, for fi, sv and en.
#   NEUVO_BIN=path         any binary with `nlu eval --train FILE --test FILE --json` (default: release build)
#   NEUVO_SHARED_DATA=dir  data folder (default ../shared/data from the project root)
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${NEUVO_SHARED_DATA:-../shared/data}/massive"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. benchmarks/nlu/setup.sh
# Peak RSS needs GNU time; without it the column says n/a.
timer=()
if /usr/bin/time -v true >/dev/null 2>&1; then timer=(/usr/bin/time -v -o "$work/time"); fi

run() {  # run NAME command... : JSON on stdout -> $work/NAME.json, peak RSS -> $work/NAME.rss
    local name=$1
    shift
    rm -f "$work/time"
    "${timer[@]}" "$@" >"$work/$name.json"
    if [ -f "$work/time" ]; then
        awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time" >"$work/$name.rss"
    else
        echo n/a >"$work/$name.rss"
    fi
}

# "all": one model for the three languages together (the memory target is for this one).
cat "$data"/{fi,sv,en}.train.jsonl >"$work/all.train.jsonl"
cat "$data"/{fi,sv,en}.dev.jsonl >"$work/all.dev.jsonl"
for lang in fi sv en all; do
    if [ "$lang" = all ]; then train="$work/all.train.jsonl" dev="$work/all.dev.jsonl"; else
        train="$data/$lang.train.jsonl" dev="$data/$lang.dev.jsonl"; fi
    run "neuvo-$lang" "$NEUVO_BIN" nlu eval --train "$train" --test "$dev" --json
    run "sklearn-$lang" "$venv/bin/python" benchmarks/nlu/sklearn_peer.py "$train" "$dev"
done

"$venv/bin/python" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def load(name):
    report = json.load(open(f"{work}/{name}.json"))
    rss = open(f"{work}/{name}.rss").read().strip()
    report["rss"] = f"{int(rss) / 1024:.0f}" if rss.isdigit() else rss
    return report
print("| lang | neuvo acc % | F1 % | train s | µs/msg | RSS MB | sklearn acc % | F1 % | fit s | µs/msg | RSS MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for lang in ("fi", "sv", "en", "all"):
    row = [lang]
    for r in (load(f"neuvo-{lang}"), load(f"sklearn-{lang}")):
        row += [f"{100 * r['accuracy']:.2f}", f"{100 * r['macro_f1']:.1f}", f"{r['train_seconds']:.2f}",
                f"{r['us_per_message']:.0f}", r["rss"]]
    print("| " + " | ".join(row) + " |")
ours = load("neuvo-fi").get("out_of_scope")
if ours:
    print()
    for lang in ("fi", "sv", "en"):
        o = load(f"neuvo-{lang}")["out_of_scope"]
        print(f"{lang}: out-of-scope policy confidence >= {o['minimum_confidence']:.2f}, "
              f"margin >= {o['minimum_margin']:.2f}, temperature {o['temperature']:.2f}: rejects "
              f"{100 * o['rejection_rate']:.1f} % of dev, accuracy on accepted {100 * o['accuracy_on_accepted']:.1f} %, "
              f"catches {100 * o['wrong_rejected']:.1f} % of the wrong answers; expected calibration error on dev "
              f"{load(f'neuvo-{lang}').get('expected_calibration_error', float('nan')):.3f}")
PY
