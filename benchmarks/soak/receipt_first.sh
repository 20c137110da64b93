#!/usr/bin/env bash
# Reproduction (found by the soak): a delivery receipt that arrives before the dispatcher has recorded the attempt.
# `neuvo serve` sends 20 SMS to a provider that posts each one's "delivered" receipt before answering 202, then 20
# more are queued. Expected: all 40 delivered, 40 attempts recorded. Exit 1 otherwise (at commit 09f8f6a: 20
# delivered, 0 attempts recorded, the next 20 stay queued for good and nothing is logged).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${NEUVO_BIN:-$ROOT/.build/release/neuvo}"
PY="$ROOT/benchmarks/gateway/.venv/bin/python"
[ -x "$PY" ] || { python3 -m venv "$ROOT/benchmarks/gateway/.venv"; "$PY" -m pip install -q aiosmtpd standardwebhooks; }
WORK=$(mktemp -d /tmp/neuvo-receipt-first.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P1=$(free_port); P2=$(free_port)
SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
RECEIPT_SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
export NEUVO_SMS_RECEIPT_SECRET="$RECEIPT_SECRET"
export NEUVO_DB="$WORK/n.db" NEUVO_CATALOG="$ROOT" NEUVO_LOG_LEVEL=warning HOME="$WORK"
export NEUVO_SMS_WEBHOOK_URL="http://127.0.0.1:$P1/sms" NEUVO_SMS_WEBHOOK_SECRET="$SECRET"
unset NEUVO_SMTP_URL NEUVO_CONFIG 2>/dev/null || true
"$PY" "$ROOT/benchmarks/gateway/generate.py" --count 40 --channel sms --residents "$WORK/r.jsonl" --arrangements "$WORK/a.jsonl"
"$BIN" residents import "$WORK/r.jsonl" >/dev/null
head -20 "$WORK/a.jsonl" >"$WORK/a1.jsonl"; tail -20 "$WORK/a.jsonl" >"$WORK/a2.jsonl"
"$PY" "$HERE/receipt_first_provider.py" "$P1" "$SECRET" "http://127.0.0.1:$P2" "$RECEIPT_SECRET" 2>"$WORK/provider.err" & PIDS+=($!)
"$BIN" serve --port "$P2" >"$WORK/serve.out" 2>"$WORK/serve.err" & PIDS+=($!)
deadline=$((SECONDS + 30)); until grep -q serving "$WORK/serve.out" 2>/dev/null; do [ $SECONDS -lt $deadline ] || exit 1; sleep 0.1; done
q() { sqlite3 -cmd ".timeout 5000" "$NEUVO_DB" "$1"; }
wait_for() {  # wait_for SQL VALUE SECONDS
    local deadline=$((SECONDS + $3)); while [ $SECONDS -lt $deadline ]; do [ "$(q "$1")" = "$2" ] && return 0; sleep 0.2; done; return 1
}
"$BIN" arrange "$WORK/a1.jsonl" >/dev/null
wait_for "SELECT count(*) FROM notices WHERE status = 'delivered'" 20 20 || true
"$BIN" arrange "$WORK/a2.jsonl" >/dev/null
ok=0; wait_for "SELECT count(*) FROM notices WHERE status = 'delivered'" 40 20 || ok=1
echo "notices: $(q "SELECT status || '=' || count(*) FROM notices GROUP BY status" | tr '\n' ' ')attempts recorded: $(q "SELECT count(*) FROM delivery_attempts")"
echo "server warnings and errors: $(grep -c . "$WORK/serve.err" || true)"
[ "$(q "SELECT count(*) FROM delivery_attempts")" = 40 ] || ok=1
[ "$ok" = 0 ] && echo "PASS  every notice delivered, every attempt recorded" || echo "FAIL  receipt-first: see above"
exit "$ok"
