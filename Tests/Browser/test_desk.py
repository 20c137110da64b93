#!/usr/bin/env python3
"""The live hand-off in two real headless Chromiums: a resident in the widget, an agent at the desk (/staff/desk).

    NEUVO_BASE_URL=http://127.0.0.1:8080 NEUVO_DB=... python3 -m pytest Tests/Browser/test_desk.py -q

A resident asks for a person in Swedish; an agent signed in to the console takes the conversation with the keyboard
alone; they exchange three messages each way, across a reload of the resident's page; the agent closes; the
assistant answers the next message. Nothing may be lost or shown twice on either side. axe-core checks the desk.
Needs what test_staff.py needs (NEUVO_BIN and the server's NEUVO_DB, for the invite link).
"""
import json
import unittest

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from test_staff import active, needs_server, open_page, ready, sign_in, tab_to
from test_widget import ARTIFACTS, BOT, INPUT, LAUNCHER, ROOT, USER, W, load, new_driver, q, state, text_of, wait

DESK = json.loads((ROOT / "locales" / "desk.json").read_text(encoding="utf-8"))
AGENT = W + "__log " + W + "__msg--agent"
ASK = "jag vill prata med en människa"
TIMEOUT = 20


def texts(d, css):
    return [text_of(e) for e in q(d, css)]


def agent_messages(d):
    """The agent's messages in the widget, without the visually hidden label."""
    return [t.split(": ", 1)[-1] for t in texts(d, AGENT)]


def desk_log(d, sender):
    """What `sender` said in the desk's conversation view, read in one script (the view is redrawn as events come)."""
    return d.execute_script(
        "return Array.from(document.querySelectorAll(\"#log p[data-from='\" + arguments[0] + \"']\"))"
        ".map((p) => p.lastChild.textContent);", sender)


