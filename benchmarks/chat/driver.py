#!/usr/bin/env python3
"""Drives `neuvo chat --json` as a client would: one line written, the reply line awaited, the latency recorded.

    driver.py startup BIN ROOT DB [--resident ID]   -> {"first_reply_ms": ...}
    driver.py turns BIN ROOT DB MESSAGES N [PER_SESSION] [--resident ID]
                                                    -> per-turn latencies (ms) with kind and intent; a new process
                                                       (a new session) every PER_SESSION turns (default: one)
    driver.py batch BIN ROOT DB MESSAGES N [--resident ID] -> whole-process wall and CPU time for N piped lines
    driver.py floor MESSAGES N                        -> the same ping-pong through `cat`: the driver's own cost

Everything is printed as one JSON object on stdout.
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def messages(path, count):
    script = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        kind, text = line.split("\t", 1)
        script.append((kind, text))
    return [script[i % len(script)] for i in range(count)]


def spawn(binary, root, db, resident, extra=()):
    command = [binary, "chat", "--json", "--catalog", root, "--db", db, *extra]
    if resident:
        command += ["--resident", resident]
    environment = dict(os.environ, NO_COLOR="1")
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, bufsize=0)


class LineReader:
    """Reads whole lines from a raw pipe without Python's buffering getting in the way of the timing."""

    def __init__(self, fd):
        self.fd = fd
        self.pending = b""

    def line(self):
        while b"\n" not in self.pending:
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise EOFError("the process closed its output")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line


def ping_pong(process, lines):
    """Writes each line, waits for its reply; returns [(ms, reply)]."""
    reader = LineReader(process.stdout.fileno())
    fd = process.stdin.fileno()
    results = []
    for _, text in lines:
        start = time.perf_counter_ns()
        os.write(fd, (text + "\n").encode())
        reply = reader.line()
        results.append(((time.perf_counter_ns() - start) / 1e6, reply))
    return results


def finish(process):
    process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"neuvo chat exited with {process.returncode}")
    return usage


def startup(binary, root, db, resident):
    start = time.perf_counter_ns()
    process = spawn(binary, root, db, resident)
    ms, _ = ping_pong(process, [("greeting", "hei")])[0]
    first = (time.perf_counter_ns() - start) / 1e6
    finish(process)
    return {"first_reply_ms": first, "first_turn_ms": ms}


def turns(binary, root, db, path, count, resident, per_session):
    """count turns, a new process (so a new session) every per_session turns; start-up and each first turn apart."""
    lines = messages(path, count)
    rows, cpu, rss = [], 0.0, 0
    for offset in range(0, count, per_session):
        chunk = lines[offset : offset + per_session]
        process = spawn(binary, root, db, resident)
        # The first turn pays for start-up (catalog, registry, database); it is measured separately.
        results = ping_pong(process, [("greeting", "hei")] + chunk)
        usage = finish(process)
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss)
        for (kind, text), (ms, reply) in zip(chunk, results[1:]):
            decoded = json.loads(reply)
            rows.append({"kind": kind, "lang": decoded["lang"], "intent": decoded["intent"], "ms": ms})
    return {"turns": rows, "cpu_s": cpu, "max_rss_kb": rss, "sessions": -(-count // per_session)}


def batch(binary, root, db, path, count, resident):
    lines = messages(path, count)
    with tempfile.TemporaryFile() as source:
        source.write("".join(text + "\n" for _, text in lines).encode())
        source.seek(0)
        command = [binary, "chat", "--json", "--catalog", root, "--db", db]
        if resident:
            command += ["--resident", resident]
        start = time.perf_counter_ns()
        process = subprocess.Popen(
            command, stdin=source, stdout=subprocess.PIPE, env=dict(os.environ, NO_COLOR="1"), bufsize=0)
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = (time.perf_counter_ns() - start) / 1e9
    replies = output.count(b"\n")
    if os.waitstatus_to_exitcode(status) != 0 or replies != count:
        raise SystemExit(f"batch run: exit {os.waitstatus_to_exitcode(status)}, {replies} replies for {count} lines")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "count": count}


def floor(path, count):
    lines = messages(path, count)
    process = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    results = ping_pong(process, lines)
    finish(process)
    return {"turns": [{"ms": ms} for ms, _ in results]}


def main(argv):
    resident = None
    if "--resident" in argv:
        index = argv.index("--resident")
        resident = argv[index + 1]
        del argv[index : index + 2]
    mode, rest = argv[1], argv[2:]
    if mode == "startup":
        result = startup(*rest[:3], resident)
    elif mode == "turns":
        per_session = int(rest[5]) if len(rest) > 5 else int(rest[4])
        result = turns(*rest[:4], int(rest[4]), resident, per_session)
    elif mode == "batch":
        result = batch(*rest[:4], int(rest[4]), resident)
    elif mode == "floor":
        result = floor(rest[0], int(rest[1]))
    else:
        raise SystemExit(__doc__)
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv)
