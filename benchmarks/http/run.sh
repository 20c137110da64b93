#!/usr/bin/env bash
# HTTP benchmark on loopback with wrk: POST /v1/chat at 64 connections; GET /healthz side by side with nginx
# serving a small static file (the practical ceiling on this machine); memory with 1,000 idle connections; and
# /healthz with the default access log (level info, written to a file) against the same binary at warning.
# wrk is one client address: the per-address limits are lifted for it (they are measured by the tests and the soak).
#   NEUVO_BIN=path   the neuvo binary (default: release build)
#   DURATION=10s     wrk duration per run
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10s}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "needs nginx (apt-get install -y nginx-light)"; exit 1; }
if [ -z "${NEUVO_BIN:-}" ]; then swift build -c release --product neuvo >&2; NEUVO_BIN=.build/release/neuvo; fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
nginx_port=$(free_port)
server=""
nginx_pid=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    [ -n "${logged:-}" ] && kill "$logged" 2>/dev/null || true
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

export NEUVO_LIMITS_CHAT_PER_ADDRESS=1000000 NEUVO_LIMITS_CHAT_PER_SESSION=100000 NEUVO_LIMITS_CONNECTIONS_PER_ADDRESS=4096
NEUVO_DB="$work/neuvo.db" NEUVO_CATALOG="$PWD" NEUVO_LOG_LEVEL=warning "$NEUVO_BIN" serve --port "$port" \
    --max-connections 4096 >/dev/null 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
logged_port=$(free_port)
# The default log level (info): one access-log line per request, to a file as a service manager would keep it.
NEUVO_DB="$work/logged.db" NEUVO_CATALOG="$PWD" "$NEUVO_BIN" serve --port "$logged_port" --max-connections 4096 \
    >/dev/null 2>"$work/access.log" &
logged=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$logged_port/readyz" >/dev/null && break; sleep 0.2; done

mkdir -p "$work/www" "$work/nginx"
echo '{"status":"ok"}' >"$work/www/healthz"
# nginx's workers run as an unprivileged user: without this they answer 403 (faster than the file, and wrong).
chmod 755 "$work" "$work/www"; chmod 644 "$work/www/healthz"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    server { listen 127.0.0.1:$nginx_port; root $work/www; location / { default_type application/json; } }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$nginx_port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$nginx_port/healthz" >/dev/null || { echo "nginx does not serve the static file" >&2; exit 1; }

run() { wrk -t2 -c"$1" -d"$duration" --latency -s "$2" "$3" | grep '^RESULT' | sed 's/^RESULT //'; }
# Warm up: caches, the first sessions, thread creation.
wrk -t2 -c16 -d2s -s benchmarks/http/chat.lua "http://127.0.0.1:$port" >/dev/null
chat=$(run 64 benchmarks/http/chat.lua "http://127.0.0.1:$port")
neuvo_health=$(run 64 benchmarks/http/plain.lua "http://127.0.0.1:$port/healthz")
nginx_health=$(run 64 benchmarks/http/plain.lua "http://127.0.0.1:$nginx_port/healthz")
kill -STOP "$server"  # the two neuvo processes one at a time, so they do not share the cores
logged_health=$(run 64 benchmarks/http/plain.lua "http://127.0.0.1:$logged_port/healthz")
kill -CONT "$server"
kill -STOP "$logged"
quiet_health=$(run 64 benchmarks/http/plain.lua "http://127.0.0.1:$port/healthz")
kill -CONT "$logged"
logged_lines=$(grep -c 'event=http.request' "$work/access.log" || true)

rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
before=$(rss "$server")
python3 benchmarks/http/idle.py 127.0.0.1 "$port" 1000 6 >"$work/idle.out" &
idle=$!
for _ in $(seq 1 100); do grep -q open= "$work/idle.out" 2>/dev/null && break; sleep 0.1; done
with_idle=$(rss "$server")
ok=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
wait "$idle" || true

value() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
printf '| measure | neuvo | nginx (static file) | target |\n|---|---|---|---|\n'
printf '| POST /v1/chat, 64 connections | %s req/s, p50 %s ms, p99 %s ms, %s errors | | ≥ 5,000 req/s, p99 < 20 ms |\n' \
    "$(value "$chat" rps)" "$(value "$chat" p50_ms)" "$(value "$chat" p99_ms)" "$(value "$chat" errors)"
printf '| GET /healthz, 64 connections | %s req/s, p99 %s ms, %s errors | %s req/s, p99 %s ms, %s errors | ≥ 50 %% of nginx (%s %%) |\n' \
    "$(value "$neuvo_health" rps)" "$(value "$neuvo_health" p99_ms)" "$(value "$neuvo_health" errors)" \
    "$(value "$nginx_health" rps)" "$(value "$nginx_health" p99_ms)" "$(value "$nginx_health" errors)" \
    "$(awk -v a="$(value "$neuvo_health" rps)" -v b="$(value "$nginx_health" rps)" 'BEGIN {printf "%.0f", 100 * a / b}')"
printf '| GET /healthz, default access log (info) vs warning | %s req/s (%s lines logged) vs %s req/s | | ≥ 80 %% (%s %%) |\n' \
    "$(value "$logged_health" rps)" "$logged_lines" "$(value "$quiet_health" rps)" \
    "$(awk -v a="$(value "$logged_health" rps)" -v b="$(value "$quiet_health" rps)" 'BEGIN {printf "%.0f", 100 * a / b}')"
printf '| RSS with 1,000 idle connections | %s MB (%s MB before; a new request answered %s) | | < 150 MB |\n' \
    "$with_idle" "$before" "$ok"
