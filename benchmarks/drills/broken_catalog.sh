#!/usr/bin/env bash
# Broken-catalog drill: `neuvo serve` runs on a copy of intents/ and locales/ (NEUVO_CATALOG = a temp folder).
#   0. a good change (a marker in the Finnish "thanks" reply) is picked up by POST /v1/admin/reload and by SIGHUP;
#   1. a JSON syntax error in an intent file: SIGHUP and POST /v1/admin/reload are both refused — reload answers
#      422 application/problem+json naming file:line, the log says so, the server keeps running and the chat still
#      answers with the last good catalog (the marker is still there);
#   2. a semantic error (a locale string loses its Swedish text; an intent file with a duplicate id): refused the
#      same way, 422 naming file:line;
#   3. the file is fixed: reload succeeds, and the chat shows the new text.
#
#   benchmarks/drills/broken_catalog.sh        (about 15 s; KEEP=1 keeps the work folder)
set -euo pipefail
while [ $# -gt 0 ]; do
    case "$1" in
        --short) shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CATALOG="$WORK/catalog"
mkdir -p "$CATALOG"
cp -r "$ROOT/intents" "$ROOT/locales" "$CATALOG/"
export NEUVO_DB="$WORK/neuvo.db" NEUVO_CATALOG="$CATALOG" NEUVO_LOG_LEVEL=info HOME="$WORK/home"
unset NEUVO_SMTP_URL NEUVO_SMS_WEBHOOK_URL NEUVO_CONFIG 2>/dev/null || true
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
KEY=$("$BIN" keys create --name drill --scope admin)

"$BIN" serve --port "$PORT" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
PIDS+=($SERVER)
deadline=$((SECONDS + 30))
until grep -q "Neuvo is serving" "$WORK/serve.out" 2>/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.err" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "neuvo serve did not start" >&2; exit 1; }
    sleep 0.1
done
log "serving on $BASE (pid $SERVER), catalog $CATALOG"

# reply TEXT -> the chat's reply to TEXT in a new Finnish session ("" when the request failed)
reply() {
    curl -s -m 10 "$BASE/v1/chat" -H 'Content-Type: application/json' \
        --data-binary "$(python3 -c 'import json,sys; print(json.dumps({"text": sys.argv[1], "lang": "fi"}))' "$1")" \
        | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["reply"])
except Exception: print("")'
}
# reload -> "status<TAB>content-type<TAB>body"
reload() {
    local out
    out=$(curl -s -m 30 -o "$WORK/reload.body" -w '%{http_code}\t%{content_type}' -X POST "$BASE/v1/admin/reload" \
        -H "Authorization: Bearer $KEY" || true)
    printf '%s\t%s' "$out" "$(cat "$WORK/reload.body" 2>/dev/null)"
}
# sighup PATTERN: SIGHUP, then wait (deadline 20 s) for a new log line matching PATTERN; prints it.
sighup() {
    local before
    before=$(wc -l <"$WORK/serve.err")
    kill -HUP "$SERVER"
    local deadline=$((SECONDS + 20))
    while [ $SECONDS -lt $deadline ]; do
        if tail -n +"$((before + 1))" "$WORK/serve.err" | grep -E "$1" | head -1 | grep .; then return 0; fi
        kill -0 "$SERVER" 2>/dev/null || { echo "(server exited)"; return 1; }
        sleep 0.1
    done
    echo "(no log line matching $1 within 20 s)"
    return 1
}
alive() { kill -0 "$SERVER" 2>/dev/null && curl -sf -m 5 "$BASE/healthz" >/dev/null; }
json_detail() { python3 -c 'import json,sys
try: print(json.loads(sys.argv[1]).get("detail", ""))
except Exception: print(sys.argv[1][:300])' "$(cut -f3- <<<"$1")"; }

THANKS="kiitos"
ORIGINAL=$(reply "$THANKS")
log "0. baseline reply to \"$THANKS\": $ORIGINAL"
check "chat answers (baseline)" "$([ -n "$ORIGINAL" ]; echo $?)" "$ORIGINAL"

# 0. A good change, picked up by the API and by SIGHUP.
GENERAL="$CATALOG/locales/general.json"
python3 - "$GENERAL" "Ole hyvä!" "Ole hyvä! [v2]" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path, encoding="utf-8").read()
assert old in text, old
open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))
PY
R=$(reload)
check "a good catalog reloads (API)" "$([ "$(cut -f1 <<<"$R")" = 200 ]; echo $?)" "$(cut -f1,3 <<<"$R" | tr '\t' ' ')"
V2=$(reply "$THANKS")
check "the new text is served" "$(grep -qF '[v2]' <<<"$V2"; echo $?)" "$V2"
python3 - "$GENERAL" "Ole hyvä! [v2]" "Ole hyvä! [v3]" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))
PY
LINE=$(sighup 'catalog\.reload')
check "a good catalog reloads (SIGHUP)" "$(grep -q 'catalog.reloaded' <<<"$LINE" && grep -qF '[v3]' <<<"$(reply "$THANKS")"; echo $?)" \
    "log: $(cut -c1-200 <<<"$LINE")"
GOOD=$(reply "$THANKS")

