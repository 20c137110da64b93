#!/usr/bin/env python3
"""A fast webhook sink for the gateway benchmark (a benchmark peer only; never part of the product).

One asyncio event loop with a hand-written HTTP/1.1 keep-alive parser: far faster than http.server, so that the
sink is not what limits the dispatcher. Every POST is answered `202 {"id": "prov-N"}` at once and counted, with
its webhook-id, in a set (distinct ids) and in a per-second histogram. Signatures are verified with the reference
`standardwebhooks` library on a sample (every --verify-every-th request; 1 = all, 0 = none): verifying all of
them would make this sink, not the dispatcher, the bottleneck. A failed verification is counted, never hidden.

    fast_sink.py --port N [--secret whsec_...] [--verify-every K] [--stats FILE] [--sample-body FILE]
                 [--arrivals FILE]

`GET /stats` answers the counters as JSON; `GET /reset` clears them (used between the capacity run and the
dispatcher run); `GET /dump-arrivals` writes every request's arrival time to --arrivals (for the batch-gap
breakdown). On SIGTERM/SIGINT the stats are also written to --stats.
"""

import argparse
import asyncio
import json
import signal
import time

try:
    from standardwebhooks.webhooks import Webhook
except ImportError:  # verification is optional
    Webhook = None


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.requests = 0
        self.ids = set()
        self.duplicates = 0
        self.verified = 0
        self.verify_failed = 0
        self.per_second = {}
        self.first = None
        self.last = None

    def as_json(self):
        peak = max(self.per_second.values()) if self.per_second else 0
        span = (self.last - self.first) if self.first is not None and self.last is not None else 0.0
        return {
            "requests": self.requests,
            "distinct_ids": len(self.ids),
            "duplicates": self.duplicates,
            "verified": self.verified,
            "verify_failed": self.verify_failed,
            "peak_per_second": peak,
            "first": self.first,
            "last": self.last,
            "span_seconds": span,
            "per_second": {str(k): v for k, v in sorted(self.per_second.items())},
        }


def main():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret")
    parser.add_argument("--verify-every", type=int, default=100)
    parser.add_argument("--stats")
    parser.add_argument("--arrivals", help="on exit, write every request's arrival time here (one a line)")
    parser.add_argument("--sample-body", help="write the first POST body received here (for the load generator)")
    args = parser.parse_args()
    webhook = Webhook(args.secret) if args.secret and Webhook and args.verify_every > 0 else None
    stats = Stats()
    arrivals = []

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.buffer = bytearray()

        def data_received(self, data):
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(self.buffer[:end]).decode("latin-1")
                lines = head.split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                if len(self.buffer) < end + 4 + length:
                    return
                body = bytes(self.buffer[end + 4:end + 4 + length])
                del self.buffer[:end + 4 + length]
                self.handle(lines[0], headers, body)

        def respond(self, status, payload, close=False):
            body = json.dumps(payload).encode()
            self.transport.write(
                b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n"
                % (status, len(body), b"connection: close\r\n" if close else b"") + body)
            if close:
                self.transport.close()

        def handle(self, request_line, headers, body):
            method, _, rest = request_line.partition(" ")
            path = rest.split(" ")[0]
            if method == "GET":
                if path == "/reset":
                    stats.reset()
                    arrivals.clear()
                if path == "/dump-arrivals" and args.arrivals:
                    with open(args.arrivals, "w") as out:
                        out.write("".join("%.6f\n" % t for t in arrivals))
                self.respond(b"200 OK", stats.as_json())
                return
            now = time.time()
            if args.arrivals:
                arrivals.append(now)
            stats.requests += 1
            n = stats.requests
            second = int(now)
            stats.per_second[second] = stats.per_second.get(second, 0) + 1
            if stats.first is None:
                stats.first = now
            stats.last = now
            if n == 1 and args.sample_body:
                with open(args.sample_body, "wb") as out:
                    out.write(body)
            webhook_id = headers.get("webhook-id", "")
            if webhook_id in stats.ids:
                stats.duplicates += 1
            else:
                stats.ids.add(webhook_id)
            if webhook is not None and n % args.verify_every == 1 % args.verify_every:
                try:
                    webhook.verify(body, headers)
                    stats.verified += 1
                except Exception:
                    stats.verify_failed += 1
            self.respond(b"202 Accepted", {"id": "prov-%d" % n}, close=headers.get("connection") == "close")

    def dump(*_):
        if args.arrivals:
            with open(args.arrivals, "w") as out:
                out.write("\n".join("%.6f" % t for t in arrivals) + "\n")
        if args.stats:
            with open(args.stats, "w") as out:
                json.dump(stats.as_json(), out)
        loop.stop()

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(Protocol, "127.0.0.1", args.port, backlog=1024))
    loop.add_signal_handler(signal.SIGTERM, dump)
    loop.add_signal_handler(signal.SIGINT, dump)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
