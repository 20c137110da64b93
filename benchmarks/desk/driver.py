#!/usr/bin/env python3
"""Load on the live hand-off: RESIDENTS widget sessions on /v1/sessions/{id}/events, AGENTS agents at the desk.

    python3 driver.py --port P --db DB --bin NEUVO_BIN --pid SERVER_PID [--residents 200] [--agents 20]
                      [--seconds 60] [--agent-interval 0.25] [--resident-interval 5]

Each resident asks for a person and keeps the session's event stream open; the agents take the hand-offs (an equal
share each) and open the desk's stream. Then, for `--seconds`: every agent writes to its conversations in turn (one
message every `--agent-interval` seconds), every resident writes to its agent every `--resident-interval` seconds.
Halfway through, every resident drops its stream and reconnects with Last-Event-ID (spread over a few seconds).

Measured: the latency from sending a message (POST returns or not) to its arrival on the other side's stream, p50
/p99/max per direction; messages lost or seen twice (by event id) after a drain; the server's resident set size
(and the database's size on disk) every 10 s. Plain asyncio over keep-alive HTTP/1.1 connections: one per agent and per resident for writes, one per
stream. Prints one JSON object.
"""
import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from urllib.parse import urlparse

HOST = "127.0.0.1"


def token(n):
    """A message text the redactor leaves alone (letters only) that names its number."""
    letters = ""
    n += 26 * 26 * 26
    while n:
        n, r = divmod(n, 26)
        letters = chr(97 + r) + letters
    return "viesti " + letters