# 1. A JSON syntax error: the comma after "summary" removed from an intent file.
TARGET="$CATALOG/intents/daycare.fees.json"
cp "$TARGET" "$WORK/daycare.fees.json.good"
BROKEN_LINE=$(grep -n '"summary"' "$TARGET" | head -1 | cut -d: -f1)
sed -i "${BROKEN_LINE}s/,[[:space:]]*\$//" "$TARGET"
log "1. syntax error: removed the comma at the end of intents/daycare.fees.json:$BROKEN_LINE"
LINE=$(sighup 'catalog\.reload')
echo "  SIGHUP log: $(cut -c1-400 <<<"$LINE")" >&2
check "SIGHUP refuses the broken catalog and says where" \
    "$(grep -q 'reload_refused' <<<"$LINE" && grep -qE 'daycare\.fees\.json:[0-9]+' <<<"$LINE"; echo $?)" \
    "$(grep -oE 'daycare\.fees\.json:[0-9:]+[^"\\]{0,80}' <<<"$LINE" | head -1)"
check "the server keeps running after SIGHUP" "$(alive; echo $?)" "pid $SERVER, /healthz"
AFTER=$(reply "$THANKS")
check "chat still answers with the last good catalog (SIGHUP)" "$([ "$AFTER" = "$GOOD" ]; echo $?)" "$AFTER"
R=$(reload)
echo "  POST /v1/admin/reload: $(cut -c1-500 <<<"$R")" >&2
DETAIL=$(json_detail "$R")
check "reload answers 422 problem+json" \
    "$([ "$(cut -f1 <<<"$R")" = 422 ] && grep -q 'application/problem+json' <<<"$R"; echo $?)" "$(cut -f1,2 <<<"$R" | tr '\t' ' ')"
POS=$(grep -oE 'daycare\.fees\.json:[0-9]+(:[0-9]+)?' <<<"$DETAIL" | head -1)
check "reload names file:line" "$([ -n "$POS" ]; echo $?)" "${POS:-no file:line in: $DETAIL} (the comma was removed on line $BROKEN_LINE)"
REPORTED_LINE=$(cut -d: -f2 <<<"$POS")
check "the line is right (the removed comma's line or the next one)" \
    "$([ -n "$REPORTED_LINE" ] && [ "$REPORTED_LINE" -ge "$BROKEN_LINE" ] && [ "$REPORTED_LINE" -le $((BROKEN_LINE + 1)) ]; echo $?)" \
    "reported line ${REPORTED_LINE:-none}, comma removed at the end of line $BROKEN_LINE"
AFTER=$(reply "$THANKS")
check "chat still answers with the last good catalog (API)" "$([ "$AFTER" = "$GOOD" ]; echo $?)" "$AFTER"
AFTER=$(reply "paljonko päivähoito maksaa?")
check "the broken file's intent still answers" "$([ -n "$AFTER" ]; echo $?)" "$(cut -c1-120 <<<"$AFTER")"
cp "$WORK/daycare.fees.json.good" "$TARGET"

# 2. Semantic errors: a locale string without its Swedish text; a copy of an intent file under another name.
python3 - "$GENERAL" <<'PY'
import json, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
for i, line in enumerate(lines):
    if line.strip().startswith('"sv":') and i > 50:
        del lines[i]
        lines[i - 1] = lines[i - 1].rstrip().rstrip(",") + ","  # the "fi" line keeps its comma (en follows)
        break
open(path, "w", encoding="utf-8").write("\n".join(lines))
json.load(open(path, encoding="utf-8"))  # still valid JSON
PY
R=$(reload)
DETAIL=$(json_detail "$R")
echo "  missing sv text -> $(cut -f1 <<<"$R"): $(head -c 300 <<<"$DETAIL")" >&2
check "a missing translation is refused with file:line" \
    "$([ "$(cut -f1 <<<"$R")" = 422 ] && grep -qE 'general\.json:[0-9]+' <<<"$DETAIL"; echo $?)" \
    "$(cut -f1 <<<"$R"): $(grep -oE 'general\.json:[0-9:]+.{0,100}' <<<"$DETAIL" | head -1)"
AFTER=$(reply "$THANKS")
check "chat still answers with the last good catalog (missing translation)" "$([ "$AFTER" = "$GOOD" ]; echo $?)" "$AFTER"
cp "$ROOT/locales/general.json" "$GENERAL"
sed -i 's/Ole hyvä!/Ole hyvä! [v3]/' "$GENERAL"

cp "$CATALOG/intents/daycare.fees.json" "$CATALOG/intents/zz.duplicate.json"
R=$(reload)
DETAIL=$(json_detail "$R")
echo "  duplicate intent id -> $(cut -f1 <<<"$R"): $(head -c 300 <<<"$DETAIL")" >&2
check "an intent file named after another id is refused with file:line" \
    "$([ "$(cut -f1 <<<"$R")" = 422 ] && grep -qE '\.json:[0-9]+' <<<"$DETAIL"; echo $?)" \
    "$(cut -f1 <<<"$R"): $(head -c 160 <<<"$DETAIL" | tr '\n' ' ')"
rm -f "$CATALOG/intents/zz.duplicate.json"

# 3. Fixed: a new good text, reload succeeds, the chat shows it.
sed -i 's/Ole hyvä! \[v3\]/Ole hyvä! [v4]/' "$GENERAL"
R=$(reload)
check "the fixed catalog reloads" "$([ "$(cut -f1 <<<"$R")" = 200 ]; echo $?)" "$(cut -f1,3 <<<"$R" | tr '\t' ' ')"
AFTER=$(reply "$THANKS")
check "the chat serves the fixed catalog" "$(grep -qF '[v4]' <<<"$AFTER"; echo $?)" "$AFTER"
check "the server is still the same process" "$(alive; echo $?)" "pid $SERVER"
check "neuvo check agrees the fixed catalog is valid" "$("$BIN" check --no-cross-validation --catalog "$CATALOG" >/dev/null 2>&1; echo $?)" \
    "neuvo check --catalog $CATALOG"
summary
