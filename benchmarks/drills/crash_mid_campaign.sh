#!/usr/bin/env bash
# Crash drill: N SMS notices are queued, `neuvo dispatch` (continuous) is SIGKILLed 3 times at random moments
# while it is delivering, and restarted each time. Then: every notice is sent, the receiver (the project's
# verifying Standard Webhooks peer, deduplicating on webhook-id) has accepted each notice exactly once and none
# is missing, each idempotency key has one notice, and the database passes PRAGMA integrity_check and
# `neuvo db check`.
#
#   benchmarks/drills/crash_mid_campaign.sh [--short] [--count N] [--kills K] [--seed S]
#     full: N = 100,000; --short: N = 10,000 (for CI, well under 90 s)
#   NEUVO_BIN (default .build/release/neuvo), KEEP=1 keeps the work folder.
#
# A notice left in `sending` by a killed process is resent once its lease expires: the drill sets
# NEUVO_DISPATCH_LEASE_SECONDS=5 (default 300) so that it does not wait five minutes after each kill.
set -euo pipefail
COUNT=100000
KILLS=3
SEED="${RANDOM}"
DEADLINE=1800
while [ $# -gt 0 ]; do
    case "$1" in
        --short) COUNT=10000; DEADLINE=75; shift ;;
        --count) COUNT="$2"; shift 2 ;;
        --kills) KILLS="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RANDOM=$SEED

PORT=$(free_port)
SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
export NEUVO_DB="$WORK/drill.db" NEUVO_CATALOG="$ROOT" NEUVO_LOG_LEVEL=warning
export NEUVO_SMS_WEBHOOK_URL="http://127.0.0.1:$PORT/sms" NEUVO_SMS_WEBHOOK_SECRET="$SECRET"
export NEUVO_DISPATCH_LEASE_SECONDS=5
unset NEUVO_SMTP_URL NEUVO_CONFIG 2>/dev/null || true

log "queueing $COUNT notices (seed $SEED)"
"$PY" "$GENERATE" --count "$COUNT" --channel sms --residents "$WORK/residents.jsonl" \
    --arrangements "$WORK/arrangements.jsonl"
"$BIN" residents import "$WORK/residents.jsonl" > /dev/null
"$BIN" arrange "$WORK/arrangements.jsonl" > /dev/null
QUEUED=$(db "SELECT count(*) FROM notices WHERE status = 'queued'")
check "queued" "$([ "$QUEUED" = "$COUNT" ]; echo $?)" "$QUEUED of $COUNT notices queued"

"$PY" "$HERE/counting_receiver.py" --requests-log "$WORK/requests.jsonl" --port "$PORT" --secret "$SECRET" --log "$WORK/receiver.jsonl" \
    2> "$WORK/receiver.err" &
PIDS+=($!)
wait_port "$PORT"
: > "$WORK/receiver.jsonl"
received() { wc -l < "$WORK/receiver.jsonl" | tr -d ' '; }

start_dispatcher() {
    "$BIN" dispatch >> "$WORK/dispatch.out" 2>> "$WORK/dispatch.err" &
    DISPATCHER=$!
    PIDS+=($DISPATCHER)
}

KILLED_DURING=0
for round in $(seq 1 "$KILLS"); do
    start_dispatcher
    # Kill after a random further 4-20 % of the campaign has been accepted, plus a random 0-49 ms (a 500-notice
    # batch takes ~20 ms at full pace), so that the kill lands anywhere: mid-batch, between the sends and the
    # batch's commit, or in a claim. (Up to a second, as it was, outlasted the whole short campaign once delivery
    # got faster: the kill then came after the end.)
    before=$(received)
    target=$((before + COUNT * (4 + RANDOM % 17) / 100))
    while [ "$(received)" -lt "$target" ] && kill -0 "$DISPATCHER" 2>/dev/null; do sleep 0.01; done
    sleep "$(printf '0.%03d' $((RANDOM % 50)))"
    at=$(received)
    sending=$(db "SELECT count(*) FROM notices WHERE status = 'sending'")
    sent=$(db "SELECT count(*) FROM notices WHERE status = 'sent'")
    kill -KILL "$DISPATCHER" 2>/dev/null || true
    wait "$DISPATCHER" 2>/dev/null || true
    log "kill $round: SIGKILL pid $DISPATCHER with $at accepted by the receiver, $sent sent and $sending sending in the db"
    [ "$at" -lt "$COUNT" ] && KILLED_DURING=$((KILLED_DURING + 1))
