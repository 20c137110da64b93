#!/usr/bin/env python3
"""The staff console (/staff) in a real headless Chromium, against a running `neuvo serve`.

    NEUVO_BASE_URL=http://127.0.0.1:8080 NEUVO_DB=... python3 -m pytest Tests/Browser/test_staff.py -q

Staff sign in through invite links that the tests make with `neuvo staff invite` (NEUVO_BIN, default
.build/debug/neuvo), so the tests need the server's database (NEUVO_DB, and NEUVO_PUBLIC_BASE_URL or the links'
paths are used on NEUVO_BASE_URL). The server's NEUVO_CATALOG must be a writable copy: the first test publishes
to it (and rolls back at its end). Run against a fresh server: a message handled once stays out of the list.

axe-core (selenium-axe-python) checks the widget and every console page for serious or critical violations.
"""
import json
import os
import re
import shutil
import subprocess
import unittest
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from test_widget import ARTIFACTS, BASE, BOT, INPUT, LAUNCHER, PANEL, ROOT, TIMEOUT, new_driver, q, text_of, wait

NEUVO_BIN = os.environ.get("NEUVO_BIN") or str(ROOT / ".build" / "debug" / "neuvo")
PUBLISH_TIMEOUT = float(os.environ.get("NEUVO_PUBLISH_TIMEOUT", "180"))
STAFF = json.loads((ROOT / "locales" / "staff.json").read_text(encoding="utf-8"))
WIDGET = json.loads((ROOT / "locales" / "widget.json").read_text(encoding="utf-8"))
GENERAL = json.loads((ROOT / "locales" / "general.json").read_text(encoding="utf-8"))
# A resident's question Neuvo does not understand until staff add it to unit.find in Finnish.
MESSAGE = "missä voin ulkoiluttaa koiraa"
INTENT = "unit.find"
PAGES = {"/staff/": "staff.nav.misunderstood", "/staff/intents": "staff.nav.intents",
         "/staff/translations": "staff.nav.translations", "/staff/publish": "staff.nav.publish"}


def s(key, lang="fi"):
    return STAFF[key][lang]


def needs_server():
    if not BASE:
        raise unittest.SkipTest("NEUVO_BASE_URL is not set")
    if not Path(NEUVO_BIN).exists() or not os.environ.get("NEUVO_DB"):
        raise unittest.SkipTest("the staff tests need NEUVO_BIN and the server's NEUVO_DB to make invite links")


def invite(name, roles):
    """A single-use sign-in link from `neuvo staff invite`, on the server under test."""
    link = subprocess.run(
        [NEUVO_BIN, "staff", "invite", "--name", name, "--roles", roles], check=True, capture_output=True, text=True,
        stdin=subprocess.DEVNULL).stdout.strip()
    return BASE + urlparse(link).path


