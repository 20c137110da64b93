#!/usr/bin/env bash
# City scale, side by side in one run: the bundled registry (313 units) against 30,000 synthetic units in the
# Service Map v4 format (benchmarks/cityscale/generate.py, full descriptions), imported with `neuvo registry import`.
# For each database:
#   - `neuvo chat` time to first reply: a first start (which persists what it builds), then a warm second start,
#     one unit question piped in, wall time of the whole process;
#   - `neuvo serve` until /readyz answers (a second start on the same database);
#   - POST /v1/chat with unit questions in fi/sv/en (unit_questions.lua), wrk at $CONNECTIONS connections, the two
#     servers' runs alternating (mean req/s; p50 and p99 of all their requests together);
#   - the server's RSS after the load.
# Then chat closer to the wire: POST /v1/chat (benchmarks/http/chat.lua) at 64 connections against nginx serving a
# static file, both with their default access logs (nginx: combined format to a file; neuvo: its default log to
# stderr, into a file).
#
#   NEUVO_BIN=path   the neuvo binary (default: release build of this checkout)
#   UNITS=30000      units in the generated file
#   DURATION=10s     wrk duration per measure (the unit questions: ROUNDS alternating runs per registry)
#   ROUNDS=5         alternating runs of the unit questions against each registry's server
#   CONNECTIONS=32   connections for the unit questions
#   UNITS_FILE=path  use this unit file instead of generating one
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
units=${UNITS:-30000}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
rounds=${ROUNDS:-5}
slice="$(( ${duration%s} / rounds > 0 ? ${duration%s} / rounds : 1 ))s"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "needs nginx (apt-get install -y nginx-light)" >&2; exit 1; }
if [ -z "${NEUVO_BIN:-}" ]; then
    swift build -c release --product neuvo >&2
    NEUVO_BIN=$ROOT/.build/release/neuvo
fi
work=$(mktemp -d /tmp/neuvo-cityscale.XXXXXX)
server=""
servers=()
nginx_pid=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    for pid in "${servers[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
    [ "${KEEP:-0}" = 1 ] && echo "work folder kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
value() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
export NEUVO_CATALOG="$ROOT"
# wrk is one client address: the per-address limits are lifted for it, as in benchmarks/http/run.sh (they are
# measured by the tests and the soak). Without this every request past the first 120 a minute is a 429.
export NEUVO_LIMITS_CHAT_PER_ADDRESS=1000000 NEUVO_LIMITS_CHAT_PER_SESSION=100000 NEUVO_LIMITS_CONNECTIONS_PER_ADDRESS=4096
# A model cache of this run only: the first start trains and writes it, the second reads it.
export NEUVO_MODEL_CACHE="$work/models"
export XDG_CACHE_HOME="$work/cache"

if [ -n "${UNITS_FILE:-}" ]; then
    cp "$UNITS_FILE" "$work/units.json"
else
    echo "[$(date +%H:%M:%S)] generating $units units" >&2
    python3 benchmarks/cityscale/generate.py --units "$units" --full-descriptions >"$work/units.json"
fi
file_mb=$(( $(stat -c %s "$work/units.json") / 1048576 ))

question="missä on lähin uimahalli kalliossa?"
chat_once() {  # chat_once DB → milliseconds from start to exit, one question answered
    local start end
    start=$(now_ms)
    echo "$question" | NEUVO_DB="$1" "$NEUVO_BIN" chat --json >"$work/chat.out" 2>>"$work/chat.err"
    end=$(now_ms)
    grep -q '"reply"' "$work/chat.out" || { echo "neuvo chat gave no reply" >&2; cat "$work/chat.err" >&2; exit 1; }
    echo $((end - start))
}