class Connection:
    """One keep-alive HTTP/1.1 connection for sequential requests (the server always sends Content-Length)."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method, path, headers=None, body=None):
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
                data = json.dumps(body).encode() if body is not None else b""
                head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(data)}\r\n"
                if body is not None:
                    head += "Content-Type: application/json\r\n"
                for name, value in (headers or {}).items():
                    head += f"{name}: {value}\r\n"
                self.writer.write(head.encode() + b"\r\n" + data)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionError("closed")
                status = int(status_line.split()[1])
                fields = {}
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    name, _, value = line.decode().partition(":")
                    fields.setdefault(name.strip().lower(), value.strip())
                length = int(fields.get("content-length", "0"))
                payload = await self.reader.readexactly(length) if length else b""
                if fields.get("connection", "").lower() == "close":
                    self.close()
                return status, fields, payload
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                if attempt:
                    raise
        raise ConnectionError("unreachable")

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def event_stream(port, path, headers, on_event, stop):
    """Reads a chunked text/event-stream, calling on_event(id, name, data) per event, until `stop` is set."""
    reader, writer = await asyncio.open_connection(HOST, port)
    head = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n"
    for name, value in headers.items():
        head += f"{name}: {value}\r\n"
    writer.write(head.encode() + b"\r\n")
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    if status != 200:
        writer.close()
        raise RuntimeError(f"{path}: {status}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    buffer = ""
    try:
        while not stop.is_set():
            size_line = await reader.readline()
            if not size_line:
                return
            size = int(size_line.strip() or b"0", 16)
            if size == 0:
                return
            chunk = await reader.readexactly(size + 2)
            buffer += chunk[:-2].decode()
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                event_id, name, data = None, "message", ""
                for line in block.split("\n"):
                    if line.startswith("id: "):
                        event_id = int(line[4:])
                    elif line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        data += line[6:]
                if data:
                    on_event(event_id, name, json.loads(data))
    finally:
        writer.close()


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--agent-interval", type=float, default=0.25)
    parser.add_argument("--resident-interval", type=float, default=5)
    parser.add_argument("--peer", action="store_true", help="the server is peer.py: any sign-in link works")
    parser.add_argument("--typing-only", action="store_true",
                        help="send typing signals instead of messages: the streams' memory with a database that does not grow")
    args = parser.parse_args()
    stop = asyncio.Event()
    # Streams are read until cancelled after the drain, never stopped by `stop` (that would lose the last messages).
    forever = asyncio.Event()
    sent_at = {}  # message text -> monotonic send time
    to_resident, to_agent = [], []
    seen = {}  # resident index -> set of event ids
    typing_seen = {"resident": 0, "agent": 0}
    duplicates = 0
    received_texts = set()
    rss = []

    # Agents: invite links from the CLI, then a session cookie and CSRF token each.
    agents = []
    for n in range(args.agents):
        link = f"http://peer/staff/signin/agent{n}" if args.peer else subprocess.run(
            [args.bin, "staff", "invite", "--name", f"Agent {n}", "--roles", "agent", "--db", args.db],
            check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()
        connection = Connection(args.port)
        status, fields, _ = await connection.request("GET", urlparse(link).path)
        cookie = fields["set-cookie"].split(";")[0]
        _, _, body = await connection.request("GET", "/staff/api/session", {"Cookie": cookie})
        headers = {"Cookie": cookie, "X-CSRF-Token": json.loads(body)["csrf_token"]}
        await connection.request("PUT", "/staff/api/presence", headers, {"available": True})
        agents.append({"connection": connection, "headers": headers, "handoffs": []})

    # Residents ask for a person, each from its own keep-alive connection.
    residents = []
    for n in range(args.residents):
        connection = Connection(args.port)
        lang = ("fi", "sv", "en")[n % 3]
        ask = {"fi": "haluan puhua ihmisen kanssa", "sv": "jag vill prata med en människa",
               "en": "i want to talk to a human"}[lang]
        status, _, body = await connection.request("POST", "/v1/chat", body={"text": ask, "lang": lang})
        if status != 200:
            sys.exit(f"chat: {status} {body[:200]}")
        residents.append({"session": json.loads(body)["session_id"], "connection": connection, "last": 0})
        seen[n] = set()

    def resident_event(index):
        def handle(event_id, name, data):
            nonlocal duplicates
            now = time.monotonic()
            if event_id is None:
                if name == "typing":
                    typing_seen["resident"] += 1
                return
            if event_id in seen[index]:
                duplicates += 1
                return
            seen[index].add(event_id)
            residents[index]["last"] = max(residents[index]["last"], event_id)
            if data.get("from") == "agent" and data.get("text") in sent_at:
                to_resident.append(now - sent_at[data["text"]])
                received_texts.add(data["text"])
        return handle

    async def resident_stream(index, reconnect_at):
        resident = residents[index]
        headers = {"Authorization": "Bearer " + resident["session"]}
        task = asyncio.create_task(event_stream(
            args.port, f"/v1/sessions/{resident['session']}/events", headers, resident_event(index), forever))
        await asyncio.sleep(reconnect_at)
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
        resumed = dict(headers)
        resumed["Last-Event-ID"] = str(resident["last"])
        await event_stream(
            args.port, f"/v1/sessions/{resident['session']}/events", resumed, resident_event(index), forever)

    def desk_event(event_id, name, data):
        if name == "typing":
            typing_seen["agent"] += 1
        if name != "event" or data.get("from") != "resident":
            return
        text = data.get("text")
        if text in sent_at and text not in received_texts:
            received_texts.add(text)
            to_agent.append(time.monotonic() - sent_at[text])

    # Streams first, then the agents take their share of the queue.
    streams = [asyncio.create_task(resident_stream(i, args.seconds / 2 + random.uniform(0, 5)))
               for i in range(len(residents))]
    desks = [asyncio.create_task(event_stream(args.port, "/staff/api/desk/events", a["headers"], desk_event, forever))
             for a in agents]
    _, _, body = await agents[0]["connection"].request("GET", "/staff/api/handoffs", agents[0]["headers"])
    queue = [h["id"] for h in json.loads(body)["handoffs"] if not h.get("agent")]
    for position, handoff in enumerate(queue[:len(residents)]):
        agent = agents[position % len(agents)]
        status, _, _ = await agent["connection"].request("POST", f"/staff/api/handoffs/{handoff}/take", agent["headers"])
        if status == 200:
            agent["handoffs"].append(handoff)
    held = sum(len(a["handoffs"]) for a in agents)

    counter = iter(range(10**9))
    sent = {"agent": 0, "resident": 0}

    async def agent_loop(agent):
        while not stop.is_set() and agent["handoffs"]:
            for handoff in agent["handoffs"]:
                if stop.is_set():
                    return
                if args.typing_only:
                    await agent["connection"].request("POST", f"/staff/api/handoffs/{handoff}/typing", agent["headers"])
                else:
                    text = token(next(counter))
                    sent_at[text] = time.monotonic()
                    await agent["connection"].request(
                        "POST", f"/staff/api/handoffs/{handoff}/messages", agent["headers"], {"text": text})
                sent["agent"] += 1
                await asyncio.sleep(args.agent_interval)

    async def resident_loop(resident):
        await asyncio.sleep(random.uniform(0, args.resident_interval))
        while not stop.is_set():
            if args.typing_only:
                await resident["connection"].request(
                    "POST", f"/v1/sessions/{resident['session']}/typing", {"Authorization": "Bearer " + resident["session"]})
            else:
                text = token(next(counter))
                sent_at[text] = time.monotonic()
                await resident["connection"].request(
                    "POST", "/v1/chat", body={"text": text, "session_id": resident["session"]})
            sent["resident"] += 1
            await asyncio.sleep(args.resident_interval)

    async def sample_memory():
        start = time.monotonic()
        while not stop.is_set():
            rss.append([round(time.monotonic() - start), rss_kib(args.pid), database_kib()])
            try:
                await asyncio.wait_for(stop.wait(), 10)
            except asyncio.TimeoutError:
                pass
        rss.append([round(time.monotonic() - start), rss_kib(args.pid), database_kib()])

    def database_kib():
        """The database with its write-ahead log: what SQLite's page cache (16 MiB a connection) fills from."""
        return sum(os.path.getsize(args.db + suffix) for suffix in ("", "-wal") if os.path.exists(args.db + suffix)) // 1024

    loops = [asyncio.create_task(agent_loop(a)) for a in agents]
    loops += [asyncio.create_task(resident_loop(r)) for r in residents]
    memory = asyncio.create_task(sample_memory())
    await asyncio.sleep(args.seconds)
    stop.set()
    await asyncio.gather(*loops, return_exceptions=True)
    await asyncio.sleep(3)  # the last messages arrive
    delivered_to_residents = len(to_resident)
    for task in streams + desks:
        task.cancel()
    await asyncio.gather(*streams, *desks, memory, return_exceptions=True)

    def summary(values):
        return {"count": len(values), "p50_ms": round(percentile(values, 50) * 1000, 2) if values else None,
                "p99_ms": round(percentile(values, 99) * 1000, 2) if values else None,
                "max_ms": round(max(values) * 1000, 2) if values else None}

    print(json.dumps({
        "residents": len(residents), "agents": len(agents), "held": held, "seconds": args.seconds,
        "sent": sent, "agent_to_resident": summary(to_resident), "resident_to_agent": summary(to_agent),
        "lost_to_residents": None if args.typing_only else sent["agent"] - delivered_to_residents,
        "lost_to_agents": None if args.typing_only else sent["resident"] - len(to_agent),
        "duplicates": duplicates, "rss_kib": rss, "typing_seen": typing_seen,
    }))


if __name__ == "__main__":
    asyncio.run(main())
