# Shared by the drills: paths, the venv with the test peers' packages, ports, checks and the summary.
# Sourced, not run.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PEERS="$ROOT/Tests/NeuvoNotificationsTests/Peers"
GENERATE="$ROOT/benchmarks/gateway/generate.py"

BIN="${NEUVO_BIN:-$ROOT/.build/release/neuvo}"
if [ ! -x "$BIN" ]; then
    (cd "$ROOT" && swift build -c release --product neuvo) >&2
fi
command -v sqlite3 >/dev/null || { echo "the drills need sqlite3 (apt-get install -y sqlite3)" >&2; exit 69; }
# The peers' packages: the system python3 when it has them (as CI installs them), else a venv made once.
if python3 -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
    PY=python3
else
    VENV="$ROOT/benchmarks/gateway/.venv"
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q aiosmtpd standardwebhooks >&2
    fi
    PY="$VENV/bin/python"
fi

WORK="$(mktemp -d "/tmp/neuvo-drill-$(basename "$0" .sh).XXXXXX")"
PIDS=()
KEEP="${KEEP:-0}"
cleanup() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$KEEP" = 1 ] || [ "${FAILED:-0}" != 0 ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

STARTED_AT=$(date +%s)
log() { echo "[$(date +%H:%M:%S) +$(($(date +%s) - STARTED_AT))s] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 1 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2; return 1
}
db() { sqlite3 -cmd ".timeout 5000" "$NEUVO_DB" "$@"; }

# Stops a dispatcher with SIGTERM; if it has not exited within 5 s, with SIGKILL, and says so. (`neuvo dispatch`
# at this commit does not stop on SIGTERM or SIGINT: see the drills' README.)
NOTES=()
stop_dispatcher() {
    local pid="$1"
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        NOTES+=("NOTE  neuvo dispatch (pid $pid) did not exit within 5 s of SIGTERM; stopped with SIGKILL")
    fi
    wait "$pid" 2>/dev/null || true
}

FAILED=0
CHECKS=()
check() { # check NAME CONDITION-EXIT-STATUS DETAIL
    local name="$1" status="$2" detail="$3"
    if [ "$status" = 0 ]; then CHECKS+=("PASS  $name: $detail"); else CHECKS+=("FAIL  $name: $detail"); FAILED=1; fi
}
summary() {
    echo
    echo "== $(basename "$0") summary ($(($(date +%s) - STARTED_AT)) s) =="
    for line in "${CHECKS[@]}" "${NOTES[@]:-}"; do [ -n "$line" ] && echo "$line"; done
    local passed failed
    passed=$(printf '%s\n' "${CHECKS[@]}" | grep -c '^PASS' || true)
    failed=$(printf '%s\n' "${CHECKS[@]}" | grep -c '^FAIL' || true)
    echo "$passed passed, $failed failed"
    [ "$FAILED" = 0 ]
}
