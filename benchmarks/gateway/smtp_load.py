#!/usr/bin/env python3
"""The SMTP sink's own capacity: sends --count messages of a given size over --connections reused connections
(smtplib, no TLS, loopback), and prints `{"messages": N, "seconds": S, "per_second": R}` as JSON.

    smtp_load.py --port N --count M [--connections C] [--size BYTES]
"""

import argparse
import json
import smtplib
import threading
import time
from email.message import EmailMessage


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--size", type=int, default=3000)
    args = parser.parse_args()
    message = EmailMessage()
    message["From"] = "Helsingin kaupunki <neuvo@localhost>"
    message["Subject"] = "Esiopetuspaikka"
    message.set_content("Hei! " + "x" * max(0, args.size // 2))
    message.add_alternative("<p>Hei! " + "x" * max(0, args.size // 2) + "</p>", subtype="html")
    per_connection = [args.count // args.connections + (1 if i < args.count % args.connections else 0)
                      for i in range(args.connections)]
    sent = [0] * args.connections

    def worker(index):
        with smtplib.SMTP("127.0.0.1", args.port) as client:
            for n in range(per_connection[index]):
                del message["To"]
                del message["Message-ID"]
                message["To"] = "load%d_%d@example.org" % (index, n)
                message["Message-ID"] = "<load.%d.%d@localhost>" % (index, n)
                client.send_message(message)
                sent[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    print(json.dumps({"messages": sum(sent), "seconds": seconds, "per_second": sum(sent) / seconds}))


if __name__ == "__main__":
    main()
