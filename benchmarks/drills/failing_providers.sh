#!/usr/bin/env bash
# Failing-providers drill: email and SMS notices are dispatched (continuous `neuvo dispatch`) while
#   - the SMTP server (the aiosmtpd test peer) is stopped for 60 s (--short: 10 s), then started again;
#   - the webhook receiver (the project's verifying peer) fails 30 % of requests with 500 and times out 10 %.
# Then: everything is delivered, nothing is dead; the receiver accepted each SMS once; every retry waited at
# least the policy's minimum backoff (visible in `neuvo notices show ID`); requests per second at the receiver
# (and emails per second) never exceeded the configured rate plus the token bucket's burst.
#
#   benchmarks/drills/failing_providers.sh [--short] [--sms N] [--emails N] [--outage S] [--hang S]
#     full:    500 SMS, 500 emails, SMTP down 60 s, a "timeout" holds the request 16 s (past libcurl's 15 s)
#     --short: 150 SMS, 100 emails, SMTP down 10 s, a "timeout" holds the request 1 s then drops the connection
#   NEUVO_BIN (default .build/release/neuvo), KEEP=1 keeps the work folder.
#
# Real time is used, so the drill sets NEUVO_DISPATCH_RETRY_BASE_SECONDS (full 0.5, short 0.2; default 30) and
# NEUVO_DISPATCH_SMS_RATE / NEUVO_DISPATCH_EMAIL_RATE = 20/s (the rate the storm check holds them to).
set -euo pipefail
N_SMS=500
N_EMAIL=500
OUTAGE=60
HANG=16
BASE=0.5
RATE=20
DEADLINE=900
while [ $# -gt 0 ]; do
    case "$1" in
        --short) N_SMS=150; N_EMAIL=100; OUTAGE=10; HANG=1; BASE=0.2; DEADLINE=60; shift ;;
        --sms) N_SMS="$2"; shift 2 ;;
        --emails) N_EMAIL="$2"; shift 2 ;;
        --outage) OUTAGE="$2"; shift 2 ;;
        --hang) HANG="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TOTAL=$((N_SMS + N_EMAIL))
BURST=$(python3 -c "print(max(1, $RATE / 10))")

WEB_PORT=$(free_port)
SMTP_PORT=$(free_port)
SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
export NEUVO_DB="$WORK/drill.db" NEUVO_CATALOG="$ROOT" NEUVO_LOG_LEVEL=error
export NEUVO_SMS_WEBHOOK_URL="http://127.0.0.1:$WEB_PORT/sms" NEUVO_SMS_WEBHOOK_SECRET="$SECRET"
export NEUVO_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" NEUVO_SMTP_TLS=none NEUVO_SMTP_FROM="Neuvo <neuvo@hel.example>"
export NEUVO_DISPATCH_RETRY_BASE_SECONDS="$BASE" NEUVO_DISPATCH_SMS_RATE="$RATE" NEUVO_DISPATCH_EMAIL_RATE="$RATE"
export NEUVO_DISPATCH_LEASE_SECONDS=60
unset NEUVO_CONFIG 2>/dev/null || true

log "queueing $N_SMS SMS and $N_EMAIL email notices"
"$PY" "$GENERATE" --count "$N_SMS" --channel sms --prefix S --residents "$WORK/res-sms.jsonl" \
    --arrangements "$WORK/arr-sms.jsonl"
"$PY" "$GENERATE" --count "$N_EMAIL" --channel email --prefix M --residents "$WORK/res-email.jsonl" \
    --arrangements "$WORK/arr-email.jsonl"
for kind in sms email; do
    "$BIN" residents import "$WORK/res-$kind.jsonl" > /dev/null
    "$BIN" arrange "$WORK/arr-$kind.jsonl" > /dev/null
done

"$PY" "$HERE/counting_receiver.py" --requests-log "$WORK/requests.jsonl" --port "$WEB_PORT" --secret "$SECRET" \
    --log "$WORK/receiver.jsonl" --fail-500 3/10 --fail-timeout 1/10 --timeout-seconds "$HANG" \
    2> "$WORK/receiver.err" &
PIDS+=($!)
start_smtp() {
    "$PY" "$PEERS/smtp_sink.py" --port "$SMTP_PORT" --dir "$WORK/$1" 2> "$WORK/$1.err" &
    SMTP=$!
    PIDS+=($SMTP)
    wait_port "$SMTP_PORT"
}
start_smtp mail1
wait_port "$WEB_PORT"
: > "$WORK/receiver.jsonl"; : > "$WORK/requests.jsonl"

"$BIN" dispatch > "$WORK/dispatch.out" 2> "$WORK/dispatch.err" &
DISPATCHER=$!
PIDS+=($DISPATCHER)
log "dispatcher started (pid $DISPATCHER); SMS receiver failing 30 % with 500 and 10 % by hanging ${HANG} s"
# Let some emails through first, then take the SMTP server away mid-campaign.
for _ in $(seq 1 100); do
    [ "$(ls "$WORK/mail1" 2>/dev/null | grep -c '^[0-9]*\.json$' || true)" -ge 10 ] && break
    sleep 0.1
done
kill -TERM "$SMTP"; wait "$SMTP" 2>/dev/null || true
DOWN_AT=$(date +%s)
BEFORE=$(ls "$WORK/mail1" | grep -c '^[0-9]*\.json$' || true)
log "SMTP server stopped after $BEFORE emails; down for $OUTAGE s"
sleep "$OUTAGE"
start_smtp mail2
log "SMTP server back"

deadline=$(($(date +%s) + DEADLINE))
while [ "$(db "SELECT count(*) FROM notices WHERE status IN ('sent', 'dead', 'permanent_failure')")" -lt "$TOTAL" ] \
    && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.5
