#!/usr/bin/env python3
"""An SMS provider that sends its signed delivery receipt to Neuvo (POST /v1/receipts/sms) *before* it answers the
webhook with 202, as a fast real provider may. A test peer for benchmarks/soak/receipt_first.sh only.

    receipt_first_provider.py PORT WHSEC_SECRET NEUVO_BASE_URL [WHSEC_RECEIPT_SECRET]

The webhook is verified with the first secret, receipts signed with the second (Neuvo's sms.receipt_secret).
"""
import json, sys, urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from standardwebhooks.webhooks import Webhook
port, secret, neuvo = int(sys.argv[1]), sys.argv[2], sys.argv[3]
wh = Webhook(secret)
receipts = Webhook(sys.argv[4] if len(sys.argv) > 4 else secret)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        wh.verify(body, {k.lower(): v for k, v in self.headers.items()})
        nid = self.headers["webhook-id"]
        payload = json.dumps({"id": nid, "status": "delivered"})
        now = datetime.now(tz=timezone.utc)
        req = urllib.request.Request(neuvo + "/v1/receipts/sms", data=payload.encode(), headers={
            "content-type": "application/json", "webhook-id": "r" + nid, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": receipts.sign("r" + nid, now, payload)})
        urllib.request.urlopen(req).read()
        out = b'{"id": "prov"}'
        self.send_response(202); self.send_header("content-length", str(len(out))); self.end_headers(); self.wfile.write(out)
ThreadingHTTPServer.request_queue_size = 256
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