start_server() {  # start_server NAME DB: the chat start-ups, then `neuvo serve` until /readyz; leaves it running
    local name="$1" db="$2" first second port start
    first=$(chat_once "$db")
    second=$(chat_once "$db")
    port=$(free_port)
    start=$(now_ms)
    NEUVO_DB="$db" NEUVO_LOG_LEVEL=error "$NEUVO_BIN" serve --port "$port" --max-connections 4096 \
        >/dev/null 2>"$work/serve-$name.err" &
    local pid=$!
    servers+=("$pid")
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "serve ($name) exited" >&2; cat "$work/serve-$name.err" >&2; exit 1; }
        sleep 0.02
    done
    echo "first_chat_ms=$first chat_ms=$second ready_ms=$(( $(now_ms) - start ))" >"$work/start-$name"
    echo "$pid $port" >"$work/server-$name"
    wrk -t2 -c8 -d2s -s benchmarks/cityscale/unit_questions.lua "http://127.0.0.1:$port" >/dev/null
}

echo "[$(date +%H:%M:%S)] importing $units units" >&2
start=$(now_ms)
NEUVO_DB="$work/city.db" "$NEUVO_BIN" registry import "$work/units.json" >"$work/import.out"
import_s=$(awk -v ms=$(( $(now_ms) - start )) 'BEGIN {printf "%.1f", ms / 1000}')
echo "[$(date +%H:%M:%S)] starting on the bundled registry and on $units units" >&2
start_server bundled "$work/bundled.db"
start_server city "$work/city.db"
# The two servers' loads alternate in short runs, so a change in the machine's speed during the run weighs on
# both alike (measured one after the other, the ratio swung from 77 to 98 % between two runs of the same binary).
# The percentiles are those of all the runs' requests together (the worst run's p99 overstated the tail).
for round in $(seq 1 "$rounds"); do
    for name in bundled city; do
        read -r pid port <"$work/server-$name"
        HIST_FILE="$work/latencies-$name" wrk -t2 -c"$connections" -d"$slice" --latency \
            -s benchmarks/cityscale/unit_questions.lua "http://127.0.0.1:$port" | grep '^RESULT' \
            | sed 's/^RESULT //' >>"$work/load-$name"
    done
