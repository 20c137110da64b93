#!/usr/bin/env python3
"""The Neuvo web widget in a real headless Chromium (Selenium + Debian's chromium-driver).

    NEUVO_BASE_URL=http://127.0.0.1:8080 python3 -m pytest Tests/Browser -q
    NEUVO_BASE_URL=http://127.0.0.1:8080 python3 Tests/Browser/test_widget.py

Environment:
    NEUVO_BASE_URL          the running server (`neuvo serve`); without it every test is skipped
    NEUVO_TEST_LINK_TOKEN   a fresh resident token for /r/<token>; without it that scenario is skipped
    NEUVO_TEST_LINK_EXPECT  optional regular expression the identified resident's arrangement reply must match
    NEUVO_TEST_HEALTH_LINK_TOKEN, NEUVO_TEST_HEALTH_EXPECT  a fresh link to a sensitive arrangement, and what its
                            details say; with NEUVO_TEST_OIDC_USER and NEUVO_TEST_OIDC_PASSWORD (a user of the OpenID
                            provider the server is configured with) the walk to strong identification runs
    NEUVO_BROWSER_ARTIFACTS where screenshots go (default .build/browser-artifacts)
    NEUVO_BROWSER_TIMEOUT   seconds to wait for a condition (default 10)
    CHROME_BIN, CHROMEDRIVER  override /usr/bin/chromium and /usr/bin/chromedriver
"""
import json
import os
import re
import shutil
import sys
import unittest
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
BASE = os.environ.get("NEUVO_BASE_URL", "").rstrip("/")
TOKEN = os.environ.get("NEUVO_TEST_LINK_TOKEN", "")
HEALTH_TOKEN = os.environ.get("NEUVO_TEST_HEALTH_LINK_TOKEN", "")
HEALTH_EXPECT = os.environ.get("NEUVO_TEST_HEALTH_EXPECT", "")
OIDC_USER = os.environ.get("NEUVO_TEST_OIDC_USER", "")
OIDC_PASSWORD = os.environ.get("NEUVO_TEST_OIDC_PASSWORD", "")
TIMEOUT = float(os.environ.get("NEUVO_BROWSER_TIMEOUT", "10"))
ARTIFACTS = Path(os.environ.get("NEUVO_BROWSER_ARTIFACTS", ROOT / ".build" / "browser-artifacts"))
TEXTS = json.loads((ROOT / "locales" / "widget.json").read_text(encoding="utf-8"))
GENERAL = json.loads((ROOT / "locales" / "general.json").read_text(encoding="utf-8"))
QUESTION = "missä on lähin kirjasto Kalliossa?"

W = ".neuvo-widget"
LAUNCHER, PANEL, INPUT = W + "__launcher", W + "__panel", "#neuvo-widget-input"
BOT, USER, NOTE = W + "__log " + W + "__msg--bot", W + "__log " + W + "__msg--user", W + "__log " + W + "__msg--note"
SUGGESTION, ERROR, TYPING = W + "__suggestion", W + "__error", W + "__typing"


def t(key, lang="fi"):
    return TEXTS[key][lang]


# ---------------------------------------------------------------------------------------------- helpers

def new_driver():
    options = Options()
    options.binary_location = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=fi"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def wait(d, condition, message, timeout=TIMEOUT):
    return WebDriverWait(d, timeout).until(lambda _: condition(), message)


def q(d, css):
    return d.find_elements(By.CSS_SELECTOR, css)


def text_of(element):
    return element.get_attribute("textContent")


def state(d):
    return d.execute_script("return JSON.parse(sessionStorage.getItem('neuvo.widget') || 'null')") or {}


def load(d, path="/"):
    d.get(BASE + path)
    wait(d, lambda: q(d, LAUNCHER) or q(d, PANEL + ":not([hidden])"), "the widget did not appear on " + path)


def open_widget(d):
    load(d)
    q(d, LAUNCHER)[0].click()
    wait(d, lambda: q(d, INPUT)[0].is_displayed(), "the panel did not open")
    assert d.switch_to.active_element == q(d, INPUT)[0], "opening the panel should focus the input"


