#!/usr/bin/env python3
"""Soak load driver (a benchmark peer only; never part of the product).

One asyncio loop drives a running `neuvo serve` on loopback for a given time:
- chat: POST /v1/chat at a steady open-loop rate (default 200/s) over a pool of keep-alive connections, from
  virtual residents that each walk a fi, sv or en script of benchmarks/chat/messages.tsv in one session and then
  start a new one; latency is measured per request (request written -> whole reply read);
- campaign: every --wave-every seconds, --wave-size arrangements (pre-generated; their residents were imported
  before the server started) are posted to POST /v1/arrangements in batches of 100;
- receipts: every delivery the SMS webhook receiver accepts (one JSON line in its --log) is answered with a
  Standard Webhooks-signed POST /v1/receipts/sms {"id": notice, "status": "delivered"}, at once (polled every
  0.5 s) or --receipt-delay seconds later;
- idle: after the warm-up, --idle keep-alive connections are opened and held to the end. The server closes a
  connection idle for 60 s (HTTPServerConfiguration.idleTimeout), so each one sends GET /healthz every
  --idle-ping seconds (staggered) and is otherwise silent;
- abuse (unless --abuse 0): after the warm-up, a client at another loopback address (127.0.0.2) floods beside the
  normal load: it opens --abuse-connections keep-alive connections and holds them (the per-address cap serves 256,
  the rest get 503 or are closed), sends chat bodies over the 16 KiB limit (413 from the head alone) and bodies
  that stall half-way, and posts session-less "I want to talk to a human" as fast as one connection allows (429
  past the per-address rate). The normal chat comes through 127.0.0.1 as a trusted proxy, each virtual resident
  with an X-Forwarded-For address of its own, as behind the city's reverse proxy;
- sampling: every --interval seconds the server's RSS, threads (/proc/PID/status), open fds (/proc/PID/fd), the
  chat latency of that window and the notices by status (/metrics).

Writes the series and the verdict as JSON (--out) and prints them; exit status 1 when a check fails.

    driver.py --port P --pid PID --key KEY --secret whsec_... --receiver-log FILE --arrangements FILE
              --seconds S [--warmup W] [--rate 200] [--idle 500] [--connections 16] [--out FILE]
"""

import argparse
import asyncio
import collections
import json
import os
import random
import statistics
import sys
import time

from standardwebhooks.webhooks import Webhook

HERE = os.path.dirname(os.path.abspath(__file__))
MESSAGES = os.path.join(HERE, "..", "chat", "messages.tsv")


