#!/usr/bin/env bash
# Disk-full and read-only drill. The database lives on a small loop-mounted ext4 file system (root only),
# `neuvo serve` runs on it without a delivery channel (so every notice stays queued), and:
#   1. disk full: arrangements are queued over HTTP until writes fail. Checks: the failing request is a 5xx
#      application/problem+json whose text says the disk is full; `neuvo arrange` exits non-zero with one line
#      naming the disk; POST /v1/chat still answers (a new session and a follow-up); /readyz; the notices already
#      queued are all still there after space is freed (a ballast file is deleted; count before == count after),
#      new arrangements are accepted again without a restart, and PRAGMA integrity_check is ok.
#   2. read-only under the running server: `chattr +i` on the database, its -wal file and their folder (not the
#      -shm: SQLite maps it, and a write to a mapped page of an immutable file is a SIGBUS, see below)
#      (a read-only remount is refused while the server holds the files open for writing: "mount point is busy").
#      Same checks (error names read-only, chat, nothing lost once writable again).
#   3. read-only at start: the server is stopped, the file system remounted read-only, and `neuvo serve` and
#      `neuvo arrange` started on it: each must refuse with one clear line. Then writable again, restart, the
#      counts are the same, integrity ok.
#
#   benchmarks/drills/disk_full.sh [--size MB] [--residents N]     (about 40 s; KEEP=1 keeps the work folder)
# Prints each observation (status, content type, body) so the report can say precisely what the product does.
set -euo pipefail
# The server writes the bundled registry and its search indexes (~8 MB with the WAL) before the drill begins.
SIZE=17
RESIDENTS=6000
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE="$2"; shift 2 ;;
        --residents) RESIDENTS="$2"; shift 2 ;;
        --short) shift ;;  # already short
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "disk_full.sh mounts a loop file system: run it as root" >&2; exit 77; }
for tool in mkfs.ext4 chattr mountpoint curl; do
    command -v "$tool" >/dev/null || { echo "disk_full.sh needs $tool (e2fsprogs, util-linux, curl)" >&2; exit 69; }
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DISK="$WORK/disk"
SERVER=""
unmount_and_cleanup() {
    [ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null || true
    [ -n "$SERVER" ] && wait "$SERVER" 2>/dev/null || true
    if mountpoint -q "$DISK" 2>/dev/null; then
        chattr -R -i "$DISK" 2>/dev/null || true
        umount "$DISK" || umount -l "$DISK" || true
    fi
    rm -f "$WORK/disk.img"
    cleanup
}
trap unmount_and_cleanup EXIT

mkdir -p "$DISK"
truncate -s "${SIZE}M" "$WORK/disk.img"
mkfs.ext4 -q -F -m 0 "$WORK/disk.img"
mount -o loop "$WORK/disk.img" "$DISK"
export NEUVO_DB="$DISK/neuvo.db" NEUVO_CATALOG="$ROOT" NEUVO_LOG_LEVEL=notice HOME="$WORK/home"
unset NEUVO_SMTP_URL NEUVO_SMS_WEBHOOK_URL NEUVO_CONFIG 2>/dev/null || true
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
export NEUVO_PUBLIC_BASE_URL="$BASE"

log "ext4 of $SIZE MB at $DISK; importing $RESIDENTS residents"
"$PY" "$GENERATE" --count "$RESIDENTS" --channel sms --prefix D --residents "$WORK/residents.jsonl" \
    --arrangements "$WORK/arrangements.jsonl"
"$BIN" residents import "$WORK/residents.jsonl" >/dev/null
KEY=$("$BIN" keys create --name drill --scope arrangements:write --scope notices:read --scope admin)
log "database $(du -k "$NEUVO_DB" | cut -f1) kB; $(df -k --output=avail "$DISK" | tail -1 | tr -d ' ') kB free"

start_server() {
    # Emptied here, not by the background job's own redirection: that runs in the child after the fork, and the
    # wait below could still read the previous server's "Neuvo is serving" line (seen once, under load).
    : >"$WORK/serve.out"
    "$BIN" serve --port "$PORT" >>"$WORK/serve.out" 2>>"$WORK/serve.err" &
    SERVER=$!
    local deadline=$((SECONDS + 30))
    until grep -q "Neuvo is serving" "$WORK/serve.out" 2>/dev/null; do
        kill -0 "$SERVER" 2>/dev/null || { echo "neuvo serve exited:" >&2; tail -5 "$WORK/serve.err" >&2; return 1; }
        [ $SECONDS -lt $deadline ] || { echo "neuvo serve did not start" >&2; return 1; }
        sleep 0.1
    done
}
stop_server() {
    kill -TERM "$SERVER"
    local deadline=$((SECONDS + 30))
    while kill -0 "$SERVER" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    local rc=0
    if kill -0 "$SERVER" 2>/dev/null; then kill -KILL "$SERVER"; rc=137; fi
    wait "$SERVER" 2>/dev/null || rc=$?
    SERVER=""
    return "$rc"
}
# http METHOD PATH [BODY] -> "status<TAB>content-type<TAB>body" (body on one line)
http() {
    local out
    out=$(curl -s -o "$WORK/body" -w '%{http_code}\t%{content_type}' -X "$1" "$BASE$2" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} || true)
    printf '%s\t%s' "$out" "$(tr '\n' ' ' <"$WORK/body" 2>/dev/null | cut -c1-400)"
}
status_of() { cut -f1 <<<"$1"; }
queued() { db "SELECT count(*) FROM notices"; }
arrangements_count() { db "SELECT count(*) FROM arrangements"; }
# chat_probe LABEL: a new session, then a follow-up in it; records what came back.
chat_probe() {
    local first second session
    first=$(http POST /v1/chat '{"text": "missä on lähin kirjasto Kalliossa?"}')
    session=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("session_id",""))' "$WORK/body" 2>/dev/null || true)
    second=$(http POST /v1/chat "{\"session_id\": \"$session\", \"text\": \"entä aukioloajat?\"}")
    echo "  chat ($1), new session: $(cut -c1-300 <<<"$first")" >&2
    echo "  chat ($1), follow-up:   $(cut -c1-300 <<<"$second")" >&2
    CHAT_FIRST=$first CHAT_SECOND=$second
    # Is the session's context kept (the follow-up answered for the unit of the first turn, as before the drill)?
    local follow
    follow=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reply",""))' "$WORK/body" 2>/dev/null || true)
    if [ "$1" = before ]; then FOLLOW_BEFORE=$follow
    elif [ "$follow" = "${FOLLOW_BEFORE:-}" ]; then NOTES+=("NOTE  chat ($1): the follow-up kept its session's context")
    else NOTES+=("NOTE  chat ($1): the follow-up lost its session's context (answered: $(cut -c1-80 <<<"$follow"))"); fi
    local ok=1
    [ "$(status_of "$first")" = 200 ] && grep -q '"reply"' <<<"$first" && ok=0
    check "chat answers a new session ($1)" "$ok" "$(status_of "$first"): $(cut -f3- <<<"$first" | cut -c1-160)"
    ok=1
    [ "$(status_of "$second")" = 200 ] && grep -q '"reply"' <<<"$second" && ok=0
    check "chat answers a follow-up ($1)" "$ok" "$(status_of "$second"): $(cut -f3- <<<"$second" | cut -c1-160)"
}
# arrange_cli LABEL PATTERN: `neuvo arrange` must fail with one line matching PATTERN.
arrange_cli() {
    local rc=0
    "$BIN" arrange --resident D0000001 --kind budgeting_vote --detail district=Kallio --detail closes=2027-05-01 \
        --idempotency-key "cli-$1-$RANDOM" >"$WORK/cli.out" 2>"$WORK/cli.err" || rc=$?
    local lines
    lines=$(grep -c . "$WORK/cli.err" || true)
    echo "  neuvo arrange ($1): exit $rc, stderr ($lines lines): $(head -3 "$WORK/cli.err" | cut -c1-300)" >&2
    check "neuvo arrange fails clearly ($1)" \
        "$([ "$rc" != 0 ] && [ "$lines" = 1 ] && grep -qiE "$2" "$WORK/cli.err"; echo $?)" \
        "exit $rc, $lines line(s): $(head -1 "$WORK/cli.err" | cut -c1-200)"
}
# The next batch of arrangements from the generated campaign.
# (not in a subshell: it moves NEXT on; the body is left in $WORK/batch.json)
NEXT=1
batch() {
    local n="$1"
    sed -n "${NEXT},$((NEXT + n - 1))p" "$WORK/arrangements.jsonl" | python3 -c \
        'import json,sys; print(json.dumps({"arrangements": [json.loads(l) for l in sys.stdin]}))' >"$WORK/batch.json"
    NEXT=$((NEXT + n))
}
post_batch() {
    batch "$1"
    RESPONSE=$(http POST /v1/arrangements "$(cat "$WORK/batch.json")")
    cp "$WORK/body" "$WORK/batch-response.json"
}
# Arrangements created by the last post_batch (its whole response body).
created() { python3 -c 'import json,sys
try: print(sum(1 for r in json.load(open(sys.argv[1]))["results"] if r.get("outcome", {}).get("created")))
except Exception: print(0)' "$WORK/batch-response.json"; }
# Posts batches of 10 until one is accepted (up to 20 s): RECOVER is the last response, RECOVERED its created count.
post_until_accepted() {
    RECOVER=""
    local deadline=$((SECONDS + 20))
    while [ $SECONDS -lt $deadline ]; do
        post_batch 10; RECOVER=$RESPONSE
        [ "$(status_of "$RECOVER")" = 200 ] && break
        sleep 0.5
    done
    RECOVERED=$(created)
}
free_kb() { df -k --output=avail "$DISK" | tail -1 | tr -d ' '; }

start_server
log "serving on $BASE (pid $SERVER)"
chat_probe "before"

# 1. Disk full ------------------------------------------------------------------------------------------------
# Ballast, deleted later to free space.
fallocate -l 3M "$DISK/ballast"
log "1. disk full: queueing arrangements in batches of 50 until a write fails ($(free_kb) kB free)"
ACCEPTED=0
FAIL_RESPONSE=""
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ] && [ "$NEXT" -le "$RESIDENTS" ]; do
    post_batch 50; response=$RESPONSE
    if [ "$(status_of "$response")" = 200 ]; then
        ACCEPTED=$((ACCEPTED + $(created)))
    else
        FAIL_RESPONSE=$response
        break
    fi
