"""A board open in one browser window updates when a participant submits in another."""

import json
import re

import pytest

from tests.multiprocess import CITIZEN

pytestmark = pytest.mark.browser


def test_a_second_windows_board_updates_when_the_first_submits(browser, site):
    site.manage("shell", "-c", CITIZEN.format(email="xem@example.vn", cccd="052090111222"))
    participant = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="vi-VN", base_url=site.url
    )
    viewer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN", base_url=site.url)
    try:
        player = participant.new_page()
        player.goto("/accounts/login/")
        player.fill("input[name=login]", "xem@example.vn")
        player.fill("input[name=password]", "Mat-khau-2-tien-trinh")
        player.click("form[action='/accounts/login/'] button[type=submit]")
        player.wait_for_url(re.compile(r"/me/$"))
        rounds = player.request.get("/api/rounds/open/").json()["rounds"]
        round_info = next(r for r in rounds if not r["is_practice"] and r["can_enter"])

        board = viewer.new_page()
        board.goto(f"/contests/boards/rounds/{round_info['id']}/")
        board.click("nav.board-tabs >> text=Người dân")
        board.wait_for_selector("section.board[data-connection=live]")
        # The socket opens before its first snapshot is drawn: wait for the count.
        board.wait_for_function("() => document.querySelector('[data-participants]').textContent !== ''")
        before = board.inner_text("[data-participants]")

        csrf = next(c["value"] for c in participant.cookies() if c["name"] == "csrftoken")
        headers = {"X-CSRFToken": csrf, "Content-Type": "application/json", "Referer": site.url + "/"}
        attempt = player.request.post(
            f"/api/rounds/{round_info['id']}/start/", headers=headers, data="{}"
        ).json()
        first = attempt["questions"][0]
        player.request.put(
            f"/api/attempts/{attempt['attempt_id']}/answers/{first['position']}/",
            headers=headers,
            data=json.dumps({"choices": [first["options"][0]["id"]]}),
        )
        result = player.request.post(
            f"/api/attempts/{attempt['attempt_id']}/submit/",
            headers=headers,
            data=json.dumps({"prediction": 50}),
        )
        assert result.ok, result.text()

        # No reload: the open board changes by itself (over its WebSocket).
        board.wait_for_function(
            "before => document.querySelector('[data-participants]').textContent !== before",
            arg=before,
            timeout=10_000,
        )
        assert "Hai T. T." in board.inner_text("[data-rows]")
    finally:
        participant.close()
        viewer.close()