def idle(d):
    return q(d, TYPING)[0].get_attribute("hidden") is not None


def wait_reply(d, before):
    wait(d, lambda: len(q(d, BOT)) > before and idle(d), "no reply from Neuvo")
    return text_of(q(d, BOT)[-1])


def ask(d, text):
    before = len(q(d, BOT))
    field = q(d, INPUT)[0]
    field.send_keys(text)
    field.send_keys(Keys.ENTER)
    return wait_reply(d, before)


def record_requests(d):
    d.execute_script("""
      window.__neuvoBodies = [];
      const original = window.fetch;
      window.fetch = (url, init) => {
        if (init && init.body) window.__neuvoBodies.push(JSON.parse(init.body));
        return original(url, init);
      };""")


# ---------------------------------------------------------------------------------------------- scenarios

def test_finnish_question_gets_a_library_reply(d):
    open_widget(d)
    reply = ask(d, QUESTION)
    assert text_of(q(d, USER)[-1]).endswith(QUESTION)
    assert re.search(r"kirjasto|bibliotek|librar", reply, re.I), "the reply does not mention a library: " + reply
    assert state(d).get("session"), "no session id in sessionStorage"


def test_switch_to_swedish(d):
    open_widget(d)
    record_requests(d)
    d.find_element(By.CSS_SELECTOR, W + "__lang[data-lang='sv']").click()
    label = d.find_element(By.CSS_SELECTOR, "label[for='neuvo-widget-input']")
    wait(d, lambda: text_of(label) == t("widget.input.label", "sv"), "the widget texts did not change to Swedish")
    root = q(d, W)[0]
    assert root.get_attribute("lang") == "sv"
    assert text_of(q(d, W + "__title")[0]) == t("widget.title", "sv")
    assert text_of(q(d, W + "__send")[0]) == t("widget.send", "sv")
    assert q(d, INPUT)[0].get_attribute("placeholder") == t("widget.input.placeholder", "sv")
    assert q(d, W + "__lang[data-lang='sv']")[0].get_attribute("aria-pressed") == "true"
    assert q(d, W + "__lang[data-lang='fi']")[0].get_attribute("aria-pressed") == "false"
    ask(d, "var finns närmaste bibliotek i Berghäll?")
    sent = d.execute_script("return window.__neuvoBodies")
    assert sent and sent[-1].get("lang") == "sv", "the message after the switch was not sent with lang=sv: %r" % sent
    assert root.get_attribute("lang") == "sv" and state(d)["lang"] == "sv"


def test_first_message_language_decides_not_the_page(d):
    # The page is Finnish (<html lang="fi">): a Swedish first message must not be sent as Finnish.
    open_widget(d)
    record_requests(d)
    ask(d, "hur ansöker jag om en plats på dagis?")
    sent = d.execute_script("return window.__neuvoBodies")
    assert sent and "lang" not in sent[-1], "the page's language was sent as the resident's choice: %r" % sent
    wait(d, lambda: q(d, W)[0].get_attribute("lang") == "sv", "the widget did not follow the reply's language")


def test_starter_suggestion_sends_its_text(d):
    open_widget(d)
    buttons = q(d, SUGGESTION)
    assert [text_of(b) for b in buttons] == [t("widget.starter.library"), t("widget.starter.help"),
                                            t("widget.starter.arrangements")]
    label = text_of(buttons[0])
    before = len(q(d, BOT))
    buttons[0].click()
    wait_reply(d, before)
    assert text_of(q(d, USER)[-1]).endswith(label)
    assert d.switch_to.active_element == q(d, INPUT)[0], "focus should move to the input after a suggestion"


def test_server_suggestion_is_a_button_that_sends(d):
    open_widget(d)
    ask(d, QUESTION)
    buttons = q(d, SUGGESTION)
    if not buttons:
        raise unittest.SkipTest("the server returned no suggestions for %r" % QUESTION)
    assert all(b.tag_name == "button" for b in buttons)
    label = text_of(buttons[0])
    before = len(q(d, BOT))
    buttons[0].click()
    wait_reply(d, before)
    assert text_of(q(d, USER)[-1]).endswith(label)


