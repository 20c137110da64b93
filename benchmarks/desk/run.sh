#!/usr/bin/env bash
# Desk benchmark (issue 18): RESIDENTS widget sessions on the event stream and AGENTS agents at the desk against one
# `neuvo serve` (release build) on loopback, for SECONDS_; then the same load against the peer (peer.py: the same
# protocol in asyncio + sqlite3). Message latency both ways (p50, p99, max), messages lost or seen twice across a
# reconnect of every stream halfway, and the server's RSS every 10 s.
#   RESIDENTS=200 AGENTS=20 SECONDS_=60   (SECONDS_=600 PEER=off for the 10-minute memory soak of Neuvo alone;
#                                          TYPING_ONLY=1 sends typing signals, stored nowhere, instead of messages)
#   NEUVO_BIN=path                          the binary (default: release build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
residents=${RESIDENTS:-200}
agents=${AGENTS:-20}
seconds=${SECONDS_:-60}
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "${NEUVO_BIN:-}" ]; then
    swift build -c release --product neuvo >&2
    NEUVO_BIN=.build/release/neuvo
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
report() {
    python3 - "$1" "$2" <<'PY'
import json, sys
r, label = json.load(open(sys.argv[1])), sys.argv[2]
print(f"{label}: residents {r['residents']} (held {r['held']}), agents {r['agents']}, {r['seconds']:.0f} s; "
      f"sent: agents {r['sent']['agent']}, residents {r['sent']['resident']}")
print("| direction | messages | p50 ms | p99 ms | max ms |")
print("|---|---|---|---|---|")
for key, name in (("agent_to_resident", "agent → resident's stream"), ("resident_to_agent", "resident → agent's desk")):
    d = r[key]
    print(f"| {name} | {d['count']} | {d['p50_ms']} | {d['p99_ms']} | {d['max_ms']} |")
print(f"lost to residents {r['lost_to_residents']}, lost to agents {r['lost_to_agents']}, "
      f"seen twice {r['duplicates']} (every stream reconnected once with Last-Event-ID); "
      f"typing signals received: residents {r.get('typing_seen', {}).get('resident')}, "
      f"desks {r.get('typing_seen', {}).get('agent')}")
print("RSS MiB (database MiB) by second: " + ", ".join(
    f"{t}: {kib / 1024:.1f} ({db / 1024:.1f})" for t, kib, db in r["rss_kib"]))
print()
PY
}

# Neuvo.
port=$(free_port)
export HOME="$work/home" NEUVO_DB="$work/neuvo.db" NEUVO_CATALOG="$root" NEUVO_LOG_LEVEL=warning
export NEUVO_HANDOFF_HOURS="daily 00:00-24:00" NEUVO_LIMITS_CHAT_PER_ADDRESS=1000000
export NEUVO_LIMITS_HANDOFFS_PER_ADDRESS=100000 NEUVO_LIMITS_CONNECTIONS_PER_ADDRESS=4096
# TYPING_ONLY sends a signal a session far more often than the widget; the limit is measured by AgentDeskTests.
export NEUVO_LIMITS_TYPING_PER_SESSION=100000
"$NEUVO_BIN" serve --port "$port" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "neuvo serve did not start"; cat "$work/serve.err"; exit 1; }
python3 benchmarks/desk/driver.py --port "$port" --db "$NEUVO_DB" --bin "$NEUVO_BIN" --pid "$server" \
    --residents "$residents" --agents "$agents" --seconds "$seconds" ${TYPING_ONLY:+--typing-only} >"$work/neuvo.json"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
report "$work/neuvo.json" "neuvo serve"

# The peer, under the same load.
if [ "${PEER:-on}" != off ]; then
    port=$(free_port)
    python3 benchmarks/desk/peer.py "$port" "$work/peer.db" >"$work/peer.out" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    python3 benchmarks/desk/driver.py --peer --port "$port" --db "$work/peer.db" --bin "$NEUVO_BIN" --pid "$server" \
        --residents "$residents" --agents "$agents" --seconds "$seconds" >"$work/peer.json"
    report "$work/peer.json" "peer (asyncio + sqlite3)"
fi
