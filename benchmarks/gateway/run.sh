#!/usr/bin/env bash
# Notification gateway benchmark: a campaign of N residents on the SMS channel (import, `neuvo arrange`, then
# `neuvo dispatch --until-idle` to a local webhook sink with the rate limit lifted, NEUVO_DISPATCH_SMS_RATE=100000,
# so the dispatcher goes at its own pace), side by side with the sink's own capacity measured in the same run
# (wrk), the dispatcher's peak RSS (/usr/bin/time -v) and RSS sampled every second; a second, smaller campaign at
# the default configuration (the provider-protecting 1,000/s); the email rate to aiosmtpd with connection reuse.
# Prints a table; writes results.json into the work folder (and --json).
#
#   benchmarks/gateway/run.sh [--count N] [--paced-count M] [--emails E] [--json FILE] [--keep]
#
#   --count          notices in the campaign (default 100000)
#   --paced-count    notices in a second campaign dispatched with the default configuration, to show the rate
#                    limit holding (default 20000; 0 = skip)
#   --emails         emails to aiosmtpd (default 2000; 0 = skip)
#   NEUVO_BIN        the neuvo binary (default: .build/release/neuvo, built when missing)
#   ROUNDS           the campaign is dispatched this many times (from a copy of the queued outbox), alternating
#                    with 5 s of wrk at 32 connections against the sink (default 3): the delivery share is the
#                    median delivery over the median capacity, so a slow spell of the machine weighs on both
#
# Needs python3 (a venv is made in benchmarks/gateway/.venv with aiosmtpd and standardwebhooks), wrk,
# /usr/bin/time and sqlite3. Runs on loopback only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
COUNT=100000
PACED=20000
EMAILS=2000
JSON_OUT=""
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --count) COUNT="$2"; shift 2 ;;
        --paced-count) PACED="$2"; shift 2 ;;
        --emails) EMAILS="$2"; shift 2 ;;
        --json) JSON_OUT="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

for tool in wrk sqlite3 /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "run.sh needs $tool (apt-get install -y wrk sqlite3 time)" >&2; exit 69; }
done

BIN="${NEUVO_BIN:-$ROOT/.build/release/neuvo}"
if [ ! -x "$BIN" ]; then
    (cd "$ROOT" && swift build -c release --product neuvo) >&2
fi
VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q aiosmtpd standardwebhooks >&2
fi
PY="$VENV/bin/python"

WORK="$(mktemp -d /tmp/neuvo-gateway-bench.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$KEEP" = 1 ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2; return 1
}
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Runs "$@" under /usr/bin/time -v, sampling the child's RSS every second into $1.rss (seconds, kB); the
# time -v report goes to $1.time, stdout to $1.out. Wall time in seconds is printed.
measure() {
    local name="$1"; shift
    local start end tpid pid=""
    start=$(now)
    /usr/bin/time -v -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
    tpid=$!
    : > "$WORK/$name.rss"
    for _ in $(seq 1 200); do
        pid=$(ps -o pid= --ppid "$tpid" 2>/dev/null | head -1 | tr -d ' ')
        [ -n "$pid" ] && break
        sleep 0.01
    done
    if [ -n "$pid" ]; then
        (
            while kill -0 "$pid" 2>/dev/null; do
                rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
                # awk, not a python3 start each second: the sampler shares the two cores with what it measures.
                [ -n "$rss" ] && awk -v now="$(now)" -v start="$start" -v rss="$rss" \
                    'BEGIN { printf "%.1f %s\n", now - start, rss }' >> "$WORK/$name.rss"
                sleep 1
            done
        ) &
        local sampler=$!
    fi
    local status=0
    wait "$tpid" || status=$?
    end=$(now)
    [ -n "${sampler:-}" ] && wait "$sampler" 2>/dev/null || true
    if [ "$status" != 0 ]; then
        echo "command failed ($status): $*" >&2; tail -5 "$WORK/$name.err" >&2; return "$status"
    fi
    python3 -c "print(f'{$end - $start:.3f}')"
}

SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
SINK_PORT=$(free_port)
export NEUVO_CATALOG="$ROOT" NEUVO_LOG_LEVEL=warning
unset NEUVO_SMTP_URL NEUVO_SMS_WEBHOOK_URL NEUVO_CONFIG 2>/dev/null || true

log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)"
log "generating $COUNT residents and arrangements in $WORK"
"$PY" "$HERE/generate.py" --count "$COUNT" --channel sms --residents "$WORK/residents.jsonl" \
    --arrangements "$WORK/arrangements.jsonl"