done
stop_dispatcher "$DISPATCHER"
log "dispatcher stopped"

STATUS=$(db "SELECT group_concat(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM notices GROUP BY status)")
SENT=$(db "SELECT count(*) FROM notices WHERE status = 'sent'")
check "all delivered" "$([ "$SENT" = "$TOTAL" ]; echo $?)" "$SENT of $TOTAL sent ($STATUS)"

"$PY" - "$WORK" "$N_SMS" "$N_EMAIL" > "$WORK/peers.txt" <<'EOF'
import glob, json, os, sys
work, n_sms, n_email = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ids = [json.loads(l)["webhook_id"] for l in open(os.path.join(work, "receiver.jsonl"))]
requests = [json.loads(l) for l in open(os.path.join(work, "requests.jsonl"))]
mails = [json.load(open(p)) for p in glob.glob(os.path.join(work, "mail*", "[0-9]*.json"))]
message_ids = [m["message_id"] for m in mails]
print(len(ids), len(set(ids)), len(requests), len(mails), len(set(message_ids)))
EOF
read -r ACCEPTED DISTINCT REQUESTS MAILS DISTINCT_MAILS < "$WORK/peers.txt"
check "receiver: each SMS once" "$([ "$ACCEPTED" = "$N_SMS" ] && [ "$DISTINCT" = "$N_SMS" ]; echo $?)" \
    "$DISTINCT distinct webhook-ids accepted of $N_SMS, after $REQUESTS requests in all"
check "SMTP: every email" "$([ "$DISTINCT_MAILS" = "$N_EMAIL" ]; echo $?)" \
    "$DISTINCT_MAILS distinct Message-IDs of $N_EMAIL ($MAILS messages stored, $BEFORE before the outage)"

# Every retry waited at least the policy's minimum: base * 2^(k-1) * (1 - jitter 0.5) after attempt k failed.
db "SELECT a.notice_seq, a.attempt, a.finished_at, b.started_at, a.outcome
    FROM delivery_attempts a JOIN delivery_attempts b ON b.notice_seq = a.notice_seq AND b.attempt = a.attempt + 1
    ORDER BY a.notice_seq, a.attempt" > "$WORK/retries.txt"
"$PY" - "$WORK/retries.txt" "$BASE" > "$WORK/backoff.txt" <<'EOF'
import sys
base = float(sys.argv[2]); retries = 0; early = 0; worst = None; longest = 0.0
for line in open(sys.argv[1]):
    notice, attempt, finished, started, outcome = line.strip().split("|")
    attempt = int(attempt); wait = (int(started) - int(finished)) / 1000
    minimum = min(3600, base * 2 ** (attempt - 1)) * 0.5
    retries += 1; longest = max(longest, wait)
    if wait < minimum - 0.01:
        early += 1; worst = worst or "%s attempt %d waited %.3f s < %.3f s" % (notice, attempt + 1, wait, minimum)
print(retries, early, "%.1f" % longest, worst or "-")
EOF
read -r RETRIES EARLY LONGEST WORST < "$WORK/backoff.txt"
check "backoff" "$([ "$RETRIES" -gt 0 ] && [ "$EARLY" = 0 ]; echo $?)" \
    "$RETRIES retries, $EARLY earlier than the minimum backoff, longest wait $LONGEST s${WORST:+ (first early: $WORST)}"
MOST=$(db "SELECT id FROM notices WHERE channel = 'email' ORDER BY attempts DESC, id LIMIT 1")
MOST_SMS=$(db "SELECT id FROM notices WHERE channel = 'sms' ORDER BY attempts DESC, id LIMIT 1")
for id in $MOST $MOST_SMS; do
    echo; echo "\$ neuvo notices show $id"; "$BIN" notices show "$id" | head -40
done

echo; echo "attempts by outcome:"
db "SELECT channel, outcome, substr(coalesce(detail, ''), 1, 60) d, count(*) FROM delivery_attempts
    WHERE outcome <> 'accepted' GROUP BY 1, 2, 3 ORDER BY 4 DESC" | sed 's/^/  /'

# No request storm: per calendar second, at most rate + burst requests (a token bucket allows exactly that).
"$PY" - "$WORK/requests.jsonl" > "$WORK/storm-sms.txt" <<'EOF'
import collections, json, sys
per = collections.Counter(int(json.loads(l)["t"]) for l in open(sys.argv[1]))
print(max(per.values()) if per else 0)
EOF
PEAK_SMS=$(cat "$WORK/storm-sms.txt")
PEAK_EMAIL=$(db "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM delivery_attempts WHERE channel = 'email'
    GROUP BY started_at / 1000)")
# A storm is many times the rate. Calendar-second buckets at the receiver also catch requests sent at the end of
# the previous second (network and thread-hand-off jitter), so a quarter of the rate is allowed on top.
LIMIT=$(python3 -c "print(int($RATE * 1.25 + $BURST))")
check "no storm (SMS)" "$([ "$PEAK_SMS" -le "$LIMIT" ]; echo $?)" \
    "peak $PEAK_SMS requests/s at the receiver; configured $RATE/s + burst $BURST"
check "no storm (email)" "$([ "$PEAK_EMAIL" -le "$LIMIT" ]; echo $?)" \
    "peak $PEAK_EMAIL attempts/s (from the dispatcher's attempts); configured $RATE/s + burst $BURST"
INTEGRITY=$(db "PRAGMA integrity_check")
check "integrity_check" "$([ "$INTEGRITY" = ok ]; echo $?)" "PRAGMA integrity_check: $INTEGRITY"

summary