done
log "  $ACCEPTED arrangements accepted before the first failure; $(free_kb) kB free"
echo "  failing POST /v1/arrangements: $(cut -c1-400 <<<"$FAIL_RESPONSE")" >&2
check "writes fail when the disk is full" "$([ -n "$FAIL_RESPONSE" ]; echo $?)" \
    "after $ACCEPTED arrangements: $(cut -f1,2 <<<"$FAIL_RESPONSE" | tr '\t' ' ')"
FAIL_STATUS=$(status_of "$FAIL_RESPONSE")
check "the error is a 5xx problem+json" \
    "$([[ "$FAIL_STATUS" =~ ^5 ]] && grep -q 'application/problem+json' <<<"$FAIL_RESPONSE"; echo $?)" \
    "$(cut -f1,2 <<<"$FAIL_RESPONSE" | tr '\t' ' ')"
check "the error says the disk is full" "$(grep -qiE 'disk|space|full|storage' <<<"$(cut -f3- <<<"$FAIL_RESPONSE")"; echo $?)" \
    "$(cut -f3- <<<"$FAIL_RESPONSE" | cut -c1-200)"
# A second and third attempt, one arrangement each. Refused the same way (and not half-written), or, when the
# failed batch's rollback left room for one more, stored: then it counts as accepted like any other.
post_batch 1; RETRY=$RESPONSE
[ "$(status_of "$RETRY")" = 200 ] && ACCEPTED=$((ACCEPTED + $(created)))
echo "  retry (1 arrangement): $(cut -c1-300 <<<"$RETRY")" >&2
arrange_cli "disk full" 'disk|full|space'
chat_probe "disk full"
READY=$(http GET /readyz)
echo "  /readyz (disk full): $(cut -c1-200 <<<"$READY")" >&2
# Read straight from the file: the server holds it open; sqlite3 only reads.
BEFORE=$(queued)
log "  notices in the database while full: $BEFORE (accepted over HTTP: $ACCEPTED)"
check "every accepted arrangement has its notice" "$([ "$BEFORE" = "$ACCEPTED" ]; echo $?)" \
    "$BEFORE notices for $ACCEPTED accepted arrangements"

