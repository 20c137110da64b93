#!/usr/bin/env bash
# Tests against a running `neuvo serve`: schemathesis on every endpoint of /openapi.json, the widget in headless
# Chromium, and a graceful SIGTERM. Called by .ci/run after `swift test`; runnable alone after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
neuvo=.build/debug/neuvo
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export NEUVO_DB="$work/neuvo.db" NEUVO_CATALOG="$PWD" NEUVO_PUBLIC_BASE_URL="$base" NEUVO_SMTP_URL="file://$work/outbox"
export NEUVO_SMS_WEBHOOK_SECRET="whsec_$(head -c 32 /dev/urandom | base64)" NEUVO_LOG_LEVEL=warning
export NEUVO_SMS_RECEIPT_SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
# schemathesis sends thousands of chat messages from one address: the limits are the tests' and the soak's to
# measure (docs/SECURITY.md, "Limits"), so here they are lifted.
export NEUVO_LIMITS_CHAT_PER_ADDRESS=1000000 NEUVO_LIMITS_CHAT_PER_SESSION=100000 NEUVO_LIMITS_HANDOFFS_PER_ADDRESS=100000
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$neuvo" serve --port "$port" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/readyz" >/dev/null || { echo "neuvo serve did not become ready"; cat "$work/serve.err"; exit 1; }
echo "neuvo serve is ready on $base"

# A resident with an offered preschool place, and a fresh identification link for the browser test.
printf '%s\n' '{"id": "CI1", "name": "Testi Asukas", "lang": "fi", "email": "ci1@example.org", "channel": "email", "consent": {"email": true}, "quiet_hours": "none"}' >"$work/residents.jsonl"
"$neuvo" residents import "$work/residents.jsonl" >/dev/null
"$neuvo" arrange --resident CI1 --kind preschool_place --detail "unit=Kallion ala-aste" --detail start_date=2027-08-01 \
    --detail accept_by=2027-03-15 --idempotency-key ci-offer >/dev/null
# Links are signed when a notice is sent (none is stored): the server delivers it to the file: channel's folder.
for _ in $(seq 1 100); do ls "$work"/outbox/*.eml >/dev/null 2>&1 && break; sleep 0.2; done
link=$(python3 -c '
import email, glob, re, sys
message = email.message_from_binary_file(open(glob.glob(sys.argv[1] + "/*.eml")[0], "rb"))
text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
print(re.search(r"https?://\S+/r/\S+", text).group(0))' "$work/outbox")
key=$("$neuvo" keys create --name ci --scope admin)

echo "==> schemathesis (every endpoint; fails on a 5xx or a response that breaks the schema)"
# With two workers hypothesis can fail inside its own lambda-description cache ("AST constructor recursion depth
# mismatch"): a runtime error of the tool, not a finding. Then, and only then, the same seeded run once more.
run_schemathesis() {
    schemathesis --config-file .ci/schemathesis.toml run "$base/openapi.json" -H "Authorization: Bearer $key" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection \
        --max-examples 25 --workers 2 --seed 20261127 --request-timeout 10
}
if ! run_schemathesis 2>&1 | tee "$work/schemathesis.log"; then
    if grep -q "AST constructor recursion depth mismatch" "$work/schemathesis.log"; then
        echo "schemathesis failed inside hypothesis (not a finding): running it once more"
        run_schemathesis
    else
        exit 1
    fi
fi

echo "==> widget in headless Chromium"
NEUVO_BASE_URL="$base" NEUVO_TEST_LINK_TOKEN="${link##*/r/}" NEUVO_TEST_LINK_EXPECT="Kallion ala-aste" \
    python3 -m pytest Tests/Browser -q -rs -p no:cacheprovider

echo "==> graceful shutdown on SIGTERM"
kill -TERM "$server"
for _ in $(seq 1 75); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$server" 2>/dev/null; then echo "neuvo serve did not stop within 15 s of SIGTERM"; exit 1; fi
wait "$server" && status=0 || status=$?
server=""
[ "$status" -eq 0 ] || { echo "neuvo serve exited with $status after SIGTERM"; tail -20 "$work/serve.err"; exit 1; }
"$neuvo" db check >/dev/null
echo "serve tests passed"