done
measured() {  # measured NAME → one line of key=value figures: mean req/s over the runs, p50 and p99 of all requests
    local name="$1" pid port load percentiles
    read -r pid port <"$work/server-$name"
    load=$(tr ' ' '\n' <"$work/load-$name" | awk -F= '
        $1 == "rps" {rps += $2; n++} $1 == "errors" {errors += $2}
        END {printf "rps=%.0f errors=%d", rps / n, errors}')
    # The runs' latencies merged (wrk's recorded values, microseconds), then the percentiles of the whole.
    percentiles=$(sort -n "$work/latencies-$name" | awk '
        {value[NR] = $1; count[NR] = $2; total += $2}
        END {
            for (i = 1; i <= NR; i++) {
                seen += count[i]
                if (!p50 && seen >= 0.50 * total) p50 = value[i]
                if (!p99 && seen >= 0.99 * total) p99 = value[i]
            }
            printf "p50_ms=%.2f p99_ms=%.2f", p50 / 1000, p99 / 1000
        }')
    load="$load $percentiles"
    echo "$(cat "$work/start-$name") $load rss_mb=$(rss "$pid")"
}
bundled=$(measured bundled)
city=$(measured city)
echo "  bundled: $bundled" >&2
echo "  $units units: $city" >&2
for pid in "${servers[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
servers=()

echo "[$(date +%H:%M:%S)] chat vs nginx, 64 connections, default access logs" >&2
mkdir -p "$work/www" "$work/nginx"
echo '{"status":"ok"}' >"$work/www/healthz"
# nginx's workers run as an unprivileged user: they must be able to reach the file.
chmod 755 "$work" "$work/www"; chmod 644 "$work/www/healthz"
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    server { listen 127.0.0.1:$nginx_port; root $work/www; location / { default_type application/json; } }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
wait_for() {  # wait_for URL PID: until the URL answers, failing when the process is gone or after a minute
    for _ in $(seq 1 3000); do
        curl -sf "$1" >/dev/null && return 0
        kill -0 "$2" 2>/dev/null || { echo "$1: the server exited" >&2; return 1; }
        sleep 0.02
    done
    echo "$1: no answer within a minute" >&2; return 1
}
wait_for "http://127.0.0.1:$nginx_port/healthz" "$nginx_pid"
port=$(free_port)
NEUVO_DB="$work/bundled.db" "$NEUVO_BIN" serve --port "$port" --max-connections 4096 >/dev/null \
    2>"$work/serve-access.log" &
server=$!
wait_for "http://127.0.0.1:$port/readyz" "$server"
wrk -t2 -c16 -d2s -s benchmarks/http/chat.lua "http://127.0.0.1:$port" >/dev/null
chat=$(wrk -t2 -c64 -d"$duration" --latency -s benchmarks/http/chat.lua "http://127.0.0.1:$port" | grep '^RESULT' \
    | sed 's/^RESULT //')
static=$(wrk -t2 -c64 -d"$duration" --latency -s benchmarks/http/plain.lua "http://127.0.0.1:$nginx_port/healthz" \
    | grep '^RESULT' | sed 's/^RESULT //')

row() {  # row LABEL KEY UNIT
    printf '| %s | %s %s | %s %s |\n' "$1" "$(value "$bundled" "$2")" "$3" "$(value "$city" "$2")" "$3"
}
echo
echo "$units units ($file_mb MB of v4 JSON with full descriptions) imported in $import_s s; $(nproc) cores; $(date -u +%F)"
echo
printf '| measure | bundled registry | %s units | target |\n|---|---|---|---|\n' "$units"
printf '| unit questions fi/sv/en, POST /v1/chat, %s connections | %s req/s, p50 %s ms, p99 %s ms, %s errors | %s req/s, p50 %s ms, p99 %s ms, %s errors | ≥ 80 %% of bundled (%s %%), p99 < 20 ms |\n' \
    "$connections" "$(value "$bundled" rps)" "$(value "$bundled" p50_ms)" "$(value "$bundled" p99_ms)" \
    "$(value "$bundled" errors)" "$(value "$city" rps)" "$(value "$city" p50_ms)" "$(value "$city" p99_ms)" \
    "$(value "$city" errors)" \
    "$(awk -v a="$(value "$city" rps)" -v b="$(value "$bundled" rps)" 'BEGIN {printf "%.0f", 100 * a / b}')"
printf '| `neuvo serve` until /readyz | %s ms | %s ms | ≤ 2 s |\n' "$(value "$bundled" ready_ms)" "$(value "$city" ready_ms)"
printf '| `neuvo serve` RSS after the load | %s MB | %s MB | < 150 MB |\n' "$(value "$bundled" rss_mb)" "$(value "$city" rss_mb)"
printf '| `neuvo chat`, one question, first start | %s ms | %s ms | |\n' "$(value "$bundled" first_chat_ms)" \
    "$(value "$city" first_chat_ms)"
printf '| `neuvo chat`, one question, warm second start | %s ms | %s ms | ≤ 300 ms / ≤ 1,000 ms |\n' \
    "$(value "$bundled" chat_ms)" "$(value "$city" chat_ms)"
echo
printf '| 64 connections, default access logs | req/s | p50 | p99 | ratio to nginx |\n|---|---|---|---|---|\n'
printf '| neuvo POST /v1/chat (benchmarks/http/chat.lua) | %s | %s ms | %s ms | %s |\n' "$(value "$chat" rps)" \
    "$(value "$chat" p50_ms)" "$(value "$chat" p99_ms)" \
    "$(awk -v a="$(value "$chat" rps)" -v b="$(value "$static" rps)" 'BEGIN {printf "%.2f", a / b}')"
printf '| nginx GET static file | %s | %s ms | %s ms | 1 |\n' "$(value "$static" rps)" "$(value "$static" p50_ms)" \
    "$(value "$static" p99_ms)"
