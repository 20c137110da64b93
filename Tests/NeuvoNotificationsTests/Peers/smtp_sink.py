#!/usr/bin/env python3
"""SMTP sink for NeuvoNotifications tests (a test peer only; never part of the product).

Stores every accepted message as <dir>/NNNNNN.json (written atomically: temp file, then rename) holding the
envelope, the raw DATA and the parsed headers and text/html parts, and appends every EHLO/HELO/MAIL/RCPT command
it sees to <dir>/events.jsonl, so a test can prove that nothing reached the server at all.

    smtp_sink.py --port N --dir DIR [--tempfail REGEX] [--permfail REGEX] [--stall REGEX]
                 [--tls-cert FILE --tls-key FILE]   (STARTTLS offered and required before MAIL)

Recipients matching --tempfail get 451, --permfail 550, --stall no answer for an hour.
Requires: pip install aiosmtpd
"""

import argparse
import asyncio
import base64
import email
import email.policy
import itertools
import json
import os
import re
import signal
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, tempfail, permfail, stall):
        self.directory = directory
        self.tempfail = re.compile(tempfail) if tempfail else None
        self.permfail = re.compile(permfail) if permfail else None
        self.stall = re.compile(stall) if stall else None
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    def event(self, **fields):
        with self.lock, open(os.path.join(self.directory, "events.jsonl"), "a", encoding="utf-8") as log:
            log.write(json.dumps(fields) + "\n")

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.event(command="EHLO", argument=hostname)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.event(command="HELO", argument=hostname)
        session.host_name = hostname
        return "250 {}".format(server.hostname)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.event(command="MAIL", argument=address)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.event(command="RCPT", argument=address)
        if self.stall and self.stall.search(address):
            await asyncio.sleep(3600)
        if self.tempfail and self.tempfail.search(address):
            return "451 4.3.0 Mailbox temporarily unavailable"
        if self.permfail and self.permfail.search(address):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        plain = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw_base64": base64.b64encode(raw).decode("ascii"),
            "headers": {name: str(value) for name, value in parsed.items()},
            "subject": str(parsed["subject"]),
            "message_id": str(parsed["message-id"]),
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None and html is not plain else None,
        }
        number = next(self.counter)
        final = os.path.join(self.directory, "{:06d}.json".format(number))
        with open(final + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(final + ".tmp", final)
        return "250 2.0.0 Ok: queued as sink{}".format(number)


def main():
    # A parent that spawns us from a thread with signals blocked passes that mask on; undo it so SIGTERM works.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tempfail")
    parser.add_argument("--permfail")
    parser.add_argument("--stall")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    sink = Sink(args.dir, args.tempfail, args.permfail, args.stall)
    options = {}
    if args.tls_cert:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        options = {"tls_context": context, "require_starttls": True}
    controller = Controller(sink, hostname="127.0.0.1", port=args.port, decode_data=False, **options)
    controller.start()
    # Runs until the test sends SIGTERM, whose default action ends the process at once.
    threading.Event().wait()


if __name__ == "__main__":
    main()
