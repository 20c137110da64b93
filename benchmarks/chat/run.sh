#!/usr/bin/env bash
# Chat benchmark: one turn of `neuvo chat --json` (classify, dialogue, render, store) on the bundled catalog,
# registry and a fresh embedded database, seen from a client that writes one line and waits for its reply.
# Target (issue 5): median under 2 ms.
#   TURNS=n           turns per measured run (default 2000)
#   NEUVO_BIN=path    the binary (default: release build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=benchmarks/chat
turns=${TURNS:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" NO_COLOR=1

if [ -z "${NEUVO_BIN:-}" ]; then
    swift build -c release --product neuvo >&2
    NEUVO_BIN=.build/release/neuvo
fi
driver=(python3 "$here/driver.py")

# Start-up: spawn to first reply. Cold = no database yet (created and seeded); warm = it exists.
for i in 1 2 3; do
    "${driver[@]}" startup "$NEUVO_BIN" "$root" "$work/cold$i.db" >"$work/cold$i.json"
done
db="$work/neuvo.db"
for i in 1 2 3 4 5; do "${driver[@]}" startup "$NEUVO_BIN" "$root" "$db" >"$work/warm$i.json"; done

# An identified resident with one pending arrangement, for the arrangement turns.
echo '{"id": "R1", "name": "Bench Resident", "lang": "fi", "email": "r1@example.org", "consent": {"email": true}}' \
    >"$work/residents.jsonl"
"$NEUVO_BIN" residents import --db "$db" --catalog "$root" "$work/residents.jsonl" >/dev/null
"$NEUVO_BIN" arrange --db "$db" --catalog "$root" --resident R1 --kind preschool_place \
    --detail "unit=Kallion ala-aste" --detail start_date=2027-08-01 --detail accept_by=2027-03-15 >/dev/null

# Turn by turn (ping-pong): a new process, so a new session, after each pass of the script; then one long session
# (one process for all turns); the whole process fed at once (batch); and the driver's own floor through `cat`.
script_length() { grep -cv '^#' "$1"; }
"${driver[@]}" turns "$NEUVO_BIN" "$root" "$db" "$here/messages.tsv" "$turns" "$(script_length "$here/messages.tsv")" \
    >"$work/anonymous.json"
"${driver[@]}" turns "$NEUVO_BIN" "$root" "$db" "$here/identified.tsv" "$((turns / 4))" \
    "$(script_length "$here/identified.tsv")" --resident R1 >"$work/identified.json"
"${driver[@]}" turns "$NEUVO_BIN" "$root" "$db" "$here/messages.tsv" "$turns" >"$work/long.json"
"${driver[@]}" batch "$NEUVO_BIN" "$root" "$db" "$here/messages.tsv" "$turns" >"$work/batch.json"
"${driver[@]}" floor "$here/messages.tsv" "$turns" >"$work/floor.json"

python3 - "$work" "$turns" <<'PY'
import json, statistics, sys
work, turns = sys.argv[1], int(sys.argv[2])
load = lambda name: json.load(open(f"{work}/{name}.json"))

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def row(label, values, extra=""):
    return (f"| {label} | {len(values)} | {statistics.median(values):.3f} | {pct(values, 90):.3f} | "
            f"{pct(values, 99):.3f} | {max(values):.3f} | {statistics.fmean(values):.3f} |{extra}")

anonymous, identified, long = load("anonymous"), load("identified"), load("long")
every = anonymous["turns"] + identified["turns"]
print("## One turn, client view (write a line, wait for the JSON reply), ms")
print("Process CPU / turn includes each process's start-up.")
print()
print("| run | turns | median | p90 | p99 | max | mean | process CPU / turn |")
print("|---|---|---|---|---|---|---|---|")
for label, run in (("anonymous fi/sv/en", anonymous), ("identified resident", identified),
                   ("one long session", long)):
    label += f", {run['sessions']} session{'s' if run['sessions'] > 1 else ''}"
    print(row(label, [t["ms"] for t in run["turns"]], f" {1000 * run['cpu_s'] / len(run['turns']):.3f} |"))
print(row("all but the long session", [t["ms"] for t in every], " |"))
floor = [t["ms"] for t in load("floor")["turns"]]
print(row("driver floor (`cat`)", floor, " |"))
print()
print("## By kind of message, ms")
print("| kind | turns | median | p90 | p99 | max | mean |")
print("|---|---|---|---|---|---|---|")
kinds = {}
for t in every:
    kinds.setdefault(t["kind"], []).append(t["ms"])
for kind, values in sorted(kinds.items(), key=lambda item: -statistics.median(item[1])):
    print(row(kind, values))
for lang in ("fi", "sv", "en"):
    values = [t["ms"] for t in every if t["lang"] == lang]
    if values:
        print(row(f"lang={lang}", values))
print()
tenth = len(long["turns"]) // 10
for label, keep in (("all turns", lambda t: True), ("hand-off", lambda t: t["kind"] == "handoff"),
                    ("all but hand-off", lambda t: t["kind"] != "handoff")):
    first = [t["ms"] for t in long["turns"][:tenth] if keep(t)]
    last = [t["ms"] for t in long["turns"][-tenth:] if keep(t)]
    print(f"Drift in the long session, {label}: median of the first 10 % of turns {statistics.median(first):.3f} ms, "
          f"of the last 10 % {statistics.median(last):.3f} ms")
print()
cold = [load(f"cold{i}")["first_reply_ms"] for i in (1, 2, 3)]
warm = [load(f"warm{i}")["first_reply_ms"] for i in (1, 2, 3, 4, 5)]
batch = load("batch")
print("## Start-up and whole process")
print("| measure | value |")
print("|---|---|")
print(f"| start-up to first reply, new database (median of 3) | {statistics.median(cold):.0f} ms |")
print(f"| start-up to first reply, existing database (median of 5) | {statistics.median(warm):.0f} ms |")
print(f"| batch: {batch['count']} lines piped at once (one session), wall | {batch['wall_s']:.3f} s |")
print(f"| batch: wall / N | {1000 * batch['wall_s'] / batch['count']:.3f} ms |")
print(f"| batch: (wall - warm start-up) / N | "
      f"{(1000 * batch['wall_s'] - statistics.median(warm)) / batch['count']:.3f} ms |")
print(f"| batch: process CPU / N | {1000 * batch['cpu_s'] / batch['count']:.3f} ms |")
print(f"| max RSS, anonymous run | {anonymous['max_rss_kb'] / 1024:.0f} MB |")
median = statistics.median(t["ms"] for t in every)
print()
print(f"Target: median turn under 2 ms -> {median:.3f} ms, {'met' if median < 2 else 'NOT met'}")
PY