def test_reload_continues_the_conversation(d):
    open_widget(d)
    ask(d, QUESTION)
    session = state(d)["session"]
    messages = len(q(d, W + "__log " + W + "__msg"))
    d.refresh()
    wait(d, lambda: len(q(d, W + "__log " + W + "__msg")) == messages, "the conversation was not restored after reload")
    # The panel fades in (150 ms from opacity 0, which WebDriver counts as not displayed): wait for it.
    wait(d, lambda: q(d, PANEL)[0].is_displayed(), "the panel should stay open after a reload")
    assert state(d)["session"] == session
    ask(d, "milloin se on auki?")
    assert state(d)["session"] == session, "the session changed after a reload"


def test_identification_link_lands_identified(d):
    if not TOKEN:
        raise unittest.SkipTest("set NEUVO_TEST_LINK_TOKEN to a fresh resident token to test /r/<token>")
    open_widget(d)
    ask(d, QUESTION)  # an anonymous conversation first: it must not be lost
    # The link's page mints nothing (link scanners fetch it too): the resident presses its button.
    d.get(BASE + "/r/" + TOKEN)
    wait(d, lambda: q(d, "form button"), "no button on the link's page")
    q(d, "form button")[0].click()
    wait(d, lambda: q(d, NOTE), "no identification notice after opening the link")
    assert "session=" not in d.current_url, "the session id was left in the address bar: " + d.current_url
    session = state(d).get("session")
    assert session, "no session id after the identification link"
    wait(d, lambda: q(d, PANEL)[0].is_displayed(), "the panel should be open after the identification link")
    assert d.switch_to.active_element == q(d, INPUT)[0]
    assert text_of(q(d, NOTE)[-1]) == t("widget.identified")
    assert any(text_of(u).endswith(QUESTION) for u in q(d, USER)), "the earlier conversation was lost"
    button = [b for b in q(d, SUGGESTION) if text_of(b) == t("widget.starter.arrangements")]
    assert button, "no arrangements suggestion after identification"
    before = len(q(d, BOT))
    button[0].click()
    reply = wait_reply(d, before)
    expect = os.environ.get("NEUVO_TEST_LINK_EXPECT")
    if expect:
        assert re.search(expect, reply, re.I), "the arrangement reply %r does not match %r" % (reply, expect)
    assert state(d)["session"] == session, "the identified session was replaced"
    # Accept the arrangement in the chat: Neuvo asks for confirmation first, then changes it.
    question = ask(d, "hyväksyn paikan")
    assert "?" in question, "no confirmation question before accepting: %r" % question
    ask(d, "kyllä")
    status = d.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch('/v1/me/arrangements', {headers: {'Authorization': 'Bearer ' + arguments[0]}})
          .then(r => r.json()).then(j => done(j.arrangements.map(a => a.status))).catch(e => done(String(e)));
        """,
        session,
    )
    assert "accepted" in status, "the arrangement was not accepted: %r" % (status,)
    # The same link a second time: 410 Gone, with a page that says what to do.
    d.get(BASE + "/r/" + TOKEN)
    wait(d, lambda: q(d, "h1"), "no page for a used link")
    assert text_of(q(d, "h1")[0]) == GENERAL["link.used.title"]["fi"], text_of(q(d, "h1")[0])
    # The only form left is the one that re-sends a fresh link to the channel on file, never the open button.
    forms = q(d, "form")
    assert all(f.get_attribute("action").endswith("/resend") for f in forms), "a used link still offers its button"


def statuses(d, session):
    return d.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch('/v1/me/arrangements', {headers: {'Authorization': 'Bearer ' + arguments[0]}})
          .then(r => r.json()).then(j => done(j.arrangements.map(a => [a.kind, a.status]))).catch(e => done(String(e)));
        """,
        session,
    )


