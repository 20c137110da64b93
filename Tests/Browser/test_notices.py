#!/usr/bin/env python3
"""The notices desk (/staff/notices) in a real headless Chromium, against a running `neuvo serve` whose SMS channel
posts to NEUVO_TEST_SMS_PORT (NEUVO_SMS_WEBHOOK_URL, signed with NEUVO_SMS_WEBHOOK_SECRET) and whose dispatcher
retries quickly (NEUVO_DISPATCH_RETRY_BASE_SECONDS=0.01 in .ci/serve-tests.sh), so a notice dies in seconds.

    .ci/serve-tests.sh runs it; alone: the same variables as test_staff.py plus the two above.

The SMS provider is the project's verifying Standard Webhooks receiver (the drills' counting_receiver.py, which
logs every request): first one that fails every request with 500 until the dispatcher gives up (a dead letter),
then a healthy one on the same port (the fix). An operator retries the dead letter from the desk with the keyboard
alone, and the healthy receiver gets it exactly once, under the notice's own id (webhook-id).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from test_staff import NEUVO_BIN, STAFF, active, needs_server, open_page, ready, s, sign_in, status_text, tab_to
from test_widget import ARTIFACTS, ROOT, new_driver, q, text_of, wait

SMS_PORT = os.environ.get("NEUVO_TEST_SMS_PORT", "")
SMS_SECRET = os.environ.get("NEUVO_SMS_WEBHOOK_SECRET", "")
RECEIVER = ROOT / "benchmarks" / "drills" / "counting_receiver.py"
# The dispatcher gives up after 10 attempts; with the CI's 0.01 s base the backoff adds up to a few seconds.
DEAD_TIMEOUT = float(os.environ.get("NEUVO_TEST_DEAD_TIMEOUT", "60"))


def needs_provider():
    needs_server()
    if not SMS_PORT or not SMS_SECRET:
        message = "set NEUVO_TEST_SMS_PORT and NEUVO_SMS_WEBHOOK_SECRET (the server's SMS webhook) to test the desk"
        if os.environ.get("CI") == "true":
            raise AssertionError(message)
        raise unittest.SkipTest(message)


def neuvo(*args):
    return subprocess.run([NEUVO_BIN, *args], check=True, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL).stdout


def until(condition, message, timeout):
    """Polls `condition` until it returns something true; fails with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message)


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", int(port)), 0.2).close()
        return True
    except OSError:
        return False


