"""A citizen takes the demo contest's open round on a phone: answers half,
reloads, survives a killed server and a dropped connection, submits with a
prediction and sees the result. Runs in Vietnamese; selectors are ids."""

import json
import re
import signal

import pytest

pytestmark = pytest.mark.browser

CITIZEN = "nguoidan@demo.thitimhieu.vn"
DEMO_TITLE = "Cuộc thi tìm hiểu về cải cách hành chính tỉnh Bình Định năm 2021"


def log_in(page, email, password="ThiTimHieu@2021"):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/me/$"))


def ready(page):
    """The quiz script has run and checked the answers with the server."""
    page.wait_for_selector("#quiz-form[data-synced]", state="attached")


def seconds_left(page):
    minutes, seconds = page.inner_text("#quiz-timer").split(":")
    return int(minutes) * 60 + int(seconds)


def choose(page, position, option=0):
    page.click(f"#nav-{position}")
    page.locator(f"#q-{position} label.option").nth(option).click()


def wait_saved(page, position):
    page.wait_for_selector(f"#q-status-{position}[data-state=saved]", timeout=45_000)


def checked(page, position):
    return page.locator(f"#q-{position} input:checked").count() == 1


def queued(page, attempt_id):
    raw = page.evaluate(f"localStorage.getItem('ttt-quiz-{attempt_id}')")
    return set(json.loads(raw)) if raw else set()


def stored(site, attempt_id):
    code = (
        "from contests.models import Attempt, AttemptQuestion as Q;"
        f"a = Attempt.objects.get(pk={attempt_id});"
        f"print(a.status, Q.objects.filter(attempt=a, answered_at__isnull=False).count(), a.prediction)"
    )
    return site.manage("shell", "-v", "0", "-c", code).stdout.strip().splitlines()[-1].split()


def test_a_citizen_takes_the_round_through_a_reload_a_killed_server_and_a_dropped_connection(phone, site):
    log_in(phone, CITIZEN)
    phone.goto("/contests/")
    phone.click(f"text={DEMO_TITLE}")
    phone.locator("li.round-card:has(.state-open):not(:has(.state-practice)) a.button").first.click()
    phone.click("#start-button")
    phone.wait_for_url(re.compile(r"/contests/attempts/\d+/$"))
    ready(phone)
    attempt_id = int(re.search(r"/attempts/(\d+)/", phone.url).group(1))
    assert phone.get_attribute("#quiz-timer", "role") == "timer"
    assert phone.locator(".question:visible").count() == 1  # one question at a time
    total = phone.locator(".question").count()
    assert total == 20

    # Answer half; each answer is saved as it is chosen.
    for position in range(1, 11):
        choose(phone, position, option=position % 2)  # every question has at least 2 options
        wait_saved(phone, position)
    assert stored(site, attempt_id)[:2] == ["in_progress", "10"]
    before = seconds_left(phone)
    assert 0 < before < 20 * 60

    # Reload: every saved answer and the same remaining time come back.
    phone.reload()
    ready(phone)
    assert all(checked(phone, p) for p in range(1, 11)) and not checked(phone, 11)
    after = seconds_left(phone)
    assert -1 <= before - after <= 30, (before, after)
    assert phone.locator("#nav-10.is-answered").count() == 1

    # The server process is killed and restarted: nothing saved is lost.
    site.restart()
    assert all(checked(phone, p) for p in range(1, 11))
    choose(phone, 11)
    wait_saved(phone, 11)
    phone.reload()
    ready(phone)
    assert all(checked(phone, p) for p in range(1, 12))

    # The connection drops: answers queue on the device, with a banner.
    site.stop(signal.SIGKILL)
    for position in (12, 13, 14):
        choose(phone, position)
    phone.wait_for_selector("#offline-banner:not([hidden])")
    assert queued(phone, attempt_id) == {"12", "13", "14"}
    site.start()
    phone.reload()  # the queue survives a reload and is sent when the server is back
    ready(phone)
    unchecked = [p for p in range(1, 15) if not checked(phone, p)]
    assert not unchecked, (unchecked, queued(phone, attempt_id), stored(site, attempt_id))
    phone.wait_for_function(f"() => localStorage.getItem('ttt-quiz-{attempt_id}') === null", timeout=45_000)
    assert phone.is_hidden("#offline-banner")
    assert stored(site, attempt_id)[:2] == ["in_progress", "14"]

    for position in range(15, 21):
        choose(phone, position)
        wait_saved(phone, position)

    # Submit with the prediction; the confirmation lists nothing unanswered.
    phone.fill("#prediction", "1 234")
    phone.click("#submit-open")
    assert phone.is_visible("#submit-dialog")
    assert not re.search(r"\d", phone.inner_text("#submit-unanswered"))
    phone.click("#submit-confirm")
    phone.wait_for_url(re.compile(rf"/contests/attempts/{attempt_id}/result/$"))
    assert re.fullmatch(r"\d+/20", phone.inner_text("#result-correct").strip())
    assert phone.inner_text("#result-score").strip().endswith("%")
    assert re.fullmatch(r"\d+:\d\d", phone.inner_text("#result-duration").split("\n")[0].strip())
    assert re.match(r"\d+", phone.inner_text("#result-rank").strip())
    assert phone.inner_text("#result-prediction").strip() == "1234"
    assert stored(site, attempt_id) == ["submitted", "20", "1234.0000"]