def test_sensitive_link_then_strong_identification_at_the_real_provider(d):
    """A notice link about a health check-up: the button, the chat says only that the city has a message and
    offers identification; the real OpenID provider's login page; back in the chat with the details; accept. The
    same link a second time is 410 Gone."""
    if not (HEALTH_TOKEN and HEALTH_EXPECT and OIDC_USER and OIDC_PASSWORD):
        raise unittest.SkipTest("set NEUVO_TEST_HEALTH_LINK_TOKEN, NEUVO_TEST_HEALTH_EXPECT, NEUVO_TEST_OIDC_USER "
                                "and NEUVO_TEST_OIDC_PASSWORD (a server configured with an OpenID provider)")
    d.get(BASE + "/r/" + HEALTH_TOKEN)
    wait(d, lambda: q(d, "form button"), "no button on the link's page")
    q(d, "form button")[0].click()
    wait(d, lambda: q(d, NOTE) and q(d, PANEL)[0].is_displayed(), "the link did not land in the chat")
    link_session = state(d).get("session")
    assert link_session, "no session after the link"
    button = [b for b in q(d, SUGGESTION) if text_of(b) == t("widget.starter.arrangements")]
    assert button, "no arrangements suggestion after the link"
    before = len(q(d, BOT))
    button[0].click()
    reply = wait_reply(d, before)
    assert HEALTH_EXPECT not in reply, "a link session saw the sensitive details: %r" % reply
    identify = [a for a in q(d, W + "__link--action") if a.get_attribute("href").endswith("/auth/login?return=/")]
    assert identify, "no identify action under the reply %r" % reply
    identify[-1].click()

    # The provider's own login page (another origin): the test user signs in.
    wait(d, lambda: q(d, "#id_username"), "the OpenID provider's login page did not open")
    assert not d.current_url.startswith(BASE), "the login page should be the provider's: " + d.current_url
    q(d, "#id_username")[0].send_keys(OIDC_USER)
    q(d, "#id_password")[0].send_keys(OIDC_PASSWORD)
    q(d, "#login")[0].click()

    # Back in the chat, strongly identified: a new session, the conversation kept, the details shown.
    wait(d, lambda: d.current_url.startswith(BASE) and q(d, PANEL) and q(d, PANEL)[0].is_displayed(),
         "did not come back to the chat after the login")
    wait(d, lambda: state(d).get("session") not in (None, link_session), "no strong session after the login")
    assert "session=" not in d.current_url, "the session id was left in the address bar: " + d.current_url
    session = state(d)["session"]
    assert any(reply[:40] in text_of(b) for b in q(d, BOT)), "the conversation before the login was lost"
    button = [b for b in q(d, SUGGESTION) if text_of(b) == t("widget.starter.arrangements")]
    assert button, "no arrangements suggestion after strong identification"
    before = len(q(d, BOT))
    button[0].click()
    shown = wait_reply(d, before)
    assert HEALTH_EXPECT in shown, "the strong session does not show the details: %r" % shown
    question = ask(d, "hyväksyn")
    choice = re.search(r"(\d+)\.[^\n]*terveystarkastus", question, re.I)
    if choice:  # several offers open: pick the check-up
        question = ask(d, choice.group(1))
    assert "?" in question, "no confirmation question before accepting: %r" % question
    ask(d, "kyllä")
    assert ["health_checkup", "accepted"] in statuses(d, session), statuses(d, session)

    # The same link again: 410 Gone, with a page that says what to do.
    d.get(BASE + "/r/" + HEALTH_TOKEN)
    wait(d, lambda: q(d, "h1"), "no page for a used link")
    assert text_of(q(d, "h1")[0]) == GENERAL["link.used.title"]["fi"]


