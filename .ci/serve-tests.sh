#!/usr/bin/env bash
# Tests against a running `neuvo serve`: schemathesis on every endpoint of /openapi.json, the widget and the staff
# console in headless Chromium (with axe-core), and a graceful SIGTERM. Called by .ci/run after `swift test`; runnable alone after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
neuvo=.build/debug/neuvo
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The staff console's browser tests publish to the catalog (and roll back): the server serves a copy, a git working
# tree like a city's, never the checkout itself.
mkdir -p "$work/catalog"
cp -R intents locales "$work/catalog/"
git -C "$work/catalog" init --quiet
git -C "$work/catalog" add -A
git -C "$work/catalog" -c user.name=CI -c user.email=ci@localhost commit --quiet -m "The catalog as checked out"
export NEUVO_DB="$work/neuvo.db" NEUVO_CATALOG="$work/catalog" NEUVO_PUBLIC_BASE_URL="$base" NEUVO_SMTP_URL="file://$work/outbox"
export NEUVO_SMS_WEBHOOK_SECRET="whsec_$(head -c 32 /dev/urandom | base64)" NEUVO_LOG_LEVEL=warning
export NEUVO_SMS_RECEIPT_SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
# The notices desk's browser test plays the SMS provider on this port (failing, then recovered); retries come fast so
# that a notice it refuses is a dead letter within seconds.
sms_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export NEUVO_SMS_WEBHOOK_URL="http://127.0.0.1:$sms_port/sms" NEUVO_DISPATCH_RETRY_BASE_SECONDS=0.01
# schemathesis sends thousands of chat messages from one address: the limits are the tests' and the soak's to
# measure (docs/SECURITY.md, "Limits"), so here they are lifted.
export NEUVO_LIMITS_CHAT_PER_ADDRESS=1000000 NEUVO_LIMITS_CHAT_PER_SESSION=100000 NEUVO_LIMITS_HANDOFFS_PER_ADDRESS=100000
# The desk's browser test hands a resident over to an agent whenever CI runs: customer service is open all day.
export NEUVO_HANDOFF_HOURS="daily 00:00-24:00"
server=""
provider=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    [ -n "$provider" ] && kill "$provider" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The city's OpenID provider: a real one (django-oidc-provider, Tests/Peers/oidc) on a loopback port.
op_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$work/op"
python3 Tests/Peers/oidc/provider.py "$op_port" "$work/op" "$base/auth/callback" >"$work/op.out" 2>"$work/op.err" &
provider=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$op_port/openid/.well-known/openid-configuration" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$op_port/openid/.well-known/openid-configuration" >/dev/null \
    || { echo "the OpenID provider did not start"; cat "$work/op.err"; exit 1; }
export NEUVO_OIDC_ISSUER="http://127.0.0.1:$op_port/openid" NEUVO_OIDC_CLIENT_ID=neuvo NEUVO_OIDC_CLIENT_SECRET=neuvo-secret
export NEUVO_OIDC_RESIDENT_CLAIM=hetu NEUVO_OIDC_SENSITIVE_ACR="http://ftn.ficora.fi/2017/loa3"

"$neuvo" serve --port "$port" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/readyz" >/dev/null || { echo "neuvo serve did not become ready"; cat "$work/serve.err"; exit 1; }
echo "neuvo serve is ready on $base"

# A resident with an offered preschool place and a health check-up, known to the OpenID provider by the test user's
# personal identity code (stored as a keyed hash), and a fresh link of each notice for the browser tests.
key=$("$neuvo" keys create --name ci --scope admin)
curl -sf -X PUT "$base/v1/residents/CI1" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d '{"name": "Testi Asukas", "lang": "fi", "email": "ci1@example.org", "channel": "email", "consent": {"email": true}, "quiet_hours": "none", "identity": "131052-308T"}' >/dev/null
"$neuvo" arrange --resident CI1 --kind preschool_place --detail "unit=Kallion ala-aste" --detail start_date=2027-08-01 \
    --detail accept_by=2027-03-15 --idempotency-key ci-offer >/dev/null
"$neuvo" arrange --resident CI1 --kind health_checkup --detail "unit=Kallion terveysasema" --detail time=2027-02-01T09:00 \
    --idempotency-key ci-health >/dev/null
# Links are signed when a notice is sent (none is stored): the server delivers each to the file: channel's folder.
for _ in $(seq 1 100); do [ "$(ls "$work"/outbox/*.eml 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.2; done
links=$(python3 -c '
import email, glob, re, sys
found = {}
for path in glob.glob(sys.argv[1] + "/*.eml"):
    message = email.message_from_binary_file(open(path, "rb"))
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    found["health" if "henkilökohtainen viesti" in text else "offer"] = re.search(r"https?://\S+/r/\S+", text).group(0)
print(found["offer"], found["health"])' "$work/outbox")
link=${links%% *}
health_link=${links##* }

echo "==> schemathesis (every endpoint; fails on a 5xx or a response that breaks the schema)"
# With two workers hypothesis can fail inside its own lambda-description cache ("AST constructor recursion depth
# mismatch", a race between its threads): a runtime error of the tool, not a finding. Then, and only then, the same
# seeded run once more, on one worker, where that race cannot happen.
run_schemathesis() {
    schemathesis --config-file .ci/schemathesis.toml run "$base/openapi.json" -H "Authorization: Bearer $key" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection \
        --max-examples 25 --workers "${1:-2}" --seed 20261127 --request-timeout 10
}
if ! run_schemathesis 2>&1 | tee "$work/schemathesis.log"; then
    if grep -q "AST constructor recursion depth mismatch" "$work/schemathesis.log"; then
        echo "schemathesis failed inside hypothesis (not a finding): running it once more, on one worker"
        run_schemathesis 1
    else
        exit 1
    fi
fi

echo "==> widget, staff console and notices desk in headless Chromium (the staff tests make invite links with neuvo staff invite)"
NEUVO_BASE_URL="$base" NEUVO_BIN="$neuvo" NEUVO_TEST_LINK_TOKEN="${link##*/r/}" NEUVO_TEST_LINK_EXPECT="Kallion ala-aste" \
    NEUVO_TEST_HEALTH_LINK_TOKEN="${health_link##*/r/}" NEUVO_TEST_HEALTH_EXPECT="Kallion terveysasema" \
    NEUVO_TEST_OIDC_USER=resident NEUVO_TEST_OIDC_PASSWORD="correct horse battery staple" \
    NEUVO_TEST_SMS_PORT="$sms_port" \
    python3 -m pytest Tests/Browser -q -rs -p no:cacheprovider

echo "==> graceful shutdown on SIGTERM"
kill -TERM "$server"
for _ in $(seq 1 75); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$server" 2>/dev/null; then echo "neuvo serve did not stop within 15 s of SIGTERM"; exit 1; fi
wait "$server" && status=0 || status=$?
server=""
[ "$status" -eq 0 ] || { echo "neuvo serve exited with $status after SIGTERM"; tail -20 "$work/serve.err"; exit 1; }
"$neuvo" db check >/dev/null
# The staff tests published to the catalog copy, as a git working tree: each publication is a commit by the member.
# (Read whole before matching: `grep -q` stops at the first match, and under pipefail git's SIGPIPE failed the check.)
authors=$(git -C "$work/catalog" log --format='%an: %s')
grep -q "^Pekka Julkaisija: Neuvo catalog version" <<<"$authors" \
    || { echo "publishing did not commit to the catalog's git repository"; git -C "$work/catalog" log --oneline; exit 1; }
echo "serve tests passed"