done
check "killed mid-dispatch" "$([ "$KILLED_DURING" = "$KILLS" ]; echo $?)" \
    "$KILLED_DURING of $KILLS SIGKILLs landed while notices were still being delivered"

start_dispatcher
log "restarted (pid $DISPATCHER); waiting for every notice to be sent"
deadline=$(($(date +%s) + DEADLINE))
while [ "$(db "SELECT count(*) FROM notices WHERE status = 'sent'")" -lt "$COUNT" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.5
done
stop_dispatcher "$DISPATCHER"
log "dispatcher stopped"

SENT_CLI=$("$BIN" notices --status sent --limit $((COUNT + 10)) --json | wc -l | tr -d ' ')
check "all sent" "$([ "$SENT_CLI" = "$COUNT" ]; echo $?)" "neuvo notices --status sent lists $SENT_CLI of $COUNT"
OTHER=$(db "SELECT group_concat(status || '=' || n) FROM (SELECT status, count(*) n FROM notices WHERE status <> 'sent' GROUP BY status)")
check "nothing else" "$([ -z "$OTHER" ]; echo $?)" "notices not sent: ${OTHER:-none}"

db "SELECT id FROM notices ORDER BY id" > "$WORK/notice-ids.txt"
"$PY" - "$WORK/receiver.jsonl" "$WORK/notice-ids.txt" > "$WORK/receiver-check.txt" <<'EOF'
import json, sys
ids = [json.loads(line)["webhook_id"] for line in open(sys.argv[1])]
expected = set(open(sys.argv[2]).read().split())
print(len(ids), len(set(ids)), len(expected - set(ids)), len(set(ids) - expected))
EOF
read -r LINES DISTINCT MISSING EXTRA < "$WORK/receiver-check.txt"
check "receiver: each once" "$([ "$LINES" = "$COUNT" ] && [ "$DISTINCT" = "$COUNT" ]; echo $?)" \
    "$LINES accepted deliveries, $DISTINCT distinct webhook-ids (the receiver deduplicates on webhook-id)"
check "receiver: none missing" "$([ "$MISSING" = 0 ] && [ "$EXTRA" = 0 ]; echo $?)" \
    "$MISSING notices never reached the receiver, $EXTRA unknown ids"
KEYS=$(db "SELECT count(DISTINCT idempotency_key) FROM notices")
check "idempotency keys" "$([ "$KEYS" = "$COUNT" ]; echo $?)" "$KEYS distinct idempotency keys for $COUNT notices"
ATTEMPTS=$(db "SELECT count(*) FROM delivery_attempts")
INTERRUPTED=$(db "SELECT count(*) FROM notice_transitions WHERE reason LIKE 'interrupted while sending%'")
REQUESTS=$(wc -l < "$WORK/requests.jsonl" | tr -d ' ')
log "receiver saw $REQUESTS requests for $COUNT notices ($((REQUESTS - COUNT)) resends, deduplicated by webhook-id);" \
    "$INTERRUPTED notices taken back from a killed dispatcher's lease; $ATTEMPTS delivery attempts recorded"
# The duplicate window: what a provider that does not deduplicate would deliver twice, per kill (target < 100).
log "redeliveries per kill: $(( (REQUESTS - COUNT) / KILLS )) ($((REQUESTS - COUNT)) resends over $KILLS kills)"
UNRECORDED=$(db "SELECT count(*) FROM delivery_attempts WHERE outcome = 'interrupted'")
check "attempts cover every send" "$([ "$ATTEMPTS" -ge "$REQUESTS" ]; echo $?)" \
    "$ATTEMPTS attempts recorded ($UNRECORDED of them 'interrupted': taken back from a killed dispatcher) for $REQUESTS requests the receiver saw"
INTEGRITY=$(db "PRAGMA integrity_check")
check "integrity_check" "$([ "$INTEGRITY" = ok ]; echo $?)" "PRAGMA integrity_check: $INTEGRITY"
DBCHECK=0; "$BIN" db check > "$WORK/db-check.txt" 2>&1 || DBCHECK=$?
check "neuvo db check" "$DBCHECK" "exit $DBCHECK: $(head -1 "$WORK/db-check.txt")"
RECEIVER_ERRORS=$(grep -c . "$WORK/receiver.err" || true)
[ "$RECEIVER_ERRORS" = 0 ] || log "receiver stderr has $RECEIVER_ERRORS lines (see $WORK/receiver.err)"

summary