def log(text):
    print(text, file=sys.stderr, flush=True)


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection (Content-Length bodies only)."""

    opened = 0  # connections of this driver open right now

    def __init__(self, port, source=None):
        self.port = port
        self.source = source
        self.reader = self.writer = None

    async def open(self):
        local = (self.source, 0) if self.source else None
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, local_addr=local)
        Connection.opened += 1

    async def request(self, method, path, body=None, headers=None, timeout=30):
        if self.writer is None:
            await self.open()
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(data)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}")
        try:
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
            return await asyncio.wait_for(self._response(), timeout)
        except BaseException:
            self.close()
            raise

    async def _response(self):
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise RuntimeError("chunked responses are not handled by this driver")
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self):
        if self.writer is not None:
            Connection.opened -= 1
            try:
                self.writer.close()
            except Exception:
                pass
        self.reader = self.writer = None


def load_scripts():
    scripts, current = [], []
    for line in open(MESSAGES, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        kind, _, text = line.partition("\t")
        if kind == "greeting" and current:
            scripts.append(current)
            current = []
        current.append(text)
    if current:
        scripts.append(current)
    return scripts  # fi, sv, en


class Soak:
    def __init__(self, args):
        self.args = args
        self.window = {"lat": [], "errors": 0, "statuses": {}}
        self.all_latencies = []  # (t, ms)
        self.totals = {"chat": 0, "chat_errors": 0, "chat_behind": 0, "arrangements": 0, "arrangement_errors": 0,
                       "receipts": 0, "receipt_errors": 0, "idle_open": 0, "idle_reconnects": 0,
                       "idle_ping_errors": 0, "abuse_held": 0, "abuse_refused_connections": 0,
                       "abuse_chat": {}, "abuse_oversized": {}, "abuse_stalled": 0}
        self.stop = asyncio.Event()
        self.receipts_stop = asyncio.Event()
        self.start = None
        self.idle_started = asyncio.Event()
        self.pre_idle = {"fds": 0, "clients": 0}
        self.webhook = Webhook(args.secret)

    def now(self):
        return time.monotonic() - self.start

    # chat -------------------------------------------------------------------------------------------------
    async def chat(self):
        args = self.args
        scripts = load_scripts()
        pool = asyncio.Queue()
        for _ in range(args.connections):
            pool.put_nowait(Connection(args.port))
        users = []
        for n in range(args.users):
            users.append({"script": scripts[n % len(scripts)], "step": random.randrange(len(scripts[n % 3])),
                          "session": None, "busy": False, "address": f"10.1.{n // 250}.{n % 250 + 1}"})
        free_users = asyncio.Queue()
        for user in users:
            free_users.put_nowait(user)
        tasks = set()

        async def turn(user):
            conn = await pool.get()
            text = user["script"][user["step"]]
            body = {"text": text}
            if user["session"]:
                body["session_id"] = user["session"]
            started = time.monotonic()
            try:
                status, reply = await conn.request("POST", "/v1/chat", body,
                                                   {"X-Forwarded-For": user["address"]})
                ms = 1000 * (time.monotonic() - started)
                if status == 200:
                    user["session"] = json.loads(reply)["session_id"]
                    self.window["lat"].append(ms)
                    self.all_latencies.append((started - self.start, ms))
                else:
                    self.window["errors"] += 1
                    self.totals["chat_errors"] += 1
                self.window["statuses"][status] = self.window["statuses"].get(status, 0) + 1
            except Exception as error:
                self.window["errors"] += 1
                self.totals["chat_errors"] += 1
                self.window["statuses"]["exception"] = self.window["statuses"].get("exception", 0) + 1
                if self.totals["chat_errors"] <= 5:
                    log(f"chat error: {error!r}")
            finally:
                self.totals["chat"] += 1
                user["step"] += 1
                if user["step"] >= len(user["script"]):  # script done: the next turn starts a new session
                    user["step"], user["session"] = 0, None
                pool.put_nowait(conn)
                free_users.put_nowait(user)

        period = 1.0 / args.rate
        k = 0
        begin = time.monotonic()
        while not self.stop.is_set():
            k += 1
            due = begin + k * period
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:  # more than a second behind: skip ahead, and count it
                self.totals["chat_behind"] += 1
                k = int((time.monotonic() - begin) / period)
            if free_users.empty():
                continue
            task = asyncio.create_task(turn(free_users.get_nowait()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        while not pool.empty():
            pool.get_nowait().close()

    # abuse ------------------------------------------------------------------------------------------------
    async def abuse(self):
        args = self.args
        if not args.abuse:
            return
        # After the idle connections are up, so that the warm-up's fd baseline is the normal load's alone.
        await self.idle_started.wait()
        await asyncio.sleep(2)
        totals = self.totals
        held = []

        async def hold():
            conn = Connection(args.port, "127.0.0.3")
            try:
                await conn.open()
                held.append(conn)
                totals["abuse_held"] += 1
            except Exception:
                totals["abuse_refused_connections"] += 1

        # Connection flood: the server answers 503 beyond the per-address cap and closes; the rest stay open.
        for start in range(0, args.abuse_connections, 100):
            await asyncio.gather(*(hold() for _ in range(min(100, args.abuse_connections - start))))
        # Which of them the server really serves: one request on each (a refused one was answered 503 and closed).
        async def probe(conn):
            try:
                status, _ = await conn.request("GET", "/healthz", timeout=10)
                return status == 200
            except Exception:
                return False
        served = await asyncio.gather(*(probe(conn) for conn in held))
        totals["abuse_held"] = sum(served)
        totals["abuse_refused_connections"] = len(served) - sum(served)

        def count(bucket, key):
            totals[bucket][str(key)] = totals[bucket].get(str(key), 0) + 1

        async def declare_too_much():
            # 1 MiB declared, nothing sent: refused from the head alone.
            conn = Connection(args.port, "127.0.0.2")
            try:
                await conn.open()
                conn.writer.write(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: 1048576\r\n\r\n")
                status, _ = await asyncio.wait_for(conn._response(), 10)
                count("abuse_oversized", status)
            except Exception as error:
                count("abuse_oversized", type(error).__name__)
            finally:
                conn.close()

        async def stall():
            # A body that stops half-way: it holds its share of the buffered-bytes cap until the body timeout.
            conn = Connection(args.port, "127.0.0.2")
            try:
                await conn.open()
                conn.writer.write(b"PUT /v1/residents/X HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n"
                                  + b"{" * 1000)
                totals["abuse_stalled"] += 1
                held.append(conn)
            except Exception:
                conn.close()

        async def oversized():
            while not self.stop.is_set():
                for _ in range(10):
                    await declare_too_much()
                await stall()
                await asyncio.sleep(1)

        async def flood():
            conn = Connection(args.port, "127.0.0.2")
            body = {"text": "I want to talk to a human"}
            while not self.stop.is_set():
                try:
                    status, _ = await conn.request("POST", "/v1/chat", body, timeout=10)
                    count("abuse_chat", status)
                except Exception as error:
                    count("abuse_chat", type(error).__name__)
                    await asyncio.sleep(0.05)
            conn.close()

        await asyncio.gather(oversized(), flood())
        for conn in held:
            conn.close()

    # campaign ---------------------------------------------------------------------------------------------
    async def campaign(self):
        args = self.args
        arrangements = [json.loads(line) for line in open(args.arrangements, encoding="utf-8")]
        conn = Connection(args.port)
        headers = {"Authorization": f"Bearer {args.key}"}
        position = 0
        wave = 0
        while not self.stop.is_set() and position < len(arrangements):
            wave_end = position + args.wave_size
            while position < min(wave_end, len(arrangements)):
                batch = arrangements[position:min(position + 100, wave_end)]
                try:
                    status, body = await conn.request("POST", "/v1/arrangements", {"arrangements": batch}, headers)
                    if status == 200:
                        results = json.loads(body)["results"]
                        ok = sum(1 for r in results if "outcome" in r)
                        self.totals["arrangements"] += ok
                        self.totals["arrangement_errors"] += len(batch) - ok
                    else:
                        self.totals["arrangement_errors"] += len(batch)
                        log(f"arrangements: HTTP {status} {body[:200]!r}")
                except Exception as error:
                    self.totals["arrangement_errors"] += len(batch)
                    log(f"arrangements error: {error!r}")
                position += len(batch)
            wave += 1
            try:
                await asyncio.wait_for(self.stop.wait(), args.wave_every)
            except asyncio.TimeoutError:
                pass
        conn.close()

    # receipts ---------------------------------------------------------------------------------------------
    async def receipts(self):
        args = self.args
        conn = Connection(args.port)
        offset = 0
        pending = b""
        backlog = collections.deque()  # (time read, line): receipts wait --receipt-delay seconds
        while True:
            stopping = self.receipts_stop.is_set()
            try:
                with open(args.receiver_log, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
            except FileNotFoundError:
                chunk = b""
            offset += len(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            seen = time.monotonic()
            backlog.extend((seen, line) for line in lines if line.strip())
            while backlog and (stopping or time.monotonic() - backlog[0][0] >= args.receipt_delay):
                _, line = backlog.popleft()
                notice = json.loads(line)["webhook_id"]
                payload = json.dumps({"id": notice, "status": "delivered"})
                msg_id = "rcpt_" + notice
                from datetime import datetime, timezone
                stamp = datetime.now(tz=timezone.utc)
                signature = self.webhook.sign(msg_id, stamp, payload)
                headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(stamp.timestamp())),
                           "webhook-signature": signature}
                try:
                    status, body = await conn.request("POST", "/v1/receipts/sms", payload.encode(), headers)
                    if status == 200:
                        self.totals["receipts"] += 1
                    else:
                        self.totals["receipt_errors"] += 1
                        if self.totals["receipt_errors"] <= 5:
                            log(f"receipt: HTTP {status} {body[:200]!r}")
                except Exception as error:
                    self.totals["receipt_errors"] += 1
                    log(f"receipt error: {error!r}")
            if stopping:
                break
            try:
                await asyncio.wait_for(self.receipts_stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass
        conn.close()

    # idle connections -------------------------------------------------------------------------------------
    async def idle(self):
        args = self.args
        try:
            await asyncio.wait_for(self.stop.wait(), args.warmup)
            return
        except asyncio.TimeoutError:
            pass
        # The server's fds before the idle connections, less this driver's own connections to it: what the
        # server must come back to once every client has gone.
        self.pre_idle = {"fds": self.proc()[1], "clients": Connection.opened}
        conns = []
        for _ in range(args.idle):
            conn = Connection(args.port)
            try:
                status, _ = await conn.request("GET", "/healthz")
                conns.append(conn)
            except Exception as error:
                log(f"idle open error: {error!r}")
        self.totals["idle_open"] = len(conns)
        self.idle_opened_at = self.now()
        log(f"[{self.now():6.1f}s] {len(conns)} idle keep-alive connections open")
        self.idle_started.set()
        # Ping each connection every idle_ping seconds, staggered evenly.
        step = args.idle_ping / max(1, len(conns))
        i = 0
        while not self.stop.is_set():
            conn = conns[i % len(conns)]
            if conn.writer is None:
                self.totals["idle_reconnects"] += 1
            try:
                await conn.request("GET", "/healthz")
            except Exception:
                self.totals["idle_ping_errors"] += 1
            i += 1
            try:
                await asyncio.wait_for(self.stop.wait(), step)
            except asyncio.TimeoutError:
                pass
        self.idle_conns = conns

    # sampling ---------------------------------------------------------------------------------------------
    def proc(self):
        pid = self.args.pid
        rss = threads = None
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds, threads

    async def notices(self, conn):
        status, body = await conn.request("GET", "/metrics")
        counts = {}
        for line in body.decode().splitlines():
            if line.startswith("neuvo_notices{"):
                name = line.split('"')[1]
                counts[name] = int(float(line.rsplit(" ", 1)[1]))
        return counts

    async def sampler(self, series):
        conn = Connection(self.args.port)
        k = 0
        while not self.stop.is_set():
            k += 1
            due = k * self.args.interval
            try:
                await asyncio.wait_for(self.stop.wait(), max(0, due - self.now()))
                break
            except asyncio.TimeoutError:
                pass
            window, self.window = self.window, {"lat": [], "errors": 0, "statuses": {}}
            rss, fds, threads = self.proc()
            try:
                notices = await self.notices(conn)
            except Exception as error:
                notices = {"error": repr(error)}
            lat = window["lat"]
            sample = {"t": round(self.now(), 1), "rss_mb": round(rss / 1024, 1), "fds": fds, "threads": threads,
                      "chat": len(lat), "errors": window["errors"],
                      "p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2),
                      "idle": self.idle_started.is_set(), "notices": notices}
            series.append(sample)
            short = " ".join(f"{k[:4]}={v}" for k, v in notices.items() if v)
            log(f"[{sample['t']:6.1f}s] rss {sample['rss_mb']:6.1f} MB  fds {fds:4d}  threads {threads:4d}  "
                f"chat {len(lat) / self.args.interval:5.1f}/s p50 {sample['p50_ms']:6.2f} p99 {sample['p99_ms']:7.2f} ms"
                f"  err {window['errors']}  notices {short}")
        conn.close()

    async def run(self):
        self.start = time.monotonic()
        series = []
        self.idle_conns = []
        base_rss, base_fds, base_threads = self.proc()
        tasks = [asyncio.create_task(c) for c in (self.chat(), self.campaign(), self.receipts(), self.idle(),
                                                    self.sampler(series), self.abuse())]
        await asyncio.sleep(self.args.seconds)
        self.stop.set()
        receipts = tasks.pop(2)
        await asyncio.gather(*tasks)
        # Drain: every arrangement's notice delivered (sent, then its receipt applied) within a deadline.
        conn = Connection(self.args.port)
        deadline = time.monotonic() + self.args.drain
        drain = {}
        while True:
            try:
                drain = await self.notices(conn)
            except Exception as error:
                drain = {"error": repr(error)}
            if drain.get("delivered") == self.totals["arrangements"] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        conn.close()
        self.drain = {"seconds": round(self.now() - self.args.seconds, 1), "notices": drain}
        self.receipts_stop.set()
        await receipts
        # Tear down: close the idle connections; the server's fds must come back to its level without them.
        for conn in self.idle_conns:
            conn.close()
        deadline = time.monotonic() + 20
        after_fds = self.proc()[1]
        expected = self.pre_idle["fds"] - self.pre_idle["clients"]
        while time.monotonic() < deadline:
            after_fds = self.proc()[1]
            if after_fds <= expected + 5:
                break
            await asyncio.sleep(0.2)
        return series, {"start_fds": base_fds, "start_threads": base_threads, "start_rss_mb": round(base_rss / 1024, 1),
                        "fds_after_close": after_fds, "pre_idle": self.pre_idle,
                        "expected_after_close": expected, "threads_after_close": self.proc()[2]}


def verdict(args, series, extra, totals, latencies):
    steady = [s for s in series if s["t"] > args.warmup + args.interval / 2]  # idle connections open
    first = [s for s in steady if s["t"] <= args.warmup + 60 + 0.5] or steady[:1]
    last = steady[-1]
    checks = []

    def check(name, ok, detail):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    rss0 = statistics.median(s["rss_mb"] for s in first)
    check("memory flat", last["rss_mb"] <= 1.2 * rss0,
          f"last window {last['rss_mb']:.1f} MB vs first minute's median {rss0:.1f} MB "
          f"({100 * (last['rss_mb'] / rss0 - 1):+.1f} %, limit +20 %)")
    fds0 = first[0]["fds"]
    # The abusive client's connections are closed by the server as they idle: with it, only growth is a leak.
    check("no fd leak (under load)", (last["fds"] - fds0 <= 5) if args.abuse else abs(last["fds"] - fds0) <= 5,
          f"{last['fds']} at the end vs {fds0} at the start of the steady phase "
          f"(= {extra['pre_idle']['fds']} at the end of the warm-up + {totals['idle_open']} idle connections); limit ±5")
    pre = extra["pre_idle"]
    check("no fd leak (after the clients closed)",
          (extra["fds_after_close"] - extra["expected_after_close"] <= 5) if args.abuse
          else abs(extra["fds_after_close"] - extra["expected_after_close"]) <= 5,
          f"{extra['fds_after_close']} fds once every client connection closed vs {extra['expected_after_close']} "
          f"at the end of the warm-up ({pre['fds']} with the driver's {pre['clients']} connections; "
          f"{extra['start_fds']} before any load, the dispatcher's pooled connections to the receiver come on top)")
    t0 = args.warmup
    first_lat = [ms for t, ms in latencies if t0 <= t < t0 + 60]
    last_lat = [ms for t, ms in latencies if t >= args.seconds - 60]
    p99_first, p99_last = pct(first_lat, 99), pct(last_lat, 99)
    check("p99 within 2x", p99_last <= 2 * p99_first,
          f"last minute p99 {p99_last:.2f} ms vs first minute's {p99_first:.2f} ms (x{p99_last / p99_first:.2f}); "
          f"worst 10 s window p99 {max(s['p99_ms'] for s in steady):.2f} ms")
    check("chat answered", totals["chat_errors"] == 0,
          f"{totals['chat']} turns, {totals['chat_errors']} errors, {totals['chat_behind']} times >1 s behind schedule")
    check("idle connections held", totals["idle_open"] == args.idle and totals["idle_reconnects"] == 0
          and totals["idle_ping_errors"] == 0,
          f"{totals['idle_open']}/{args.idle} opened, {totals['idle_reconnects']} reconnects, "
          f"{totals['idle_ping_errors']} ping errors")
    drain = extra["drain"]
    check("campaign delivered", drain["notices"].get("delivered") == totals["arrangements"] > 0,
          f"{totals['arrangements']} arrangements queued ({totals['arrangement_errors']} refused); "
          f"{drain['seconds']} s after the load: {json.dumps(drain['notices'])}")
    check("receipts accepted", totals["receipt_errors"] == 0 and totals["receipts"] > 0,
          f"{totals['receipts']} signed receipts accepted, {totals['receipt_errors']} refused or failed")
    if args.abuse:
        chat = totals["abuse_chat"]
        check("abuse refused", chat.get("429", 0) > 0 and totals["abuse_oversized"].get("413", 0) > 0
              and totals["abuse_held"] <= 256 + 16,
              f"abusive client at 127.0.0.2 and .3: {totals['abuse_held']} of {args.abuse_connections} connections held "
              f"open ({totals['abuse_refused_connections']} refused: 503 or closed), chat flood {json.dumps(chat)}, "
              f"1 MiB bodies {json.dumps(totals['abuse_oversized'])}, {totals['abuse_stalled']} stalled bodies")
    return checks


def main():
    parser = argparse.ArgumentParser()
    for name, kind, default in (("port", int, None), ("pid", int, None), ("key", str, None), ("secret", str, None),
                                ("receiver-log", str, None), ("arrangements", str, None), ("seconds", float, None),
                                ("warmup", float, 30), ("rate", float, 200), ("idle", int, 500),
                                ("idle-ping", float, 25), ("connections", int, 16), ("users", int, 64),
                                ("wave-size", int, 300), ("wave-every", float, 15), ("interval", float, 10), ("drain", float, 60),
                                ("receipt-delay", float, 0), ("abuse", int, 1), ("abuse-connections", int, 2000),
                                ("out", str, None)):
        parser.add_argument("--" + name, type=kind, default=default, required=default is None and name != "out")
    args = parser.parse_args()
    random.seed(8)
    soak = Soak(args)
    series, extra = asyncio.run(soak.run())
    extra["drain"] = soak.drain
    checks = verdict(args, series, extra, soak.totals, soak.all_latencies)
    result = {"seconds": args.seconds, "warmup": args.warmup, "rate": args.rate, "idle": args.idle,
              "totals": soak.totals, "start": extra, "series": series, "checks": checks}
    if args.out:
        with open(args.out, "w") as out:
            json.dump(result, out, indent=1)
    statuses = sorted({k for s in series for k in s["notices"]}, key=lambda k: -sum(
        s["notices"].get(k, 0) if isinstance(s["notices"].get(k, 0), int) else 0 for s in series))
    statuses = [k for k in statuses if any(isinstance(s["notices"].get(k), int) and s["notices"].get(k) for s in series)]
    print("| t s | RSS MB | fds | threads | chat/s | p50 ms | p99 ms | errors | " + " | ".join(statuses) + " |")
    print("|" + "---|" * (8 + len(statuses)))
    for s in series:
        print(f"| {s['t']:.0f} | {s['rss_mb']:.1f} | {s['fds']} | {s['threads']} | {s['chat'] / args.interval:.0f} | "
              f"{s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['errors']} | "
              + " | ".join(str(s["notices"].get(k, "")) for k in statuses) + " |")
    print()
    print(f"Before load: RSS {extra['start_rss_mb']} MB, {extra['start_fds']} fds, {extra['start_threads']} threads. "
          f"Totals: {json.dumps(soak.totals)}")
    print()
    for c in checks:
        print(f"{'PASS' if c['ok'] else 'FAIL'}  {c['check']}: {c['detail']}")
    failed = sum(1 for c in checks if not c["ok"])
    print(f"{len(checks) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