export NEUVO_DB="$WORK/campaign.db"
log "neuvo residents import ($COUNT)"
IMPORT_S=$(measure import "$BIN" residents import "$WORK/residents.jsonl")
log "neuvo arrange ($COUNT)"
ARRANGE_S=$(measure arrange "$BIN" arrange "$WORK/arrangements.jsonl")
QUEUED=$(sqlite3 "$NEUVO_DB" "SELECT count(*) FROM notices WHERE status = 'queued'")
# The queued outbox, for the later rounds (the WAL folded into the file first, so a plain copy is whole).
sqlite3 "$NEUVO_DB" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$NEUVO_DB" "$WORK/campaign-queued.db"

"$PY" "$HERE/fast_sink.py" --port "$SINK_PORT" --secret "$SECRET" --verify-every 100 \
    --sample-body "$WORK/body.json" --stats "$WORK/sink-final.json" --arrivals "$WORK/arrivals-campaign.txt" &
PIDS+=($!)
wait_port "$SINK_PORT"
export NEUVO_SMS_WEBHOOK_URL="http://127.0.0.1:$SINK_PORT/sms" NEUVO_SMS_WEBHOOK_SECRET="$SECRET"
log "neuvo dispatch --until-idle ($QUEUED SMS, NEUVO_DISPATCH_SMS_RATE=100000: the dispatcher's own pace)"
DISPATCH_S=$(NEUVO_DISPATCH_SMS_RATE=100000 measure dispatch "$BIN" dispatch --until-idle)
curl -s "http://127.0.0.1:$SINK_PORT/stats" > "$WORK/sink-dispatch.json"
curl -s "http://127.0.0.1:$SINK_PORT/dump-arrivals" > /dev/null
SENT=$(sqlite3 "$NEUVO_DB" "SELECT count(*) FROM notices WHERE status = 'sent'")
echo "1 $SENT $DISPATCH_S" > "$WORK/dispatch-rounds.txt"

# The sink's capacity beside each dispatch: the machine's speed drifts over minutes, and a ratio of two figures
# measured a minute apart swung by a fifth on the same binary.
sink_capacity() {  # sink_capacity ROUND
    curl -s "http://127.0.0.1:$SINK_PORT/reset" > /dev/null
    BODY_FILE="$WORK/body.json" wrk -t1 -c32 -d5s -s "$HERE/sink_load.lua" "http://127.0.0.1:$SINK_PORT/sms" \
        > "$WORK/wrk-c32-round$1.txt"
}
ROUNDS="${ROUNDS:-3}"
log "sink capacity beside the campaign: wrk, 5 s with 32 connections, then $((ROUNDS - 1)) more rounds of both"
sink_capacity 1
for round in $(seq 2 "$ROUNDS"); do
    rm -f "$WORK/round.db" "$WORK/round.db-wal" "$WORK/round.db-shm"
    cp "$WORK/campaign-queued.db" "$WORK/round.db"
    curl -s "http://127.0.0.1:$SINK_PORT/reset" > /dev/null
    start=$(now)
    NEUVO_DB="$WORK/round.db" NEUVO_DISPATCH_SMS_RATE=100000 "$BIN" dispatch --until-idle > /dev/null \
        2>> "$WORK/rounds.err"
    end=$(now)
    sent=$(sqlite3 "$WORK/round.db" "SELECT count(*) FROM notices WHERE status = 'sent'")
    if [ "$sent" != "$QUEUED" ]; then
        echo "round $round sent $sent of $QUEUED notices" >&2; tail -5 "$WORK/rounds.err" >&2; exit 1
    fi
    awk -v r="$round" -v n="$sent" -v s="$start" -v e="$end" 'BEGIN { printf "%d %d %.3f\n", r, n, e - s }' \
        >> "$WORK/dispatch-rounds.txt"
    sink_capacity "$round"
done
rm -f "$WORK/round.db" "$WORK/round.db-wal" "$WORK/round.db-shm"

if [ "$PACED" -gt 0 ]; then
    log "paced campaign: $PACED more notices at the default configuration (dispatch.sms_rate 1,000/s)"
    "$PY" "$HERE/generate.py" --count "$PACED" --channel sms --prefix U --residents "$WORK/residents-u.jsonl" \
        --arrangements "$WORK/arrangements-u.jsonl"
    "$BIN" residents import "$WORK/residents-u.jsonl" > /dev/null
    "$BIN" arrange "$WORK/arrangements-u.jsonl" > /dev/null
    curl -s "http://127.0.0.1:$SINK_PORT/reset" > /dev/null
    PACED_S=$(measure paced "$BIN" dispatch --until-idle)
    curl -s "http://127.0.0.1:$SINK_PORT/stats" > "$WORK/sink-paced.json"
