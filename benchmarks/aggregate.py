#!/usr/bin/env python3
"""Collects the output of every committed benchmark into one table (used by benchmarks/run).

    aggregate.py --work DIR [--json FILE] [--md FILE] [--quick]

BENCH_COMMIT, BENCH_TREE_MODIFIED, BENCH_DATE and BENCH_LOAD (set by benchmarks/run) override what is read here,
so that re-aggregating a kept work folder keeps the run's own commit and date.
DIR holds, for each benchmark NAME (nlu, langid, chat, http, gateway, desk, cityscale, redaction), NAME.out (its standard output), NAME.rc
(exit status) and NAME.seconds (wall time). Every markdown table in each output is parsed generically (header ->
cells) and kept in the JSON; the headline rows (figures side by side with the peer measured in the same run, and
their ratio) are then picked from those tables by their first cell. A benchmark that failed or whose table changed
shape shows "n/a" rather than stopping the others. Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = [
    ("nlu", "bash benchmarks/nlu/run.sh", "intent classification vs scikit-learn (MASSIVE train -> dev)"),
    ("langid", "bash benchmarks/langid/run.sh", "language identification vs lingua (MASSIVE dev)"),
    ("chat", "bash benchmarks/chat/run.sh", "one chat turn through `neuvo chat --json`"),
    ("http", "bash benchmarks/http/run.sh", "HTTP on loopback vs nginx (wrk)"),
    ("gateway", "bash benchmarks/gateway/run.sh", "notice queueing and delivery vs the sink's capacity; SMTP"),
    ("desk", "bash benchmarks/desk/run.sh", "the live hand-off, 200 residents and 20 agents, vs an asyncio + sqlite3 peer"),
    ("cityscale", "bash benchmarks/cityscale/run.sh", "30,000 units vs the bundled registry; chat vs nginx"),
    ("redaction", "bash benchmarks/redaction/run.sh", "the redactor vs the same rules through ICU"),
]


# Parsing ---------------------------------------------------------------------------------------------------------
def split_row(line):
    cells = line.strip().strip("|").split("|")
    return [c.strip() for c in cells]


def parse_tables(text):
    """Every markdown table in text: [{"title": preceding heading or line, "columns": [...], "rows": [{...}]}]."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.startswith("|") and re.fullmatch(r"\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*\|?", nxt):
            columns = split_row(line)
            seen = {}
            for k, c in enumerate(columns):  # empty or repeated names get a suffix (neuvo/sklearn share names)
                name = c or f"col{k + 1}"
                if name in seen:
                    seen[name] += 1
                    name = f"{name} ({seen[name]})"
                else:
                    seen[name] = 1
                columns[k] = name
            title = ""
            for back in range(i - 1, max(-1, i - 4), -1):
                if lines[back].strip() and not lines[back].strip().startswith("|"):
                    title = lines[back].strip().lstrip("#").strip()
                    break
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = split_row(lines[i])
                rows.append({columns[k]: (cells[k] if k < len(cells) else "") for k in range(len(columns))})
                i += 1
            tables.append({"title": title, "columns": columns, "rows": rows})
        else:
            i += 1
    return tables


def num(text, pattern=None):
    """The first number in text (commas and thin spaces as thousands separators), or the group of pattern."""
    if text is None:
        return None
    text = str(text)
    if pattern:
        m = re.search(pattern, text)
        if not m:
            return None
        text = m.group(1)
    m = re.search(r"-?\d[\d,\u202f\u00a0]*(?:\.\d+)?", text)
    if not m:
        return None
    try:
        return float(re.sub(r"[,\u202f\u00a0]", "", m.group(0)))
    except ValueError:
        return None


def find_row(tables, first_cell_prefix, column_hint=None):
    for table in tables:
        if column_hint and not any(column_hint in c for c in table["columns"]):
            continue
        for row in table["rows"]:
            first = next(iter(row.values()), "")
            if first.lower().startswith(first_cell_prefix.lower()):
                return row
    return None


def table_titled(tables, title_prefix):
    for table in tables:
        if table["title"].lower().startswith(title_prefix.lower()):
            return [table]
    return []


def cells(row):
    """A row's cells in column order (for tables whose column names change with the run's settings)."""
    return list(row.values()) if row else []


def cell(row, *names):
    if not row:
        return None
    for name in names:
        if name in row:
            return row[name]
    return None


# Headlines -------------------------------------------------------------------------------------------------------
def fmt(value, digits=1, unit=""):
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif digits == 0:
        text = f"{value:.0f}"
    else:
        text = f"{value:.{digits}f}"
    return text + unit


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return None
    return a / b