def chat(text, session=None):
    body = {"text": text, "lang": "fi"}
    if session:
        body["session_id"] = session
    request = urllib.request.Request(
        BASE + "/v1/chat", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def ready(d):
    wait(d, lambda: d.execute_script("return document.body.getAttribute('data-ready') === 'true'"),
         "the console page did not finish loading")


def sign_in(d, name, roles, lang="fi"):
    d.get(invite(name, roles))
    wait(d, lambda: urlparse(d.current_url).path == "/staff/", "the invite link did not lead to the console")
    ready(d)
    if Select(d.find_element(By.ID, "ui-lang")).first_selected_option.get_attribute("value") != lang:
        d.execute_script("document.body.removeAttribute('data-ready')")
        Select(d.find_element(By.ID, "ui-lang")).select_by_value(lang)
        wait(d, lambda: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang, "the language did not change")
        ready(d)


def open_page(d, path):
    d.execute_script("document.body.removeAttribute('data-ready')")
    d.get(BASE + path)
    ready(d)


def status_text(d):
    return text_of(d.find_element(By.ID, "status"))


def active(d):
    return d.switch_to.active_element


def tab_to(d, matches, limit=400, backwards=False):
    """Moves the focus with Tab alone until `matches(active element)`; fails after `limit` presses."""
    for _ in range(limit):
        if matches(active(d)):
            return active(d)
        keys = (Keys.SHIFT + Keys.TAB) if backwards else Keys.TAB
        ActionChains(d).send_keys(keys).perform()
    seen = d.execute_script("return document.activeElement && document.activeElement.outerHTML")
    raise AssertionError("the keyboard never reached the element; the focus is on " + str(seen)[:200])


def widget_ask(d, text):
    """Sends `text` through the widget on the demo page and returns the bot's reply."""
    d.get(BASE + "/")
    wait(d, lambda: q(d, LAUNCHER), "the widget did not load")
    # The widget remembers an open panel across pages; decide by its state, not by visibility, which the panel's
    # opening animation (opacity from 0) hides for its first frames.
    if q(d, PANEL + "[hidden]"):
        q(d, LAUNCHER)[0].click()
    before = len(q(d, BOT))
    field = wait(d, lambda: q(d, INPUT)[0] if q(d, INPUT)[0].is_displayed() else None, "the widget did not open")
    field.send_keys(text, Keys.ENTER)
    wait(d, lambda: len(q(d, BOT)) > before, "the widget did not answer")
    return q(d, BOT)[-1]


class StaffConsole(unittest.TestCase):
    def setUp(self):
        needs_server()
        self.d = new_driver()
        self.d.set_script_timeout(180)

    def tearDown(self):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(ARTIFACTS / f"staff-{self._testMethodName}.png"))
        self.d.quit()

    def test_1_an_editor_adds_a_misunderstood_message_a_publisher_publishes_and_the_widget_understands(self):
        d = self.d
        # A resident asks through the widget and is not understood; they say the answer did not help.
        reply = widget_ask(d, MESSAGE)
        self.assertIsNone(chat(MESSAGE)["intent"], "the message is understood already: the test proves nothing")
        rating = reply.find_element(By.CSS_SELECTOR, ".neuvo-widget__rate-button[data-helpful='false']")
        rating.click()
        wait(d, lambda: WIDGET["widget.rate.thanks"]["fi"] in text_of(q(d, BOT)[-1])
             or any(WIDGET["widget.rate.thanks"][l] in text_of(q(d, BOT)[-1]) for l in "fi sv en".split()),
             "the rating was not thanked for")

        # An editor finds it among the misunderstood messages and adds it to the right intent, in Finnish.
        sign_in(d, "Eeva Editori", "editor")
        groups = [g for g in d.find_elements(By.CSS_SELECTOR, "#groups section.group")
                  if MESSAGE in text_of(g.find_element(By.TAG_NAME, "h2"))]
        self.assertEqual(len(groups), 1, "the message is not in the misunderstood list")
        group = groups[0]
        self.assertEqual(group.get_attribute("data-lang"), "fi")
        Select(group.find_element(By.TAG_NAME, "select")).select_by_value(INTENT)
        group.find_element(By.CSS_SELECTOR, "button.add").click()
        wait(d, lambda: status_text(d) == s("staff.draft.added"), "the example was not added to the draft")
        self.assertFalse([g for g in d.find_elements(By.CSS_SELECTOR, "#groups section.group h2")
                          if MESSAGE in text_of(g)], "the handled group is still listed")

        # A publisher publishes the draft with the evidence shown.
        sign_in(d, "Pekka Julkaisija", "publisher")
        open_page(d, "/staff/publish")
        self.assertIn(MESSAGE, text_of(d.find_element(By.ID, "draft")))
        d.find_element(By.CSS_SELECTOR, "#publish button[type=submit]").click()
        wait(d, lambda: q(d, "#publish-result .ok"), "publishing did not succeed", timeout=PUBLISH_TIMEOUT)
        done = text_of(q(d, "#publish-result .ok")[0])
        self.assertTrue(re.match(s("staff.publish.done").replace("((version))", r"\d+").replace(".", r"\."), done), done)
        self.assertTrue(q(d, "#publish-result table.figures"), "the evaluation is not shown")

        # The same message through the widget is understood now.
        answer = widget_ask(d, MESSAGE)
        fallback = GENERAL.get("fallback.unknown", {}).get("fi", "")
        self.assertNotEqual(text_of(answer).strip(), fallback)
        self.assertEqual(chat(MESSAGE)["intent"], INTENT)

        # Roll back with the keyboard alone: the catalog is as it was, for the tests after this one.
        sign_in(d, "Pekka Julkaisija", "publisher")
        open_page(d, "/staff/publish")
        label = s("staff.publish.rollback") + ": 1"
        d.find_element(By.TAG_NAME, "body").click()
        tab_to(d, lambda e: e.get_attribute("aria-label") == label)
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: chat(MESSAGE)["intent"] is None, "the rollback did not restore the catalog",
             timeout=PUBLISH_TIMEOUT)

    def test_2_a_change_that_breaks_a_placeholder_is_refused_with_the_problem_named(self):
        d = self.d
        locales = json.loads((ROOT / "locales" / "conversation.json").read_text(encoding="utf-8"))
        key = next(k for k, v in locales.items() if isinstance(v.get("fi"), str) and "((" in v["fi"])
        sign_in(d, "Eeva Editori", "editor,publisher")
        open_page(d, "/staff/translations")
        d.find_element(By.ID, "text-key").send_keys(key)
        Select(d.find_element(By.ID, "text-lang")).select_by_value("fi")
        text = d.find_element(By.ID, "text-value")
        text.send_keys(Keys.CONTROL, "a")
        text.send_keys(Keys.DELETE)
        text.send_keys("Tässä on väärä muuttuja ((wrong))")
        self.assertEqual(text.get_attribute("value"), "Tässä on väärä muuttuja ((wrong))")
        # The problem shows beside the field as it is typed.
        wait(d, lambda: "placeholders" in text_of(d.find_element(By.ID, "text-problems")),
             "the placeholder problem is not shown beside the field")
        d.find_element(By.CSS_SELECTOR, "#edit-text button[type=submit]").click()
        wait(d, lambda: status_text(d) == s("staff.draft.added"), "the change was not added to the draft")
        open_page(d, "/staff/publish")
        d.find_element(By.CSS_SELECTOR, "#publish button[type=submit]").click()
        wait(d, lambda: q(d, "#publish-result .problems"), "publishing was not refused", timeout=PUBLISH_TIMEOUT)
        problems = text_of(q(d, "#publish-result .problems")[0])
        self.assertIn(key, problems)
        self.assertIn("placeholders", problems)
        self.assertIn(s("staff.publish.refused"), text_of(d.find_element(By.ID, "publish-result")))
        # The broken change leaves the draft (with the keyboard), so nothing later publishes it.
        label = s("staff.publish.remove") + ": Tässä on väärä muuttuja ((wrong))"
        d.find_element(By.TAG_NAME, "h1").click()
        tab_to(d, lambda e: e.get_attribute("aria-label") == label)
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: not [b for b in q(d, "#draft button") if b.get_attribute("aria-label") == label],
             "the change was not removed")

    def test_2b_a_notice_text_is_previewed_as_email_and_sms_with_its_encoding(self):
        d = self.d
        sign_in(d, "Eeva Editori", "editor")
        open_page(d, "/staff/translations")
        d.find_element(By.ID, "text-key").send_keys("notice.preschool_place.sms")
        Select(d.find_element(By.ID, "text-lang")).select_by_value("fi")  # the key field's change fills the text
        wait(d, lambda: "GSM-7" in text_of(d.find_element(By.ID, "sms-segments")), "no SMS preview")
        self.assertIn("SAMPLE-LINK", text_of(d.find_element(By.ID, "notice-preview")))
        d.find_element(By.ID, "text-value").send_keys(" 😀")
        wait(d, lambda: "UCS-2" in text_of(d.find_element(By.ID, "sms-segments")),
             "an emoji did not make the preview UCS-2")

    def test_3_every_console_page_and_the_widget_have_no_serious_accessibility_violation(self):
        from selenium_axe_python import Axe
        d = self.d

        def check(where):
            axe = Axe(d)
            axe.inject()
            results = axe.run()
            bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
            self.assertEqual(bad, [], f"{where}: " + Axe.report(bad))

        chat("milloin roskat haetaan tänään")  # so that the misunderstood list has a group to check
        open_page(d, "/staff/signin")
        check("/staff/signin")
        d.get(BASE + "/staff/signin?failed=invite")
        ready(d)
        check("/staff/signin?failed=invite")
        for lang in ("fi", "sv", "en"):
            sign_in(d, "Aino Saavutettava", "editor,publisher", lang=lang)
            for path in ("/staff/", "/staff/intents", "/staff/translations", "/staff/publish"):
                open_page(d, path)
                self.assertEqual(d.find_element(By.TAG_NAME, "html").get_attribute("lang"), lang)
                shown = text_of(d.find_element(By.TAG_NAME, "h1")) + text_of(d.find_element(By.ID, "nav"))
                self.assertNotIn("staff.", shown, f"a text key shows instead of its text on {path}")
                self.assertEqual(text_of(d.find_element(By.TAG_NAME, "h1")), s(PAGES[path], lang))
                # axe on every page in Finnish; the other languages change only texts, checked on the lighter pages.
                if lang == "fi" or path in ("/staff/", "/staff/publish"):
                    check(f"{path} ({lang})")
        widget_ask(d, "hei")
        check("the widget, open, with a reply and its rating")

    def test_4_each_console_task_can_be_done_with_the_keyboard_alone(self):
        d = self.d
        chat("milloin roskat haetaan illalla")
        sign_in(d, "Kalle Näppäimistö", "editor,publisher")
        open_page(d, "/staff/")
        # The skip link comes first: it takes the focus to the main content.
        ActionChains(d).send_keys(Keys.TAB).perform()
        self.assertEqual(active(d).get_attribute("class"), "skip")
        ActionChains(d).send_keys(Keys.ENTER).perform()
        self.assertEqual(active(d).get_attribute("id"), "main")

        # Misunderstood messages: dismiss a group.
        before = len(q(d, "#groups section.group"))
        tab_to(d, lambda e: "dismiss" in (e.get_attribute("class") or ""))
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: len(q(d, "#groups section.group")) == before - 1, "the group was not dismissed")

        # Intents: add an example.
        open_page(d, "/staff/intents")
        tab_to(d, lambda e: e.get_attribute("name") == "intent")
        ActionChains(d).send_keys("greeting").perform()
        tab_to(d, lambda e: e.get_attribute("id") == "example-text")
        ActionChains(d).send_keys("moikkelis koikkelis", Keys.ENTER).perform()
        wait(d, lambda: status_text(d) == s("staff.draft.added"), "the example was not added")

        # Intents: move an example to another intent (the same form changes its wording).
        greeting = json.loads((ROOT / "intents" / "greeting.json").read_text(encoding="utf-8"))["examples"]["fi"][0]
        in_change_form = ("./ancestor::form[@id='change-example']")
        tab_to(d, lambda e: e.get_attribute("name") == "intent" and e.find_elements(By.XPATH, in_change_form))
        ActionChains(d).send_keys("greeting").perform()
        tab_to(d, lambda e: e.get_attribute("id") == "change-text")
        ActionChains(d).send_keys(greeting).perform()
        tab_to(d, lambda e: e.get_attribute("id") == "change-move-to")
        ActionChains(d).send_keys("thanks").perform()
        self.assertEqual(Select(d.find_element(By.ID, "change-move-to")).first_selected_option.get_attribute("value"),
                         "thanks")
        tab_to(d, lambda e: e.get_attribute("type") == "submit" and e.find_element(By.XPATH, "./ancestor::form")
               .get_attribute("id") == "change-example")
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: status_text(d) == s("staff.draft.added") and not d.find_element(By.ID, "change-text")
             .get_attribute("value"), "the move was not added")

        # Translations: change a text (the edit button fills the form and moves the focus to the text).
        open_page(d, "/staff/translations")
        tab_to(d, lambda e: (e.get_attribute("aria-label") or "").startswith(s("staff.translations.edit_title") + ": "))
        ActionChains(d).send_keys(Keys.ENTER).perform()
        self.assertEqual(active(d).get_attribute("id"), "text-value")
        ActionChains(d).send_keys(Keys.END, " ").perform()
        tab_to(d, lambda e: e.get_attribute("type") == "submit" and e.text == s("staff.draft.add"))
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: status_text(d) == s("staff.draft.added"), "the text change was not added")

        # Publishing: the draft's changes are removed one by one with Enter, and the language changes from the keyboard.
        open_page(d, "/staff/publish")
        for _ in range(4):  # the example, the move (taken out of one intent, added to another), the text
            count = len(q(d, "#draft tr"))
            tab_to(d, lambda e: (e.get_attribute("aria-label") or "").startswith(s("staff.publish.remove") + ": "))
            ActionChains(d).send_keys(Keys.ENTER).perform()
            wait(d, lambda: len(q(d, "#draft tr")) == count - 1, "the draft change was not removed")
        tab_to(d, lambda e: e.get_attribute("id") == "ui-lang", backwards=True)
        ActionChains(d).send_keys("s").perform()  # svenska
        wait(d, lambda: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv", "the language did not change")
        tab_to(d, lambda e: e.get_attribute("id") == "signout")
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: urlparse(d.current_url).path == "/staff/signin", "signing out did not lead to sign-in")


if __name__ == "__main__":
    unittest.main()
