"""The quiz page after a reload sends its queued answers and asks the server
for the saved ones at the same time. When the server's answer was read before
the queued save landed, the page must keep its own (newer) answer.

The order is forced with Playwright routes: the save is held until the read
has been answered by the server, then the save goes through, then the old
read reaches the page.

Then the round is made to end sooner than the attempt's own deadline (as an
organiser closing it early does): the next save's answer carries the new
end, and the countdown follows it."""

import json
import re

import pytest

from tests.browser.test_quiz_browser import checked, choose, log_in, ready, seconds_left, stored
from tests.multiprocess import CITIZEN, PASSWORD

pytestmark = pytest.mark.browser


def test_the_page_keeps_its_newer_answer_and_follows_an_earlier_end(phone, site):
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
    phone.wait_for_function("() => document.querySelector('#quiz-form.is-enhanced') !== null")
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
    phone.unroute_all()

    # The round is made to close in 90 s (as if an organiser ended it early):
    # the next save's answer carries the new end and the countdown follows.
    move = (
        "from datetime import timedelta; from django.utils import timezone; from contests.models import Round;"
        "r = Round.objects.get(pk={pk}); print(r.closes_at.isoformat());"
        "Round.objects.filter(pk={pk}).update(closes_at={closes})"
    )
    before = site.manage(
        "shell",
        "-v",
        "0",
        "-c",
        move.format(pk=round_info["id"], closes="timezone.now() + timedelta(seconds=90)"),
    ).stdout.split()[-1]
    try:
        assert seconds_left(phone) > 120
        choose(phone, position, option=1)
        phone.wait_for_function(
            "() => { const [m, s] = document.querySelector('#quiz-timer').textContent.split(':');"
            " return +m * 60 + +s <= 90; }"
        )
        assert 60 <= seconds_left(phone) <= 90
    finally:
        restore = f"timezone.datetime.fromisoformat('{before}')"
        site.manage("shell", "-v", "0", "-c", move.format(pk=round_info["id"], closes=restore))
