"""The quiz page after a reload sends its queued answers and asks the server
for the saved ones at the same time. When the server's answer was read before
the queued save landed, the page must keep its own (newer) answer.

The order is forced with Playwright routes: the save is held until the read
has been answered by the server, then the save goes through, then the old
read reaches the page."""

import json
import re

import pytest

from tests.browser.test_quiz_browser import checked, log_in, ready, stored
from tests.multiprocess import CITIZEN, PASSWORD

pytestmark = pytest.mark.browser


def test_a_server_read_older_than_the_pages_own_save_does_not_undo_it(phone, site):
    site.manage("shell", "-c", CITIZEN.format(email="dongbo@example.vn", cccd="052090333444"))
    log_in(phone, "dongbo@example.vn", PASSWORD)
    rounds = phone.request.get("/api/rounds/open/").json()["rounds"]
    round_info = next(r for r in rounds if not r["is_practice"] and r["can_enter"])
    csrf = next(c["value"] for c in phone.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": csrf, "Content-Type": "application/json", "Referer": site.url + "/"}
    attempt = phone.request.post(f"/api/rounds/{round_info['id']}/start/", headers=headers, data="{}").json()
    attempt_id, first = attempt["attempt_id"], attempt["questions"][0]
    position, token = first["position"], first["options"][0]["id"]
    phone.goto(f"/contests/attempts/{attempt_id}/")
    ready(phone)
    assert not checked(phone, position)

    held = {}

    def hold_save(route):
        held["save"] = route

    def hold_read(route):
        held["old_answers"] = route.fetch()  # the server has not seen the save yet
        held["read"] = route

    phone.route(re.compile(rf"/api/attempts/{attempt_id}/answers/\d+/$"), hold_save)
    phone.route(re.compile(rf"/api/attempts/{attempt_id}/$"), hold_read)
    # An answer queued on this device (as when the connection had dropped).
    phone.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [f"ttt-quiz-{attempt_id}", json.dumps({str(position): [token]})],
    )
    phone.reload(wait_until="domcontentloaded")
    phone.wait_for_function("document.querySelector('#quiz-form.is-enhanced') !== null")
    for _ in range(200):  # the two requests are intercepted as the page starts
        if "save" in held and "read" in held:
            break
        phone.wait_for_timeout(25)
    assert "save" in held and "read" in held, held
    assert json.loads(held["old_answers"].text())["answers"].get(str(position)) in (None, [])

    held["save"].continue_()
    # Acknowledged (the question may be off screen: one at a time).
    phone.wait_for_selector(f"#q-status-{position}[data-state=saved]", state="attached")
    held["read"].fulfill(response=held["old_answers"])
    ready(phone)

    assert checked(phone, position)
    assert stored(site, attempt_id)[:2] == ["in_progress", "1"]