else
    PACED_S=0; echo '{}' > "$WORK/sink-paced.json"
fi

log "sink capacity with 2 connections: wrk, 5 s"
curl -s "http://127.0.0.1:$SINK_PORT/reset" > /dev/null
BODY_FILE="$WORK/body.json" wrk -t1 -c2 -d5s -s "$HERE/sink_load.lua" "http://127.0.0.1:$SINK_PORT/sms" \
    > "$WORK/wrk-c2.txt"
curl -s "http://127.0.0.1:$SINK_PORT/stats" > "$WORK/sink-wrk.json"

EMAIL_S=0; EMAIL_FAST_S=0
if [ "$EMAILS" -gt 0 ]; then
    SMTP_PORT=$(free_port)
    "$PY" "$ROOT/Tests/NeuvoNotificationsTests/Peers/smtp_sink.py" --port "$SMTP_PORT" --dir "$WORK/mail" &
    PIDS+=($!)
    wait_port "$SMTP_PORT"
    unset NEUVO_SMS_WEBHOOK_URL NEUVO_SMS_WEBHOOK_SECRET
    export NEUVO_DB="$WORK/email.db" NEUVO_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" NEUVO_SMTP_TLS=none \
        NEUVO_SMTP_FROM="Helsingin kaupunki <neuvo@hel.example>"
    for run in default fast; do
        "$PY" "$HERE/generate.py" --count "$EMAILS" --channel email --prefix "E$run" \
            --residents "$WORK/residents-$run.jsonl" --arrangements "$WORK/arrangements-$run.jsonl"
        "$BIN" residents import "$WORK/residents-$run.jsonl" > /dev/null
        "$BIN" arrange "$WORK/arrangements-$run.jsonl" > /dev/null
        grep -c '"EHLO"' "$WORK/mail/events.jsonl" 2>/dev/null > "$WORK/ehlo-before-$run" || echo 0 > "$WORK/ehlo-before-$run"
        if [ "$run" = default ]; then
            log "neuvo dispatch --until-idle ($EMAILS emails to aiosmtpd, default configuration)"
            EMAIL_S=$(measure email-$run "$BIN" dispatch --until-idle)
        else
            log "neuvo dispatch --until-idle ($EMAILS emails, NEUVO_DISPATCH_EMAIL_RATE=100000)"
            EMAIL_FAST_S=$(NEUVO_DISPATCH_EMAIL_RATE=100000 measure email-$run "$BIN" dispatch --until-idle)
        fi
        grep -c '"EHLO"' "$WORK/mail/events.jsonl" > "$WORK/ehlo-after-$run" || true
        ls "$WORK/mail" | grep -c '^[0-9]*\.json$' > "$WORK/mails-after-$run" || true
    done
    log "aiosmtpd capacity: smtplib, 2 reused connections, $EMAILS messages"
    "$PY" "$HERE/smtp_load.py" --port "$SMTP_PORT" --count "$EMAILS" --connections 2 \
        --size "$(python3 -c "import json,base64; print(len(base64.b64decode(json.load(open('$WORK/mail/000001.json'))['raw_base64'])))")" \
        > "$WORK/smtp-load.json"
    EMAIL_SENT=$(sqlite3 "$NEUVO_DB" "SELECT count(*) FROM notices WHERE status = 'sent'")
else
    EMAIL_SENT=0; echo '{}' > "$WORK/smtp-load.json"
fi

COMMIT="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
"$BIN" --version > "$WORK/version.txt" 2>&1 || true
"$PY" "$HERE/report.py" --work "$WORK" --count "$COUNT" --queued "$QUEUED" --sent "$SENT" \
    --import-s "$IMPORT_S" --arrange-s "$ARRANGE_S" --dispatch-s "$DISPATCH_S" \
    --paced-count "$PACED" --paced-s "$PACED_S" \
    --emails "$EMAILS" --email-s "$EMAIL_S" --email-fast-s "$EMAIL_FAST_S" --email-sent "$EMAIL_SENT" \
    --commit "$COMMIT" --json "${JSON_OUT:-$WORK/results.json}"
