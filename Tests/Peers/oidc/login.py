#!/usr/bin/env python3
"""Logs the test user in at the test OpenID provider as a browser would, without a browser.

    python3 login.py AUTHORIZATION_URL [USER PASSWORD]

Follows the provider's redirects (keeping its cookies), fills in its login form, and prints the URL the provider
finally redirects to outside itself (the relying party's redirect_uri with code and state), without opening it.
"""
import html.parser
import http.cookiejar
import sys
import urllib.parse
import urllib.request


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


class Stop(urllib.request.HTTPRedirectHandler):
    """Follows redirects inside the provider; stops at the first one that leaves it."""

    def __init__(self, origin):
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urljoin(req.full_url, newurl)
        if not target.startswith(self.origin):
            raise Left(target)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Left(Exception):
    def __init__(self, url):
        self.url = url


def main():
    url = sys.argv[1]
    user = sys.argv[2] if len(sys.argv) > 2 else "resident"
    password = sys.argv[3] if len(sys.argv) > 3 else "correct horse battery staple"
    parts = urllib.parse.urlsplit(url)
    origin = "%s://%s/" % (parts.scheme, parts.netloc)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stop(origin))
    try:
        page = opener.open(url, timeout=20)
        form = Form()
        form.feed(page.read().decode("utf-8"))
        form.fields.update({"username": user, "password": password})
        action = urllib.parse.urljoin(page.geturl(), form.action or page.geturl())
        request = urllib.request.Request(
            action, data=urllib.parse.urlencode(form.fields).encode(), headers={"Referer": page.geturl()})
        opener.open(request, timeout=20)
    except Left as left:
        print(left.url)
        return 0
    print("the provider never redirected back", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
