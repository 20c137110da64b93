#!/usr/bin/env bash
# Two dispatcher binaries compared in alternating pairs on the same campaign: A then B, ROUNDS times, each run on a
# fresh copy of a queued outbox that binary wrote itself, against one running sink. Prints the CPU per notice
# (user + system, GNU time) and the delivery rate of every run, then the mean of the pairs' ratios B/A with its
# standard error. On a shared machine whose speed drifts over minutes, a pair's ratio holds where two separate
# runs do not (docs/BENCHMARKS.md, the thirteenth session).
#
#   benchmarks/gateway/pairs.sh BIN_A BIN_B [ROUNDS]     (default 10)
#   COUNT=50000     notices in the campaign
#   CATALOG_A, CATALOG_B: the catalog folder for each binary (default: this checkout)
#   ENV_A, ENV_B: extra environment for each side ("NEUVO_DISPATCH_RECORD_EVERY=100000", say)
set -euo pipefail

[ $# -ge 2 ] || { sed -n '2,12p' "$0"; exit 64; }
BIN_A="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
BIN_B="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
ROUNDS="${3:-10}"
COUNT="${COUNT:-50000}"
# The drills' helpers: ROOT, the peers' python ($PY), the generator, a work folder removed on exit (PIDS are
# stopped), free_port and wait_port.
NEUVO_BIN="$BIN_B" source "$(dirname "${BASH_SOURCE[0]}")/../drills/common.sh"
command -v /usr/bin/time >/dev/null || { echo "pairs.sh needs GNU time (apt-get install -y time)" >&2; exit 69; }
PORT=$(free_port)
SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
export NEUVO_LOG_LEVEL=warning
unset NEUVO_SMTP_URL NEUVO_CONFIG 2>/dev/null || true

"$PY" "$GENERATE" --count "$COUNT" --channel sms --residents "$WORK/residents.jsonl" \
    --arrangements "$WORK/arrangements.jsonl"
for side in A B; do
    bin_var="BIN_$side"; catalog_var="CATALOG_$side"
    catalog="${!catalog_var:-$ROOT}"
    NEUVO_CATALOG="$catalog" NEUVO_DB="$WORK/queued-$side.db" "${!bin_var}" residents import \
        "$WORK/residents.jsonl" > /dev/null
    NEUVO_CATALOG="$catalog" NEUVO_DB="$WORK/queued-$side.db" "${!bin_var}" arrange "$WORK/arrangements.jsonl" \
        > /dev/null
    sqlite3 "$WORK/queued-$side.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
done

"$PY" "$ROOT/benchmarks/gateway/fast_sink.py" --port "$PORT" --secret "$SECRET" --verify-every 1000 \
    > /dev/null 2>&1 &
PIDS+=($!)
wait_port "$PORT"

run() {  # run SIDE → "cpu_us_per_notice rate_per_second"
    local side="$1" bin_var="BIN_$1" catalog_var="CATALOG_$1" env_var="ENV_$1"
    rm -f "$WORK/run.db" "$WORK/run.db-wal" "$WORK/run.db-shm"
    cp "$WORK/queued-$side.db" "$WORK/run.db"
    curl -s "http://127.0.0.1:$PORT/reset" > /dev/null
    local start end
    start=$(date +%s.%N)
    env ${!env_var:-} NEUVO_CATALOG="${!catalog_var:-$ROOT}" NEUVO_DB="$WORK/run.db" \
        NEUVO_SMS_WEBHOOK_URL="http://127.0.0.1:$PORT/sms" NEUVO_SMS_WEBHOOK_SECRET="$SECRET" \
        NEUVO_DISPATCH_SMS_RATE=100000 /usr/bin/time -f "%U %S" -o "$WORK/time" "${!bin_var}" dispatch --until-idle \
        > /dev/null
    end=$(date +%s.%N)
    local sent
    sent=$(sqlite3 "$WORK/run.db" "SELECT count(*) FROM notices WHERE status = 'sent'")
    [ "$sent" = "$COUNT" ] || { echo "$side sent $sent of $COUNT" >&2; exit 1; }
    read -r user system < "$WORK/time"
    awk -v u="$user" -v s="$system" -v n="$sent" -v a="$start" -v b="$end" \
        'BEGIN { printf "%.1f %.0f\n", (u + s) * 1e6 / n, n / (b - a) }'
}

for round in $(seq "$ROUNDS"); do
    echo "A $(run A)"
    echo "B $(run B)"
done | tee "$WORK/pairs.txt"
python3 - "$WORK/pairs.txt" <<'PY'
import statistics as st, sys
runs = {"A": [], "B": []}
for line in open(sys.argv[1]):
    side, cpu, rate = line.split()
    runs[side].append((float(cpu), float(rate)))
pairs = list(zip(runs["A"], runs["B"]))
for name, index in (("CPU per notice", 0), ("delivery", 1)):
    ratios = [b[index] / a[index] for a, b in pairs]
    se = st.stdev(ratios) / len(ratios) ** 0.5 if len(ratios) > 1 else float("nan")
    print(f"{name}: A mean {st.mean(a[index] for a, _ in pairs):.1f}, B mean {st.mean(b[index] for _, b in pairs):.1f}, "
          f"B/A {st.mean(ratios):.3f} ± {se:.3f} ({len(ratios)} pairs)")
PY