class LiveHandoff(unittest.TestCase):
    def setUp(self):
        needs_server()
        self.resident = new_driver()
        self.agent = new_driver()

    def tearDown(self):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, d in (("resident", self.resident), ("agent", self.agent)):
            d.save_screenshot(str(ARTIFACTS / f"desk-{self._testMethodName}-{name}.png"))
            d.quit()

    def resident_says(self, text):
        d = self.resident
        before = len(q(d, USER))
        field = q(d, INPUT)[0]
        field.send_keys(text, Keys.ENTER)
        wait(d, lambda: len(q(d, USER)) > before, "the widget did not show the resident's message", TIMEOUT)
        wait(d, lambda: text in desk_log(self.agent, "resident"), "the agent did not get: " + text, TIMEOUT)

    def agent_says(self, text):
        a = self.agent
        field = a.find_element(By.ID, "reply")
        field.send_keys(text)
        field.send_keys(Keys.ENTER)  # Enter sends
        wait(a, lambda: text in desk_log(a, "agent"), "the desk did not show the sent message", TIMEOUT)

    def test_a_resident_and_an_agent_talk_across_a_reload_and_the_assistant_takes_over_after(self):
        d, a = self.resident, self.agent
        # The agent signs in, opens the desk and says they are available, with the keyboard.
        sign_in(a, "Alva Kundtjänst", "agent", lang="sv")
        open_page(a, "/staff/desk")
        available = tab_to(a, lambda e: e.get_attribute("id") == "available")
        if not available.is_selected():
            ActionChains(a).send_keys(Keys.SPACE).perform()
        wait(a, lambda: a.find_element(By.ID, "available").is_selected(), "the agent could not mark themselves available")

        # The resident asks for a person in Swedish.
        load(d)
        q(d, LAUNCHER)[0].click()
        wait(d, lambda: q(d, INPUT)[0].is_displayed(), "the widget did not open")
        before = len(q(d, BOT))
        q(d, INPUT)[0].send_keys(ASK, Keys.ENTER)
        wait(d, lambda: len(q(d, BOT)) > before, "Neuvo did not answer the request", TIMEOUT)
        self.assertIn("Kundtjänsten är tillgänglig nu", text_of(q(d, BOT)[-1]))
        wait(d, lambda: state(d).get("live") is True, "the widget did not start listening after the hand-off")

        # The agent sees it in the queue (language shown) and takes it with the keyboard alone.
        def ours():
            items = [li for li in q(a, "#queue li[data-handoff]") if ASK in text_of(li) and q(a, "#queue li button[data-take]")]
            return items[-1] if items else None
        item = wait(a, ours, "the hand-off did not reach the desk's queue", TIMEOUT)
        self.assertEqual(item.find_element(By.CSS_SELECTOR, "[data-lang]").get_attribute("data-lang"), "sv")
        handoff = item.get_attribute("data-handoff")
        tab_to(a, lambda e: e.get_attribute("data-take") == handoff)
        ActionChains(a).send_keys(Keys.ENTER).perform()
        wait(a, lambda: a.find_element(By.ID, "reply-form").is_displayed(), "taking the conversation did not open it")
        wait(a, lambda: active(a).get_attribute("id") == "reply", "the reply box did not get the focus")
        self.assertIn("svenska", text_of(a.find_element(By.ID, "chat-meta")))
        joined = DESK["handoff.live.joined"]["sv"]
        wait(d, lambda: any(joined in t for t in texts(d, BOT)), "the widget did not say an agent joined", TIMEOUT)

        # Axe on the desk with a conversation open.
        from selenium_axe_python import Axe
        axe = Axe(a)
        axe.inject()
        bad = [v for v in axe.run()["violations"] if v["impact"] in ("serious", "critical")]
        self.assertEqual(bad, [], "desk: " + Axe.report(bad))

        # Typing shows on the other side, both ways.
        a.find_element(By.ID, "reply").send_keys("H")
        wait(d, lambda: q(d, W + "__typing--agent")[0].get_attribute("hidden") is None, "the resident did not see the agent typing", TIMEOUT)
        a.find_element(By.ID, "reply").clear()
        q(d, INPUT)[0].send_keys("J")
        wait(a, lambda: text_of(a.find_element(By.ID, "typing")) == DESK["staff.desk.typing"]["sv"], "the agent did not see the resident typing", TIMEOUT)
        q(d, INPUT)[0].clear()

        # Three messages each way, with the resident's page reloaded in between.
        sent = ["Hej! Jag heter Alva. Hur kan jag hjälpa dig?", "Förskoleplatsen kan du tacka ja till i chatten.",
                "Skriv gärna om något är oklart."]
        said = ["Jag undrar över min förskoleplats.", "Tack, det gör jag.", "Inget mer, tack!"]
        self.agent_says(sent[0])
        wait(d, lambda: agent_messages(d) == sent[:1], "the resident did not get the first message", TIMEOUT)
        self.resident_says(said[0])
        self.agent_says(sent[1])
        wait(d, lambda: agent_messages(d) == sent[:2], "the resident did not get the second message", TIMEOUT)
        d.refresh()
        self.agent_says(sent[2])  # while the page loads again: it must arrive once, after the reload
        wait(d, lambda: q(d, INPUT) and q(d, INPUT)[0].is_displayed(), "the widget did not come back after the reload")
        wait(d, lambda: agent_messages(d) == sent, "after the reload the resident did not see each message once", TIMEOUT)
        self.resident_says(said[1])
        self.resident_says(said[2])

        # The agent closes; the assistant says so, then answers the next message itself.
        tab_to(a, lambda e: e.get_attribute("id") == "close-chat")
        ActionChains(a).send_keys(Keys.ENTER).perform()
        closed = DESK["handoff.live.closed"]["sv"]
        wait(d, lambda: any(closed in t for t in texts(d, BOT)), "the widget did not say the agent closed", TIMEOUT)
        wait(d, lambda: state(d).get("live") is False, "the widget kept listening after the close")
        before = len(q(d, BOT))
        q(d, INPUT)[0].send_keys("Var finns närmaste bibliotek?", Keys.ENTER)
        wait(d, lambda: len(q(d, BOT)) > before, "the assistant did not answer after the close", TIMEOUT)
        self.assertTrue(text_of(q(d, BOT)[-1]).strip())

        # Nothing lost, nothing doubled, on either side.
        self.assertEqual(agent_messages(d), sent)
        self.assertEqual(sum(joined in t for t in texts(d, BOT)), 1)
        self.assertEqual(sum(closed in t for t in texts(d, BOT)), 1)
        log = state(d).get("log", [])
        self.assertEqual([e.get("t") for e in log if e.get("r") == "a"], sent)
        self.assertEqual([e.get("t") for e in log if e.get("r") == "u"][-4:-1], said)
        # The desk no longer holds it; the conversation is gone from the queue.
        wait(a, lambda: not [li for li in q(a, "#queue li[data-handoff='%s']" % handoff)], "the closed hand-off stayed in the queue", TIMEOUT)

    def test_the_desk_passes_axe_in_every_language_and_without_the_agent_role_the_api_refuses(self):
        a = self.agent
        sign_in(a, "Eero Editor", "editor")
        open_page(a, "/staff/desk")
        status = a.execute_async_script(
            "const done = arguments[0]; fetch('/staff/api/handoffs').then((r) => done(r.status));")
        self.assertEqual(status, 403)
        sign_in(a, "Aada Agentti", "agent")
        from selenium_axe_python import Axe
        for lang in ("fi", "sv", "en"):
            sign_in(a, "Aada Agentti " + lang, "agent", lang=lang)
            open_page(a, "/staff/desk")
            self.assertEqual(a.find_element(By.TAG_NAME, "html").get_attribute("lang"), lang)
            self.assertEqual(text_of(a.find_element(By.TAG_NAME, "h1")), DESK["staff.desk.title"][lang])
            axe = Axe(a)
            axe.inject()
            bad = [v for v in axe.run()["violations"] if v["impact"] in ("serious", "critical")]
            self.assertEqual(bad, [], f"desk ({lang}): " + Axe.report(bad))


if __name__ == "__main__":
    unittest.main()