log "  freeing space: the 3 MB ballast file is deleted (no restart)"
rm -f "$DISK/ballast"
AFTER=$(queued)
check "nothing queued lost (disk full)" "$([ "$AFTER" = "$BEFORE" ]; echo $?)" "$BEFORE before, $AFTER after freeing space"
post_until_accepted
check "writes resume after space is freed, without a restart" "$([ "$(status_of "$RECOVER")" = 200 ]; echo $?)" \
    "$(cut -f1 <<<"$RECOVER"): $RECOVERED arrangements accepted"
BEFORE_RO=$(queued)
check "count after recovery" "$([ "$BEFORE_RO" = $((AFTER + RECOVERED)) ]; echo $?)" \
    "$BEFORE_RO = $AFTER + $RECOVERED"
chat_probe "after freeing space"
INTEGRITY=$(db "PRAGMA integrity_check")
check "integrity after disk full" "$([ "$INTEGRITY" = ok ]; echo $?)" "PRAGMA integrity_check: $INTEGRITY"

# 2. Read-only ------------------------------------------------------------------------------------------------
log "2. read-only under the running server: chattr +i on the database, its log and their folder"
# Not on the -shm file: it is SQLite's shared memory, mapped into the server. Writing to a mapped page of an
# immutable file, once the kernel has written that page back, raises SIGBUS (ext4's page_mkwrite refuses it):
# the server then died in a checkpoint, one run in three. That is chattr's artefact, not a read-only disk (a
# read-only remount is refused while the files are open); the database and its log being unwritable is the test.
chattr +i "$DISK"/neuvo.db "$DISK"/neuvo.db-wal "$DISK"
post_batch 10; RO_RESPONSE=$RESPONSE
echo "  POST /v1/arrangements (read-only): $(cut -c1-400 <<<"$RO_RESPONSE")" >&2
check "read-only: the error is a 5xx problem+json" \
    "$([[ "$(status_of "$RO_RESPONSE")" =~ ^5 ]] && grep -q 'application/problem+json' <<<"$RO_RESPONSE"; echo $?)" \
    "$(cut -f1,2 <<<"$RO_RESPONSE" | tr '\t' ' ')"
