#!/usr/bin/env python3
"""A stand-in for `neuvo serve`, for developing the widget and its browser test without Swift.

Serves the real widget files and locales/widget.json, and answers the three endpoints the widget uses
with canned replies:

    GET  /v1/widget/texts?lang=fi|sv|en
    POST /v1/chat            {session_id?, text, lang?}
    GET  /r/<token>          302 to /#session=<id> (an identified session; the token "expired" gives 403)

plus GET /, /widget.js and /widget.css, all with a strict Content-Security-Policy so the test also checks
that the widget needs no inline script or style. Not used by CI.

    python3 Tests/Browser/stub_server.py --port 8765
    NEUVO_BASE_URL=http://127.0.0.1:8765 NEUVO_TEST_LINK_TOKEN=demo python3 -m pytest Tests/Browser -q
"""
import argparse
import base64
import hashlib
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "Sources" / "NeuvoAPI" / "Resources" / "widget"
LOCALES = ROOT / "locales" / "widget.json"
LANGS = ("fi", "sv", "en")
MAX_BODY = 16 * 1024
MAX_TEXT = 1000

REPLIES = {
    "library": {
        "fi": ("Kallion kirjasto on osoitteessa Viides linja 11, 00530 Helsinki. Muut toimipisteet näet Palvelukartasta: https://palvelukartta.hel.fi",
               ["Milloin Kallion kirjasto on auki?", "Miten saan yhteyden Kallion kirjastoon?"]),
        "sv": ("Berghälls bibliotek ligger på adressen Femte linjen 11, 00530 Helsingfors. Fler verksamhetsställen hittar du på Servicekartan: https://palvelukartta.hel.fi/sv",
               ["När har Berghälls bibliotek öppet?", "Hur kontaktar jag Berghälls bibliotek?"]),
        "en": ("Kallio Library is at Viides linja 11, 00530 Helsinki. You can find other units on the Service Map: https://palvelukartta.hel.fi/en",
               ["When is Kallio Library open?", "How do I contact Kallio Library?"]),
    },
    "hours": {
        "fi": ("Kallion kirjasto on avoinna: ma–to 8–20, pe 8–18, la 10–16.", ["Missä on lähin uimahalli?"]),
        "sv": ("Berghälls bibliotek har öppet: mån–tors 8–20, fre 8–18, lör 10–16.", ["Var finns närmaste simhall?"]),
        "en": ("Kallio Library is open: Mon–Thu 8–20, Fri 8–18, Sat 10–16.", ["Where is the nearest swimming hall?"]),
    },
    "help": {
        "fi": ("Voin kertoa esimerkiksi, missä on lähin kirjasto, uimahalli tai terveysasema ja milloin se on auki.",
               ["Missä on lähin kirjasto Kalliossa?", "Milloin kirjasto on auki?"]),
        "sv": ("Jag kan till exempel berätta var närmaste bibliotek, simhall eller hälsostation finns och när den har öppet.",
               ["Var finns närmaste bibliotek i Berghäll?", "När har biblioteket öppet?"]),
        "en": ("I can tell you, for example, where the nearest library, swimming hall or health station is and when it is open.",
               ["Where is the nearest library in Kallio?", "When is the library open?"]),
    },
    "arrangements_anonymous": {
        "fi": ("Näen sinulle järjestetyt asiat, kun avaat kaupungin viestissä olevan linkin.", []),
        "sv": ("Jag ser det som ordnats för dig när du öppnar länken i stadens meddelande.", []),
        "en": ("I can see what has been arranged for you when you open the link in the city's message.", []),
    },
    "arrangements": {
        "fi": ("Kaupunki tarjoaa lapsellesi esiopetuspaikkaa. Paikka: Päiväkoti Kalliola, alkaen 1.8.2027. Hyväksytkö paikan?", ["Hyväksyn paikan", "En ota paikkaa vastaan"]),
        "sv": ("Staden erbjuder ditt barn en förskoleplats. Plats: daghemmet Kalliola, från 1.8.2027. Tackar du ja till platsen?", ["Jag tackar ja", "Jag tackar nej"]),
        "en": ("The city offers your child a pre-primary education place. Place: Kalliola, from 1 August 2027. Do you accept it?", ["I accept the place", "I decline the place"]),
    },
    "accepted": {
        "fi": ("Kiitos, tallensin hyväksyntäsi. Saat vielä vahvistuksen viestinä.", []),
        "sv": ("Tack, jag har sparat att du tackar ja. Du får också en bekräftelse i ett meddelande.", []),
        "en": ("Thank you, I have saved your acceptance. You will also get a confirmation message.", []),
    },
    "fallback": {
        "fi": ("En ymmärtänyt viestiä ”{text}”. Voisitko kertoa sen toisin sanoin?", ["Mitä voin kysyä sinulta?"]),
        "sv": ("Jag förstod inte meddelandet ”{text}”. Kan du säga det på ett annat sätt?", ["Vad kan jag fråga dig?"]),
        "en": ("I didn't understand the message “{text}”. Could you put it another way?", ["What can I ask you?"]),
    },
}
SOURCE = {"kind": "unit", "id": "tprek:8294", "title": "Kallion kirjasto", "url": "https://palvelukartta.hel.fi/fi/unit/8294"}