def test_accessibility_basics(d):
    open_widget(d)
    log = q(d, W + "__log")[0]
    assert log.get_attribute("aria-live") == "polite" and log.get_attribute("role") == "log"
    label = d.find_elements(By.CSS_SELECTOR, "label[for='neuvo-widget-input']")
    assert label and text_of(label[0]).strip() == t("widget.input.label"), "the input has no label"
    panel = q(d, PANEL)[0]
    assert panel.get_attribute("role") == "dialog"
    assert text_of(d.find_element(By.ID, panel.get_attribute("aria-labelledby"))) == t("widget.title")
    for b in q(d, W + " button"):
        assert b.tag_name == "button"
        assert (text_of(b).strip() or b.get_attribute("aria-label")), "a button without a name"
    assert q(d, W + "__close")[0].get_attribute("aria-label") == t("widget.close")
    ask(d, QUESTION)
    # Text contrast (WCAG 1.4.3) of every visible text element, against its effective background.
    low = d.execute_script("""
      const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
      const lum = (c) => { const v = rgb(c).slice(0, 3).map((x) => { x /= 255;
        return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
      const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
        if (rgb(c).length === 3 || rgb(c)[3] > 0) return c; } return 'rgb(255,255,255)'; };
      const out = [];
      document.querySelectorAll('.neuvo-widget *').forEach((e) => {
        if (!e.offsetParent || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) return;
        const a = lum(getComputedStyle(e).color), b = lum(bg(e));
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) out.push(e.className + ' ' + ratio.toFixed(2));
      });
      return out;""")
    assert not low, "text below 4.5:1 contrast: %s" % low
    # prefers-reduced-motion: no animation anywhere in the widget.
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    animated = d.execute_script("""return [...document.querySelectorAll('.neuvo-widget, .neuvo-widget *')]
      .filter((e) => getComputedStyle(e).animationName !== 'none').map((e) => e.className)""")
    assert not animated, "animations despite prefers-reduced-motion: %s" % animated


def test_keyboard_only(d):
    load(d)
    launcher = q(d, LAUNCHER)[0]
    for _ in range(40):
        if d.switch_to.active_element == launcher:
            break
        ActionChains(d).send_keys(Keys.TAB).perform()
    assert d.switch_to.active_element == launcher, "Tab never reached the launcher"
    outline = d.execute_script("const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth]", launcher)
    assert outline[0] != "none" and float(outline[1].rstrip("px")) >= 2, "no visible focus on the launcher: %s" % outline
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait(d, lambda: q(d, INPUT)[0].is_displayed(), "Enter on the launcher did not open the panel")
    assert d.switch_to.active_element == q(d, INPUT)[0]
    before = len(q(d, BOT))
    ActionChains(d).send_keys(QUESTION).send_keys(Keys.ENTER).perform()
    wait_reply(d, before)
    assert d.switch_to.active_element == q(d, INPUT)[0], "focus left the input after sending"
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    wait(d, lambda: not q(d, PANEL)[0].is_displayed(), "Escape did not close the panel")
    assert d.switch_to.active_element == q(d, LAUNCHER)[0], "focus did not return to the launcher"


def test_works_on_a_360px_phone(d):
    d.set_window_size(360, 740)
    open_widget(d)
    width = d.execute_script("return document.documentElement.clientWidth")
    rect = d.execute_script("return arguments[0].getBoundingClientRect().toJSON()", q(d, PANEL)[0])
    assert rect["left"] >= 0 and rect["right"] <= width + 0.5, "the panel does not fit %dpx: %s" % (width, rect)
    for css in (INPUT, W + "__send", W + "__close"):
        r = d.execute_script("return arguments[0].getBoundingClientRect().toJSON()", q(d, css)[0])
        assert r["left"] >= 0 and r["right"] <= width + 0.5 and r["width"] > 0, css + " is off screen: %s" % r
    ask(d, QUESTION)


def test_offline_error_and_retry(d):
    open_widget(d)
    d.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
    field = q(d, INPUT)[0]
    field.send_keys(QUESTION + Keys.ENTER)
    wait(d, lambda: q(d, ERROR)[0].is_displayed(), "no error message while offline")
    assert text_of(q(d, ERROR + " p")[0]) == t("widget.error.network")
    assert q(d, ERROR)[0].get_attribute("role") == "alert"
    d.delete_network_conditions()
    before = len(q(d, BOT))
    q(d, W + "__retry")[0].click()
    wait_reply(d, before)
    assert not q(d, ERROR)[0].is_displayed()
    assert len(q(d, USER)) == 1, "retry should not repeat the message in the log"


