#!/usr/bin/env python3
"""The project's verifying webhook receiver (Tests/NeuvoNotificationsTests/Peers/webhook_receiver.py), unchanged,
with two additions for drills:
- optionally one line per request as it arrives (`{"t": unix time, "id": webhook-id}`) in --requests-log, so a
  drill can count requests per second at the receiver, failed ones included;
- TCP_NODELAY on its sockets. http.server writes the headers and the body of an answer in two send() calls; on a
  kept-alive connection Nagle's algorithm then holds the body until the client's delayed ACK (~40 ms), which caps
  the peer at ~25 requests/s per connection, i.e. ~50/s against Neuvo's two SMS transfer threads.

    counting_receiver.py [--requests-log FILE]  <every option of webhook_receiver.py>
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests",
                                "NeuvoNotificationsTests", "Peers"))
import webhook_receiver  # noqa: E402

requests_log = None
for index, argument in enumerate(sys.argv):
    if argument == "--requests-log":
        requests_log = sys.argv[index + 1]
        del sys.argv[index:index + 2]
        break

lock = threading.Lock()
original = webhook_receiver.make_handler


def make_handler(args, webhook, faults):
    base = original(args, webhook, faults)

    class Counting(base):
        disable_nagle_algorithm = True

        def do_POST(self):
            if requests_log:
                with lock, open(requests_log, "a", encoding="utf-8") as out:
                    out.write(json.dumps({"t": time.time(), "id": self.headers.get("webhook-id")}) + "\n")
            super().do_POST()

    return Counting


webhook_receiver.make_handler = make_handler
webhook_receiver.main()