def detect(text):
    words = set(re.findall(r"\w+", text.lower()))
    if words & {"var", "vad", "hej", "finns", "bibliotek", "biblioteket", "jag", "har", "när", "för", "mig"}:
        return "sv"
    if words & {"where", "what", "the", "is", "hello", "library", "i", "can", "you"}:
        return "en"
    return "fi"


def intent_of(text, identified):
    t = text.lower()
    if re.search(r"hyväksy|tar emot|tackar ja|accept", t) and identified:
        return "arrangement.accept", "accepted"
    if re.search(r"järjest|ordnat|arranged", t):
        return "arrangements.list", "arrangements" if identified else "arrangements_anonymous"
    if re.search(r"auki|öppet|open", t):
        return "unit.opening_hours", "hours"
    if re.search(r"kirjasto|bibliotek|librar", t):
        return "unit.find", "library"
    if re.search(r"osaat|kysyä|fråga|ask|help|hjälp|apua", t):
        return "help", "help"
    return "fallback", "fallback"


class Stub:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = {}  # id -> {"lang": str|None, "identified": bool}
        self.texts = json.loads(LOCALES.read_text(encoding="utf-8"))
        demo = (WIDGET / "demo.html").read_text(encoding="utf-8")
        styles = re.findall(r"<style>(.*?)</style>", demo, re.S)
        hashes = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in styles)
        self.csp = ("default-src 'none'; script-src 'self'; style-src 'self' %s; connect-src 'self'; img-src 'self'; "
                    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'" % hashes)

    def new_session(self, identified=False):
        sid = secrets.token_urlsafe(16)
        with self.lock:
            self.sessions[sid] = {"lang": None, "identified": identified}
        return sid

    def chat(self, body):
        text, lang, sid = body.get("text"), body.get("lang"), body.get("session_id")
        if not isinstance(text, str) or not text.strip():
            return 400, "invalid-request", "text must be a non-empty string"
        if len(text) > MAX_TEXT:
            return 413, "text-too-long", "text is longer than %d characters" % MAX_TEXT
        if lang is not None and lang not in LANGS:
            return 400, "invalid-request", "lang must be fi, sv or en"
        if sid is not None and not isinstance(sid, str):
            return 400, "invalid-request", "session_id must be a string"
        with self.lock:
            session = self.sessions.get(sid)
        if session is None:
            sid = self.new_session()
            session = self.sessions[sid]
        session["lang"] = lang or session["lang"] or detect(text)
        lang = session["lang"]
        intent, key = intent_of(text, session["identified"])
        reply, suggestions = REPLIES[key][lang]
        return 200, {
            "session_id": sid, "lang": lang, "reply": reply.replace("{text}", text.strip()), "intent": intent,
            "confidence": 0.1 if intent == "fallback" else 0.9, "suggestions": suggestions, "actions": [],
            "sources": [SOURCE] if key == "library" else [],
        }, None


STUB = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)

    def send(self, status, body=b"", ctype="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", STUB.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def json(self, status, obj):
        self.send(status, json.dumps(obj, ensure_ascii=False).encode())

    def problem(self, status, kind, detail):
        titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 413: "Content Too Large"}
        body = {"type": "https://neuvo.hel.fi/problems/" + kind, "title": titles.get(status, "Error"),
                "status": status, "detail": detail}
        self.send(status, json.dumps(body).encode(), "application/problem+json")

    def do_GET(self):
        url = urlsplit(self.path)
        files = {"/": ("demo.html", "text/html; charset=utf-8"), "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
                 "/widget.css": ("widget.css", "text/css; charset=utf-8")}
        if url.path in files:
            name, ctype = files[url.path]
            return self.send(200, (WIDGET / name).read_bytes(), ctype, {"Cache-Control": "no-cache"})
        if url.path == "/v1/widget/texts":
            lang = parse_qs(url.query).get("lang", ["fi"])[0]
            if lang not in LANGS:
                return self.problem(400, "invalid-request", "lang must be fi, sv or en")
            texts = {k: v[lang] for k, v in STUB.texts.items()}
            return self.json(200, {"lang": lang, "texts": texts})
        m = re.fullmatch(r"/r/([A-Za-z0-9_.\-]+)", url.path)
        if m:
            if m.group(1) == "expired":
                return self.problem(403, "invalid-token", "the link has expired")
            sid = STUB.new_session(identified=True)
            return self.send(302, b"", "text/plain", {"Location": "/#session=" + sid})
        self.problem(404, "not-found", "no such resource")

    def do_POST(self):
        if urlsplit(self.path).path != "/v1/chat":
            return self.problem(404, "not-found", "no such resource")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self.problem(413, "body-too-large", "the body is larger than %d bytes" % MAX_BODY)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self.problem(400, "invalid-json", "the body is not valid JSON")
        if not isinstance(body, dict):
            return self.problem(400, "invalid-request", "the body must be a JSON object")
        status, result, detail = STUB.chat(body)
        if status != 200:
            return self.problem(status, result, detail)
        self.json(200, result)


def serve(host="127.0.0.1", port=0, quiet=False):
    """Starts the stub in a background thread; returns (server, base_url)."""
    global STUB
    STUB = Stub()
    Handler.quiet = quiet
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://%s:%d" % (host, server.server_address[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server, url = serve(args.host, args.port)
    print("stub Neuvo at %s/ (Ctrl-C to stop)" % url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