def headline(name, tables, text):
    """[(measure, neuvo, peer name, peer value, ratio text, note)] for one benchmark."""
    rows = []

    def add(measure, ours, peer_name, theirs, ratio_text, note=""):
        rows.append({"benchmark": name, "measure": measure, "neuvo": ours, "peer": peer_name, "peer_value": theirs,
                     "ratio": ratio_text, "note": note})

    if name == "nlu":
        for lang in ("all", "fi", "sv", "en"):
            row = find_row(tables, lang, "neuvo acc %")
            ours, theirs = num(cell(row, "neuvo acc %")), num(cell(row, "sklearn acc %"))
            add(f"intent accuracy, {lang} (%)", fmt(ours, 2), "scikit-learn LinearSVC", fmt(theirs, 2),
                "n/a" if ours is None or theirs is None else f"{ours - theirs:+.2f} pp")
        row = find_row(tables, "all", "neuvo acc %")
        us, sk_us = num(cell(row, "µs/msg")), num(cell(row, "µs/msg (2)"))
        add("classify one message, all (µs)", fmt(us, 0), "scikit-learn", fmt(sk_us, 0),
            "n/a" if ratio(sk_us, us) is None else f"{ratio(sk_us, us):.0f}× faster")
        tr, fit = num(cell(row, "train s")), num(cell(row, "fit s"))
        speed = ratio(fit, tr)
        add("train on fi+sv+en (s)", fmt(tr, 2), "scikit-learn fit", fmt(fit, 2),
            "n/a" if speed is None else f"{speed:.2f}× faster" if speed >= 1 else f"{1 / speed:.2f}× slower")
        rss, sk_rss = num(cell(row, "RSS MB")), num(cell(row, "RSS MB (2)"))
        add("peak RSS training all (MB)", fmt(rss, 0), "scikit-learn", fmt(sk_rss, 0),
            "n/a" if ratio(rss, sk_rss) is None else f"{ratio(rss, sk_rss):.2f}×")
    elif name == "langid":
        for lang in ("fi", "sv", "en"):
            row = find_row(tables, lang, "lingua %")
            ours, theirs = num(cell(row, "neuvo %")), num(cell(row, "lingua %"))
            add(f"language identified, {lang} (%)", fmt(ours, 2), "lingua (high accuracy)", fmt(theirs, 2),
                "n/a" if ours is None or theirs is None else f"{ours - theirs:+.2f} pp")
        ours = num(text, r"neuvo:\s*([\d.]+)\s*µs")
        theirs = num(text, r"lingua:\s*([\d.]+)\s*µs")
        add("per message (µs)", fmt(ours), "lingua (in-process)", fmt(theirs),
            "n/a" if ratio(theirs, ours) is None else f"{ratio(theirs, ours):.1f}× faster",
            "neuvo: whole process incl. start-up and I/O")
    elif name == "chat":
        row = find_row(tables, "all but the long session", "median")
        floor = find_row(tables, "driver floor", "median")
        med, p99, fmed = num(cell(row, "median")), num(cell(row, "p99")), num(cell(floor, "median"))
        add("chat turn, median (ms)", fmt(med, 3), "driver floor (`cat`)", fmt(fmed, 3),
            "n/a" if ratio(med, fmed) is None else f"{ratio(med, fmed):.1f}×", "target < 2 ms")
        add("chat turn, p99 (ms)", fmt(p99, 3), "", "", "")
        warm = find_row(tables, "start-up to first reply, existing", "value")
        add("start-up to first reply (ms)", fmt(num(cell(warm, "value")), 0), "", "", "", "existing database")
    elif name == "http":
        chat = find_row(tables, "POST /v1/chat", "neuvo")
        text_chat = cell(chat, "neuvo") or ""
        add("POST /v1/chat, 64 conns (req/s)", fmt(num(text_chat)), "", "", "",
            "p99 {} ms".format(fmt(num(text_chat, r"p99 ([\d.]+) ms"), 2)))
        health = find_row(tables, "GET /healthz", "neuvo")
        ours, theirs = num(cell(health, "neuvo")), num(cell(health, "nginx (static file)"))
        add("GET /healthz, 64 conns (req/s)", fmt(ours), "nginx, static file", fmt(theirs),
            "n/a" if ratio(ours, theirs) is None else f"{100 * ratio(ours, theirs):.0f} % of nginx")
        idle = find_row(tables, "RSS with 1,000 idle", "neuvo")
        add("RSS with 1,000 idle connections (MB)", fmt(num(cell(idle, "neuvo")), 0), "", "", "", "target < 150 MB")
    elif name == "gateway":
        def rate(prefix):
            return num(cell(find_row(tables, prefix, "rate"), "rate"))

        queue = rate("arrange")
        add("queue arrangements + notices (/s)", fmt(queue), "", "", "", "target ≥ 20,000/s")
        sms, sms_lifted = rate("SMS dispatch, default"), rate("SMS dispatch, rate lifted")
        cap32 = rate("sink capacity, wrk 32")
        add("SMS delivered, campaign, rate lifted (/s)", fmt(sms_lifted), "sink capacity (wrk, 32 conns)", fmt(cap32),
            "n/a" if ratio(sms_lifted, cap32) is None else f"{100 * ratio(sms_lifted, cap32):.0f} % of sink",
            "target ≥ 50 %")
        add("SMS delivered, default config (/s)", fmt(sms), "", "", "", "rate limit 1,000/s")
        email, email_fast = rate("email, default"), rate("email, rate lifted")
        smtp_cap = rate("aiosmtpd capacity")
        add("email over SMTP, default config (/s)", fmt(email), "aiosmtpd capacity (smtplib)", fmt(smtp_cap),
            "n/a" if ratio(email, smtp_cap) is None else f"{100 * ratio(email, smtp_cap):.0f} % of sink",
            "rate limit 100/s")
        add("email over SMTP, rate lifted (/s)", fmt(email_fast), "aiosmtpd capacity (smtplib)", fmt(smtp_cap),
            "n/a" if ratio(email_fast, smtp_cap) is None else f"{100 * ratio(email_fast, smtp_cap):.0f} % of sink")
        peak = num(cell(find_row(tables, "dispatcher peak RSS", "rate"), "rate"))
        add("dispatcher peak RSS (MB)", fmt(peak), "", "", "", "target < 100 MB")
    elif name == "desk":
        ours, theirs = table_titled(tables, "neuvo serve"), table_titled(tables, "peer")
        for direction in ("agent → resident", "resident → agent"):
            a, b = find_row(ours, direction), find_row(theirs, direction)
            for q in ("p50", "p99"):
                x, y = num(cell(a, f"{q} ms")), num(cell(b, f"{q} ms"))
                add(f"{direction}, {q} (ms)", fmt(x, 1), "asyncio + sqlite3 peer", fmt(y, 1),
                    "n/a" if ratio(x, y) is None else f"{ratio(x, y):.1f}×",
                    ("target p99 < 1 s; " if q == "p99" else "") + f"{fmt(num(cell(a, 'messages')), 0)} messages")
        lost = re.search(r"lost to residents (\d+), lost to agents (\d+), seen twice (\d+)", text)
        add("messages lost / seen twice across reconnects", "n/a" if not lost else
            f"{int(lost.group(1)) + int(lost.group(2))} / {lost.group(3)}", "", "", "", "every stream reconnected")
        rss = re.search(r"RSS MiB \(database MiB\) by second: ([^\n]*)", text)
        if rss:
            samples = re.findall(r"(\d+): ([\d.]+) \(", rss.group(1))
            add("server RSS, first → last sample (MiB)", f"{samples[0][1]} → {samples[-1][1]}" if samples else "n/a",
                "", "", "", "grows with SQLite's page cache up to db_cache_kib")
    elif name == "cityscale":
        count = re.search(r"^(\d[\d,]*) units \(", text, re.M)
        label = f"{int(count.group(1).replace(',', '')):,} units" if count else "the large register"
        units = find_row(tables, "unit questions", "target")
        bundled, city = (cells(units) + [None, None, None])[1:3]
        b_rps, c_rps = num(bundled), num(city)
        c_p99 = fmt(num(city, r"p99 ([\d.]+) ms"), 1)
        add(f"unit questions, {label} (req/s)", fmt(c_rps), "bundled registry", fmt(b_rps),
            "n/a" if ratio(c_rps, b_rps) is None else f"{100 * ratio(c_rps, b_rps):.0f} % of bundled",
            f"p99 {c_p99} ms; targets ≥ 80 %, p99 < 20 ms")
        for prefix, measure, note in (("`neuvo serve` until", "/readyz after start (ms)", "target ≤ 2 s"),
                                      ("`neuvo serve` RSS", "serve RSS after the load (MB)", "target < 150 MB"),
                                      ("`neuvo chat`, one question, warm", "`neuvo chat` warm start to reply (ms)",
                                       "targets ≤ 300 / ≤ 1,000 ms")):
            row = find_row(tables, prefix, "target")
            b, c = (cells(row) + [None, None, None])[1:3]
            add(f"{measure}, {label}", fmt(num(c), 0), "bundled registry", fmt(num(b), 0), "", note)
        chat, static = find_row(tables, "neuvo POST /v1/chat", "ratio to nginx"), find_row(tables, "nginx GET", "ratio to nginx")
        add("POST /v1/chat vs nginx, default logs (req/s)", fmt(num(cell(chat, "req/s"))), "nginx, static file",
            fmt(num(cell(static, "req/s"))), cell(chat, "ratio to nginx") or "n/a", "target ≥ 0.20")
    elif name == "redaction":
        for prefix in ("a message with", "1,999 letters"):
            row = find_row(tables, prefix, "ICU µs")
            ours, theirs = num(cell(row, "Neuvo µs")), num(cell(row, "ICU µs"))
            add(f"redact: {cells(row)[0] if row else prefix} (µs)", fmt(ours, 1), "ICU (NSRegularExpression)",
                fmt(theirs, 1), "n/a" if ratio(theirs, ours) is None else f"{ratio(theirs, ours):.0f}× faster",
                "same output: " + (cell(row, "same output") or "n/a"))
    return rows