def test_server_text_is_never_html(d):
    open_widget(d)
    record_requests(d)
    payload = 'kirjasto <img src=x onerror="window.__pwned=1"><b>lihava</b>'
    before = len(q(d, BOT))
    q(d, INPUT)[0].send_keys(payload + Keys.ENTER)
    wait(d, lambda: (len(q(d, BOT)) > before or q(d, ERROR)[0].is_displayed()) and idle(d), "no answer")
    assert not q(d, W + "__log img") and not q(d, W + "__log b"), "message text was parsed as HTML"
    assert text_of(q(d, USER)[-1]).endswith(payload)
    assert d.execute_script("return window.__pwned === undefined")


def answer_chat_with(d, status, reply):
    """The next POST /v1/chat gets this answer (as if from the server), everything else goes through."""
    d.execute_script("""
      const [status, reply] = arguments;
      const original = window.fetch;
      window.fetch = (url, init) => String(url).endsWith('/v1/chat')
        ? Promise.resolve(new Response(JSON.stringify(reply), {status, headers: {'Content-Type': 'application/json'}}))
        : original(url, init);""", status, reply)


def test_only_allowed_hosts_and_true_relative_paths_become_links(d):
    open_widget(d)
    answer_chat_with(d, 200, {
        "session_id": "s", "lang": "fi", "intent": None, "confidence": 0, "suggestions": [],
        "reply": "Katso https://www.hel.fi/fi ja https://evil.example/phish",
        "actions": [{"kind": "x", "label": "backslash", "url": "/\\evil.example"},
                    {"kind": "x", "label": "scheme-relative", "url": "//evil.example"},
                    {"kind": "x", "label": "own page", "url": "/r/abc"},
                    {"kind": "x", "label": "elsewhere", "url": "https://evil.example/x"}],
        "sources": []})
    before = len(q(d, BOT))
    q(d, INPUT)[0].send_keys("linkit" + Keys.ENTER)
    wait(d, lambda: len(q(d, BOT)) > before and idle(d), "no answer")
    hrefs = [a.get_attribute("href") for a in q(d, BOT)[-1].find_elements(By.CSS_SELECTOR, "a")]
    assert any(h.startswith("https://www.hel.fi/") for h in hrefs), hrefs
    assert any(h.endswith("/r/abc") for h in hrefs), hrefs
    assert not any("evil.example" in h for h in hrefs), hrefs
    assert "https://evil.example/phish" in text_of(q(d, BOT)[-1]), "a URL off the list stays as text"


def test_too_many_messages_is_asked_to_wait(d):
    open_widget(d)
    answer_chat_with(d, 429, {"type": "/problems/rate-limited", "status": 429, "detail": "wait"})
    q(d, INPUT)[0].send_keys(QUESTION + Keys.ENTER)
    wait(d, lambda: q(d, ERROR)[0].is_displayed(), "no message after 429")
    assert text_of(q(d, ERROR + " p")[0]) == t("widget.error.too_many")


# ---------------------------------------------------------------------------------------------- runners

def _finish(d, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / (name + ".png")))
    problems = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
                and ("Content Security Policy" in e["message"] or "Uncaught" in e["message"])]
    assert not problems, "browser console errors: %s" % problems


try:
    import pytest
except ImportError:  # plain `python3 test_widget.py` works without pytest
    pytest = None

if pytest:
    if not BASE:
        pytest.skip("set NEUVO_BASE_URL to the running Neuvo server (see Tests/Browser/README.md)", allow_module_level=True)

    @pytest.fixture
    def d(request):
        driver = new_driver()
        try:
            yield driver
            _finish(driver, request.node.name)  # runs after a failed test too: its screenshot is kept
        finally:
            driver.quit()


def main():
    if not BASE:
        print("skipped: set NEUVO_BASE_URL to the running Neuvo server (see Tests/Browser/README.md)")
        return 0
    failed = 0
    for name, test in [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]:
        driver = new_driver()
        try:
            test(driver)
            _finish(driver, name)
            print("PASS", name)
        except unittest.SkipTest as skip:
            print("SKIP", name, "-", skip)
        except Exception as error:  # noqa: BLE001 - report every failure and go on
            failed += 1
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(ARTIFACTS / (name + ".png")))
            print("FAIL", name, "-", type(error).__name__, error)
        finally:
            driver.quit()
    print("screenshots in", ARTIFACTS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
