#!/usr/bin/env python3
"""The peer for benchmarks/desk: the same hand-off protocol as Neuvo's, the way a small Python service would do it
(asyncio streams, sqlite3 in WAL mode, one in-memory fan-out), so the driver measures both side by side.

    python3 peer.py PORT DB

Speaks exactly what driver.py uses: POST /v1/chat (a new session asks for a person; a held session's message is
relayed), GET /v1/sessions/{id}/events (chunked text/event-stream, Last-Event-ID, bearer = session id),
GET /staff/signin/{token} (any token signs in), GET /staff/api/session, PUT /staff/api/presence,
GET /staff/api/handoffs, POST /staff/api/handoffs/{id}/take and /messages, GET /staff/api/desk/events. No redaction,
no classification, no audit: it is a floor for the transport and the storage, not a rival product.
"""
import asyncio
import json
import secrets
import sqlite3
import sys
import time

PORT, DB = int(sys.argv[1]), sys.argv[2]
db = sqlite3.connect(DB, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.executescript("""
CREATE TABLE IF NOT EXISTS handoffs (id INTEGER PRIMARY KEY, session TEXT, agent TEXT, status TEXT, created REAL);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT, handoff INTEGER, kind TEXT,
    sender TEXT, text TEXT, at REAL);
""")
sessions = {}  # session id -> set of asyncio.Queue
desks = set()
staff = {}  # cookie -> csrf


def notify(session, event):
    for queue in sessions.get(session, ()):
        queue.put_nowait(None)
    for queue in desks:
        queue.put_nowait(event)


def store(session, handoff, kind, sender, text):
    cursor = db.execute("INSERT INTO events (session, handoff, kind, sender, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                        (session, handoff, kind, sender, text, time.time()))
    event = {"id": cursor.lastrowid, "handoff_id": handoff, "kind": kind, "from": sender, "text": text}
    notify(session, event)
    return event


async def respond(writer, status, body, headers=()):
    data = json.dumps(body).encode() if body is not None else b""
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(data)}\r\nContent-Type: application/json\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()


async def stream(writer, source, first):
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")

    def chunk(text):
        data = text.encode()
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    await first(chunk)
    await writer.drain()
    while True:
        item = await source.get()
        await first(chunk, item)
        await writer.drain()


async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            method, target, _ = line.decode().split(" ", 2)
            headers = {}
            while True:
                field = await reader.readline()
                if field in (b"\r\n", b""):
                    break
                name, _, value = field.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = json.loads(await reader.readexactly(length)) if length else None
            parts = target.split("/")
            if method == "POST" and target == "/v1/chat":
                session = body.get("session_id")
                if session is None:
                    session = secrets.token_hex(16)
                    db.execute("INSERT INTO handoffs (session, status, created) VALUES (?, 'open', ?)", (session, time.time()))
                    notify(session, {"queue": True})
                    await respond(writer, 200, {"session_id": session, "reply": "…", "actions": [{"kind": "handoff.requested"}]})
                    continue
                row = db.execute("SELECT id FROM handoffs WHERE session = ? AND status = 'open' AND agent IS NOT NULL",
                                 (session,)).fetchone()
                if row:
                    store(session, row[0], "message", "resident", body["text"])
                await respond(writer, 200, {"session_id": session, "reply": "", "actions": [{"kind": "handoff.relayed"}]})
            elif method == "GET" and target.startswith("/v1/sessions/") and target.endswith("/events"):
                session = parts[3]
                if headers.get("authorization") != "Bearer " + session:
                    await respond(writer, 403, {})
                    continue
                queue = asyncio.Queue()
                sessions.setdefault(session, set()).add(queue)
                last = [int(headers.get("last-event-id", "0") or 0)]

                async def forward(chunk, _=None):
                    for row in db.execute("SELECT id, handoff, kind, sender, text FROM events WHERE session = ? AND id > ? "
                                          "ORDER BY id", (session, last[0])).fetchall():
                        event = {"id": row[0], "handoff_id": row[1], "kind": row[2], "from": row[3], "text": row[4]}
                        chunk(f"id: {row[0]}\nevent: {row[2]}\ndata: {json.dumps(event)}\n\n")
                        last[0] = row[0]
                try:
                    await stream(writer, queue, forward)
                finally:
                    sessions[session].discard(queue)
                return
            elif method == "GET" and target.startswith("/staff/signin/"):
                cookie = secrets.token_hex(16)
                staff[cookie] = secrets.token_hex(16)
                await respond(writer, 303, None, [("Set-Cookie", f"neuvo_staff={cookie}; Path=/staff"), ("Location", "/staff/")])
            elif target.startswith("/staff/"):
                cookie = headers.get("cookie", "").partition("=")[2]
                if cookie not in staff or (method != "GET" and headers.get("x-csrf-token") != staff[cookie]):
                    await respond(writer, 403, {})
                    continue
                if target == "/staff/api/session":
                    await respond(writer, 200, {"csrf_token": staff[cookie]})
                elif target == "/staff/api/presence":
                    await respond(writer, 200, {"available": True})
                elif target == "/staff/api/handoffs":
                    rows = db.execute("SELECT id, agent FROM handoffs WHERE status = 'open' ORDER BY id").fetchall()
                    await respond(writer, 200, {"handoffs": [{"id": r[0], "agent": r[1] and {"name": r[1]}} for r in rows]})
                elif target.endswith("/take"):
                    changed = db.execute("UPDATE handoffs SET agent = ? WHERE id = ? AND agent IS NULL",
                                         (cookie, int(parts[4]))).rowcount
                    if changed:
                        session = db.execute("SELECT session FROM handoffs WHERE id = ?", (int(parts[4]),)).fetchone()[0]
                        store(session, int(parts[4]), "joined", "neuvo", "joined")
                    await respond(writer, 200 if changed else 409, {"id": int(parts[4])})
                elif target.endswith("/messages"):
                    row = db.execute("SELECT session FROM handoffs WHERE id = ? AND agent = ?", (int(parts[4]), cookie)).fetchone()
                    if not row:
                        await respond(writer, 409, {})
                        continue
                    await respond(writer, 201, store(row[0], int(parts[4]), "message", "agent", body["text"]))
                elif target == "/staff/api/desk/events":
                    queue = asyncio.Queue()
                    desks.add(queue)

                    async def forward(chunk, event=None):
                        if event is not None and "id" in event:
                            chunk(f"id: {event['id']}\nevent: event\ndata: {json.dumps(event)}\n\n")
                    try:
                        await stream(writer, queue, forward)
                    finally:
                        desks.discard(queue)
                    return
                else:
                    await respond(writer, 404, {})
            else:
                await respond(writer, 404, {})
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", PORT, backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