# (chattr +i makes writes fail with EPERM, which SQLite reports as a disk I/O error: either wording is clear.)
check "read-only: the error names the storage" \
    "$(grep -qiE 'read-only|readonly|read only|disk|storage|I/O' <<<"$(cut -f3- <<<"$RO_RESPONSE")"; echo $?)" \
    "$(cut -f3- <<<"$RO_RESPONSE" | cut -c1-200)"
arrange_cli "read-only" 'read-only|readonly|read only'
chat_probe "read-only"
READY=$(http GET /readyz)
echo "  /readyz (read-only): $(cut -c1-200 <<<"$READY")" >&2
chattr -i "$DISK"/neuvo.db* "$DISK"
AFTER_RO=$(queued)
check "nothing queued lost (read-only)" "$([ "$AFTER_RO" = "$BEFORE_RO" ]; echo $?)" "$BEFORE_RO before, $AFTER_RO after"
post_until_accepted
check "writes resume once writable, without a restart" "$([ "$(status_of "$RECOVER")" = 200 ]; echo $?)" \
    "$(cut -c1-200 <<<"$RECOVER")"
chat_probe "writable again"

# 3. Read-only at start, then a restart -------------------------------------------------------------------------
FINAL=$(queued)
rc=0
stop_server || rc=$?
check "graceful stop" "$rc" "exit $rc after SIGTERM"
log "3. read-only at start: the file system is remounted read-only with the server stopped"
mount -o remount,ro "$DISK"
rc=0
timeout 15 "$BIN" serve --port "$(free_port)" >"$WORK/serve2.out" 2>"$WORK/serve2.err" || rc=$?
echo "  neuvo serve on the read-only database: exit $rc, stderr: $(head -3 "$WORK/serve2.err" | cut -c1-300)" >&2
check "neuvo serve refuses a read-only database with one clear line" \
    "$([ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$(grep -c . "$WORK/serve2.err")" = 1 ] \
        && grep -qiE 'read-only|readonly' "$WORK/serve2.err"; echo $?)" \
    "exit $rc: $(head -1 "$WORK/serve2.err" | cut -c1-200)"
arrange_cli "read-only at start" 'read-only|readonly|read only'
RO_COUNT=$(db "SELECT count(*) FROM notices" 2>&1 || true)
echo "  sqlite3 count while read-only: $RO_COUNT" >&2
mount -o remount,rw "$DISK"
start_server
check "count across a restart" "$([ "$(queued)" = "$FINAL" ]; echo $?)" "$FINAL before the stop, $(queued) after"
chat_probe "after the restart"
rc=0
stop_server || rc=$?
INTEGRITY=$(db "PRAGMA integrity_check")
check "integrity at the end" "$([ "$INTEGRITY" = ok ] && "$BIN" db check >/dev/null 2>&1; echo $?)" \
    "PRAGMA integrity_check: $INTEGRITY; neuvo db check"
QUEUED_ALL=$(db "SELECT count(*) FROM notices WHERE status = 'queued'")
ARR=$(arrangements_count)
check "one notice per arrangement" "$([ "$ARR" = "$FINAL" ] && [ "$QUEUED_ALL" = "$FINAL" ]; echo $?)" \
    "$ARR arrangements, $FINAL notices, $QUEUED_ALL queued"
if [ -s "$WORK/serve.err" ]; then
    echo "server log lines mentioning the failures:" >&2
    grep -iE 'full|read-?only|error' "$WORK/serve.err" | sed -E 's/^(ts|time)=[^ ]+ //' | cut -c1-250 | sort | uniq -c \
        | sort -rn | head -8 >&2 || true
fi
summary