class Receiver:
    """counting_receiver.py on the server's SMS port: `fail_500` "1/1" fails every request."""

    def __init__(self, folder, name, fail_500="0"):
        self.accepted = Path(folder) / (name + ".jsonl")
        self.requests = Path(folder) / (name + "-requests.jsonl")
        self.process = subprocess.Popen(
            [sys.executable, str(RECEIVER), "--requests-log", str(self.requests), "--port", SMS_PORT,
             "--secret", SMS_SECRET, "--log", str(self.accepted), "--fail-500", fail_500],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until(lambda: listening(SMS_PORT), "the webhook receiver did not start", 15)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        until(lambda: not listening(SMS_PORT), "the webhook receiver did not stop", 10)

    @staticmethod
    def _ids(path, key):
        if not path.exists():
            return []
        return [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def requested(self, notice):
        return self._ids(self.requests, "id").count(notice)

    def accepted_ids(self, notice):
        return self._ids(self.accepted, "webhook_id").count(notice)


def notice_of(resident):
    lines = neuvo("notices", "list", "--resident", resident, "--json").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def queue_sms(resident):
    """A resident on SMS and an offered preschool place: one SMS notice, returned by id."""
    with tempfile.TemporaryDirectory() as folder:
        residents = Path(folder) / "residents.jsonl"
        residents.write_text(json.dumps({
            "id": resident, "name": "Desk Testi", "lang": "sv", "phone": "+358401112233",
            "channel": "sms", "consent": {"sms": True}, "quiet_hours": "none"}) + "\n", encoding="utf-8")
        neuvo("residents", "import", str(residents))
    neuvo("arrange", "--resident", resident, "--kind", "preschool_place", "--detail", "unit=Kallion ala-aste",
          "--detail", "start_date=2027-08-01", "--detail", "accept_by=2027-03-15", "--idempotency-key",
          "desk-" + resident)
    notices = until(lambda: notice_of(resident), "no notice was queued", 15)
    return notices[0]["id"]


def status_of(resident):
    notices = notice_of(resident)
    return notices[0]["status"] if notices else None


class NoticesDesk(unittest.TestCase):
    def setUp(self):
        needs_provider()
        self.d = new_driver()
        self.folder = tempfile.mkdtemp(prefix="neuvo-desk-")
        self.receiver = None

    def tearDown(self):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(ARTIFACTS / f"notices-{self._testMethodName}.png"))
        self.d.quit()
        if self.receiver:
            self.receiver.stop()

    def dead_letter(self, resident):
        """A notice the failing provider refused until the dispatcher gave up."""
        self.receiver = Receiver(self.folder, "failing", fail_500="1/1")
        notice = queue_sms(resident)
        until(lambda: status_of(resident) == "dead", "the notice did not become dead", DEAD_TIMEOUT)
        self.assertGreaterEqual(self.receiver.requested(notice), 2, "the failing provider was not tried")
        self.assertEqual(self.receiver.accepted_ids(notice), 0)
        self.receiver.stop()
        self.receiver = None
        return notice

    def test_1_an_operator_retries_a_dead_letter_with_the_keyboard_and_the_provider_gets_it_once(self):
        d = self.d
        resident = "DESK%d" % int(time.time() * 1000)
        notice = self.dead_letter(resident)
        # The fix: the provider answers again, on the same address.
        self.receiver = Receiver(self.folder, "recovered")

        sign_in(d, "Olli Operaattori", "operator")
        open_page(d, "/staff/notices")
        self.assertEqual(text_of(d.find_element(By.TAG_NAME, "h1")), s("staff.nav.notices"))
        row = f'tr[data-notice="{notice}"]'
        wait(d, lambda: q(d, row), "the dead letter is not on the desk")
        self.assertIn(s("staff.notices.status.dead"), text_of(q(d, row)[0]))
        self.assertNotIn("+358401112233", d.page_source, "a resident's number is on the desk")

        # Keyboard only: from the top of the page, Tab to this notice's retry button and press Enter.
        d.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        label = s("staff.notices.retry") + ": " + notice
        button = tab_to(d, lambda e: e.get_attribute("aria-label") == label)
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: s("staff.notices.retried").replace("((id))", notice) in status_text(d),
             "the desk did not say the notice is queued again")
        self.assertEqual(active(d).get_attribute("id"), "dead-title", "the focus was lost after the retry")
        self.assertIsNotNone(button)
        self.assertFalse(q(d, row), "the retried notice is still among the dead letters")
        version = d.find_element(By.ID, "notices-updated").get_attribute("data-version")

        until(lambda: status_of(resident) == "sent", "the retried notice was not sent", 30)
        self.assertEqual(self.receiver.requested(notice), 1, "the recovered provider was asked more than once")
        self.assertEqual(self.receiver.accepted_ids(notice), 1, "the provider did not get it exactly once")
        # The desk moves by itself: the send shows without a reload.
        wait(d, lambda: d.find_element(By.ID, "notices-updated").get_attribute("data-version") != version,
             "the desk did not update itself after the send", timeout=15)

        # Its trail on one page: the attempts with the provider's answers, the retry by the operator, the send.
        open_page(d, "/staff/notices/" + notice)
        trail = text_of(d.find_element(By.ID, "notice-trail"))
        self.assertIn("retried by operator Olli Operaattori", trail)
        self.assertIn("accepted by provider", trail)
        self.assertIn("500", trail)
        self.assertNotIn("+358401112233", d.page_source)
        # The resident's details only for a stated reason, also with the keyboard alone.
        field = tab_to(d, lambda e: e.get_attribute("id") == "resident-reason")
        field.send_keys("Asukas soitti neuvontaan, yhteydenotto 2026-118")
        ActionChains(d).send_keys(Keys.TAB).perform()
        ActionChains(d).send_keys(Keys.ENTER).perform()
        wait(d, lambda: "+358401112233" in text_of(d.find_element(By.ID, "resident-details")),
             "the resident's details did not appear")
        audit = d.execute_script(
            "return fetch('/staff/api/audit', {credentials: 'same-origin'}).then(r => r.json())")
        actions = [(e["action"], e["status"]) for e in audit["entries"]]
        self.assertIn((f"POST /staff/api/notices/{notice}/retry", 200), actions)
        looked = [e for e in audit["entries"] if e["action"] == f"POST /staff/api/notices/{notice}/resident"]
        self.assertTrue(looked and "2026-118" in looked[0]["detail"], "the look at the resident was not audited")

    def test_2_the_desk_pages_have_no_serious_accessibility_violation(self):
        from selenium_axe_python import Axe
        d = self.d
        resident = "DESKAXE%d" % int(time.time() * 1000)
        notice = self.dead_letter(resident)

        def check(where):
            axe = Axe(d)
            axe.inject()
            results = axe.run()
            bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
            self.assertEqual(bad, [], f"{where}: " + Axe.report(bad))

        sign_in(d, "Olli Operaattori", "operator")
        for lang in ("fi", "sv", "en"):
            d.execute_script("localStorage.setItem('neuvo.staff.lang', arguments[0])", lang)
            open_page(d, "/staff/notices")
            wait(d, lambda: q(d, f'tr[data-notice="{notice}"]'), "the dead letter is not on the desk")
            self.assertEqual(d.find_element(By.TAG_NAME, "html").get_attribute("lang"), lang)
            self.assertEqual(text_of(d.find_element(By.TAG_NAME, "h1")), STAFF["staff.nav.notices"][lang])
            if lang == "fi":
                # Messages by status: the dead letter is found, with a link to its trail.
                Select(d.find_element(By.ID, "find-status")).select_by_value("dead")
                Select(d.find_element(By.ID, "find-channel")).select_by_value("sms")
                d.find_element(By.CSS_SELECTOR, "#notice-search button[type=submit]").click()
                wait(d, lambda: q(d, f'#search-results a[href="/staff/notices/{notice}"]'),
                     "searching for dead SMS messages did not find the dead letter")
            check(f"/staff/notices ({lang})")
            open_page(d, "/staff/notices/" + notice)
            check(f"/staff/notices/{{id}} ({lang})")
        # Someone without the operator role sees why the desk is empty, not an error.
        d.delete_all_cookies()
        sign_in(d, "Eeva Editori", "editor")
        open_page(d, "/staff/notices")
        wait(d, lambda: s("staff.notices.operator_only") in text_of(d.find_element(By.ID, "main")),
             "the desk did not say it is for operators")


if __name__ == "__main__":
    unittest.main()