# Machine ---------------------------------------------------------------------------------------------------------
def machine():
    def read(path):
        try:
            return open(path).read()
        except OSError:
            return ""

    cpuinfo = read("/proc/cpuinfo")
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    mem = re.search(r"MemTotal:\s*(\d+)", read("/proc/meminfo"))

    def git(*args):
        try:
            return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, check=True).stdout.strip()
        except Exception:
            return None

    commit = os.environ.get("BENCH_COMMIT") or git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift")
    if os.environ.get("BENCH_TREE_MODIFIED") in ("0", "1"):
        status = "modified" if os.environ["BENCH_TREE_MODIFIED"] == "1" else ""
    swift = None
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except Exception:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "memory_gb": round(int(mem.group(1)) / 1048576, 1) if mem else None,
        "kernel": platform.release(),
        "os": platform.platform(),
        "swift": swift,
        "date": os.environ.get("BENCH_DATE")
        or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "commit_short": commit[:7] if commit else None,
        "tree_modified": bool(status) if status is not None else None,
        "load_average": (os.environ.get("BENCH_LOAD") or read("/proc/loadavg")).split()[:3],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--json")
    parser.add_argument("--md")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--command", default="benchmarks/run")
    args = parser.parse_args()

    results = {"machine": machine(), "command": args.command, "quick": args.quick, "benchmarks": {}, "headline": []}
    for name, command, what in BENCHMARKS:
        out = os.path.join(args.work, name + ".out")
        if not os.path.exists(out):
            continue
        text = open(out, encoding="utf-8", errors="replace").read()
        rc = open(os.path.join(args.work, name + ".rc")).read().strip() if os.path.exists(
            os.path.join(args.work, name + ".rc")) else "?"
        seconds = num(open(os.path.join(args.work, name + ".seconds")).read()) if os.path.exists(
            os.path.join(args.work, name + ".seconds")) else None
        tables = parse_tables(text)
        rows = headline(name, tables, text)
        results["benchmarks"][name] = {"command": command, "what": what, "exit_status": int(rc) if rc.isdigit() else rc,
                                       "seconds": seconds, "tables": tables, "output": text}
        results["headline"] += rows

    m = results["machine"]
    lines = []
    lines.append(f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB, Linux {m['kernel']}, "
                 f"commit {m['commit_short']}{' (Sources modified)' if m['tree_modified'] else ''}; load average at the "
                 f"end {' '.join(m['load_average'])}. Command: `{args.command}`"
                 + (" --quick (shortened runs)" if args.quick else "") + ".")
    lines.append("")
    lines.append("| benchmark | measure | neuvo | peer (same run) | peer | ratio | note |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in results["headline"]:
        lines.append(f"| {r['benchmark']} | {r['measure']} | {r['neuvo']} | {r['peer']} | {r['peer_value']} | "
                     f"{r['ratio']} | {r['note']} |")
    lines.append("")
    status = []
    for name, b in results["benchmarks"].items():
        ok = "ok" if b["exit_status"] == 0 else f"FAILED (exit {b['exit_status']})"
        status.append(f"{name} {ok}, {fmt(b['seconds'], 0)} s")
    lines.append("Runs: " + "; ".join(status) + ". Every benchmark's own tables are in latest.json (`benchmarks.NAME.tables`).")
    markdown = "\n".join(lines) + "\n"
    results["markdown"] = markdown
    print(markdown, end="")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, ensure_ascii=False)
            f.write("\n")
    if args.md:
        with open(args.md, "w", encoding="utf-8") as f:
            f.write("# Benchmarks: latest run\n\n" + markdown)
    failed = [n for n, b in results["benchmarks"].items() if b["exit_status"] != 0]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
