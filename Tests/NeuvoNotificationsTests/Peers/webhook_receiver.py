#!/usr/bin/env python3
"""Standard Webhooks receiver for NeuvoNotifications tests (a test peer only; never part of the product).

Verifies webhook-signature with the reference `standardwebhooks` library (which also rejects timestamps more than
five minutes off), deduplicates on webhook-id, and appends each accepted delivery as one JSON line to --log.

    webhook_receiver.py --port N --secret whsec_... --log FILE
        [--fail-500 F] [--fail-timeout F --timeout-seconds S] [--fail-429 F --retry-after V] [--fail-400 F]
        [--delay S]

--delay holds every verified request S seconds before answering, so that concurrency shows. Each log record
carries the client's port (one per connection: reuse shows as few ports), the arrival time, and how many
requests were being handled at that moment (in_flight, this one included).

Each F is a fraction of requests, applied deterministically so tests are repeatable: request n (1-based) gets the
fault when ceil(n*F) > ceil((n-1)*F), i.e. F=1 every request, F=0.5 the 1st, 3rd, 5th... Faults apply to requests
whose signature verified, in the order timeout, 500, 429, 400.
Requires: pip install standardwebhooks
"""

import argparse
import json
import math
import signal
import threading
import time
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Faults:
    def __init__(self, fractions):
        self.fractions = fractions  # name -> Fraction, in the order they are tried
        self.requests = 0
        self.lock = threading.Lock()

    def pick(self):
        with self.lock:
            self.requests += 1
            n = self.requests
        for name, fraction in self.fractions.items():
            if math.ceil(n * fraction) > math.ceil((n - 1) * fraction):
                return name
        return None


def make_handler(args, webhook, faults):
    seen = {}  # webhook-id -> provider id
    lock = threading.Lock()
    in_flight = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Small replies on kept-alive connections: without this, Nagle's algorithm holds each one ~40 ms.
        disable_nagle_algorithm = True

        def log_message(self, format, *values):
            pass

        def reply(self, status, payload, headers=None):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                payload = webhook.verify(body, headers)
            except WebhookVerificationError as error:
                self.reply(401, {"error": str(error)})
                return
            except Exception as error:  # malformed signature header or body
                self.reply(400, {"error": "bad request: {}".format(error)})
                return

            with lock:
                in_flight[0] += 1
                concurrent = in_flight[0]
            arrived = time.time()
            try:
                if args.delay > 0:
                    time.sleep(args.delay)
                self.answer(headers, payload, concurrent, arrived)
            finally:
                with lock:
                    in_flight[0] -= 1

        def answer(self, headers, payload, concurrent, arrived):
            fault = faults.pick()
            if fault == "timeout":
                threading.Event().wait(args.timeout_seconds)
                self.close_connection = True
                return
            if fault == "500":
                self.reply(500, {"error": "injected failure"})
                return
            if fault == "429":
                self.reply(429, {"error": "slow down"}, {"retry-after": args.retry_after})
                return
            if fault == "400":
                self.reply(400, {"error": "injected refusal"})
                return

            webhook_id = headers["webhook-id"]
            with lock:
                if webhook_id in seen:
                    self.reply(200, {"id": seen[webhook_id], "duplicate": True})
                    return
                provider_id = "prov-{}".format(len(seen) + 1)
                seen[webhook_id] = provider_id
                record = {
                    "webhook_id": webhook_id,
                    "webhook_timestamp": headers["webhook-timestamp"],
                    "provider_id": provider_id,
                    "payload": payload,
                    "client_port": self.client_address[1],
                    "arrived": arrived,
                    "in_flight": concurrent,
                }
                with open(args.log, "a", encoding="utf-8") as log:
                    log.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.reply(202, {"id": provider_id})

    return Handler


def main():
    # A parent that spawns us from a thread with signals blocked passes that mask on; undo it so SIGTERM works.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-500", type=Fraction, default=Fraction(0))
    parser.add_argument("--fail-timeout", type=Fraction, default=Fraction(0))
    parser.add_argument("--timeout-seconds", type=float, default=30)
    parser.add_argument("--fail-429", type=Fraction, default=Fraction(0))
    parser.add_argument("--retry-after", default="30")
    parser.add_argument("--fail-400", type=Fraction, default=Fraction(0))
    parser.add_argument("--delay", type=float, default=0)
    args = parser.parse_args()
    faults = Faults(
        {"timeout": args.fail_timeout, "500": args.fail_500, "429": args.fail_429, "400": args.fail_400})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args, Webhook(args.secret), faults))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
