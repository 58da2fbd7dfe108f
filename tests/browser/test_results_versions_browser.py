"""The verifiable-results issue's "done when", in a real browser on the demo
contest: an organiser finalises and publishes a round; disqualifies a winner;
publishes version 2; the public page shows version 2 and the history; the
withdrawn certificate says so; the verifier (tools/verify_result.py, standard
library only) matches the bundle downloaded from the public page.

Runs in English (the browser asks for it); the flow is the same in Vietnamese.
"""

import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.test_awards_browser import AN, BINH, DEMO_TITLE, ORGANISER, log_in, winner_row

sys.path.insert(0, str(Path(settings.BASE_DIR) / "tools"))
import verify_result

pytestmark = pytest.mark.browser

ROUND = "Tuần kiểm tra"
# A closed round of its own (three weeks before week 1, which another browser
# test finalises on the same site), with week 1's entries: CBCCVC An 20/20 with
# the exact prediction, Bình 20/20 one off; Người dân Dân alone.
SEED = """
from datetime import timedelta
from accounts.models import User
from contests.models import Contest, Round
from contests.setup import demo
from tests.contests.results.conftest import entry
contest = Contest.objects.get(slug=demo.SLUG)
week1 = contest.rounds.get(number=1)
check = Round.objects.get(pk=week1.pk)
check.pk = None
check.number, check.title = 9, "ROUND_TITLE"
check.opens_at, check.closes_at = week1.opens_at - timedelta(days=21), week1.closes_at - timedelta(days=21)
check.save()
check.blocks.set(week1.blocks.all())
blocks = {b.code: b for b in contest.blocks.all()}
person = lambda name: User.objects.get(email=name + "@demo.thitimhieu.vn")
t = check.opens_at + timedelta(days=2)
entry(check, person("congchuc1"), prediction=2, duration_ms=500_000, finished_at=t, block=blocks["cbccvc"])
entry(check, person("congchuc2"), prediction=3, duration_ms=400_000, finished_at=t, block=blocks["cbccvc"])
entry(check, person("nguoidan"), correct=18, prediction=1, finished_at=t, block=blocks["nguoi-dan"])
""".replace("ROUND_TITLE", ROUND)

# Pages finalise and publish a whole round: on a loaded two-core machine a
# click can take longer than Playwright's default 5 s.
expect.set_options(timeout=20_000)


def test_a_correction_is_a_new_public_version_that_anyone_can_check(browser, site, tmp_path):
    site.manage("shell", "-c", SEED)
    desktop = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US", "base_url": site.url}
    organiser = browser.new_context(**desktop)
    public = browser.new_context(**desktop)
    try:
        page = organiser.new_page()
        log_in(page, ORGANISER)
        page.goto("/contests/organize/")
        page.get_by_role("link", name=DEMO_TITLE).click()
        page.get_by_role("link", name="Results and prizes").click()
        page.locator("table tbody tr", has_text=ROUND).get_by_role("link", name=ROUND).click()
        page.get_by_role("button", name="Finalise the round").click()
        expect(winner_row(page, AN)).to_contain_text("Giải Nhất")
        page.get_by_role("button", name="Publish the winners").click()
        expect(page.locator("h1")).to_have_text(f"Winners: {ROUND}")
        expect(page.locator(".org-meta")).to_contain_text("Version 1")
        winners_url = urlparse(page.url).path
        page.get_by_role("link", name="Back to the organiser's results page").click()
        certificate = winner_row(page, AN).locator("code").first.inner_text()

        # The organiser disqualifies the winner An, then publishes version 2.
        page.get_by_label("Name, e-mail or user id").fill(AN)
        page.get_by_role("button", name="Search").click()
        found = page.locator("ul.found li", has_text=AN)
        found.get_by_label("Reason for disqualification").fill("Khai sai số CCCD")
        found.get_by_role("button", name="Disqualify this entry").click()
        expect(page.locator(".messages")).to_contain_text("version 2 of the results is computed")
        expect(winner_row(page, BINH)).to_contain_text("Giải Nhất")
        page.get_by_role("button", name="Publish the winners").click()
        expect(page.locator(".org-meta")).to_contain_text("Version 2")

        # Anyone: the public page is version 2, with what changed and every version.
        visitor = public.new_page()
        visitor.goto(winners_url)
        expect(visitor.locator(".org-meta")).to_contain_text("Version 2")
        expect(visitor.locator("#changes-h")).to_have_text("What version 2 changed")
        expect(visitor.locator("ul.changes")).to_contain_text("Khai sai số CCCD")
        expect(winner_row(visitor, BINH)).to_contain_text("Giải Nhất")
        expect(winner_row(visitor, AN)).to_have_count(0)
        history = visitor.locator("#history-h + ul li")
        expect(history).to_have_count(2)
        shown = visitor.locator("code.hash").first.inner_text()
        assert re.fullmatch(r"[0-9a-f]{64}", shown)

        # Version 1 stays public and says it is not the current one.
        visitor.get_by_role("link", name=re.compile(r"^Version 1 ")).click()
        expect(visitor.locator(".notice")).to_contain_text("This is an earlier version")
        expect(winner_row(visitor, AN)).to_contain_text("Giải Nhất")
        visitor.goto(winners_url)

        # The bundle downloaded from the page is what the page's hash covers, and it checks out.
        with visitor.expect_download() as info:
            visitor.get_by_role("link", name="Download results.json").click()
        path = tmp_path / "results.json"
        info.value.save_as(path)
        assert verify_result.verify(path.read_bytes(), shown) == shown
        assert verify_result.main(["verify_result.py", str(path), shown]) == 0

        # An's certificate verifies as withdrawn, with the version and the reason.
        visitor.goto(f"/contests/results/certificates/{certificate}/")
        alert = visitor.locator("[role=alert]")
        expect(alert).to_contain_text("withdrawn in version 2")
        expect(alert).to_contain_text("Khai sai số CCCD")
    finally:
        organiser.close()
        public.close()
