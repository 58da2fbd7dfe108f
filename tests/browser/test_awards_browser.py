"""Issue #6's "done when", in a real browser on the demo contest: the organiser
finalises a closed round, reads each winner's trace, publishes, downloads the
Excel and PDF reports and a certificate; a stranger verifies the certificate
by the address its QR code holds, and a forged code is rejected. A participant
who opens the organiser's results page is refused and nothing changes.

Runs in Vietnamese (the default); assertions use the Vietnamese texts.

The round is week 1, which the demo places last week, so it has closed by its
calendar: the site has no "close this round now" action, and moving the open
week's closing time would close the round the other browser tests play in.
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect

from contests.results import certificates

pytestmark = pytest.mark.browser

PASSWORD = "ThiTimHieu@2021"
ORGANISER = "tochuc@demo.thitimhieu.vn"
DEMO_TITLE = "Cuộc thi tìm hiểu về cải cách hành chính tỉnh Bình Định năm 2021"
AN, BINH, DAN = "Lê Minh An", "Phạm Thị Bình", "Võ Thị Dân"

# Week 1's entries, as the attempt engine leaves them. CBCCVC: both 20/20, two
# participants in the block, so An's prediction (2) is exact and Bình's (3) is
# one off; Người dân: Dân alone.
SEED = """
from datetime import timedelta
from accounts.models import User
from contests.setup import demo
from contests.models import Contest
from tests.contests.results.conftest import entry
contest = Contest.objects.get(slug=demo.SLUG)
week1 = contest.rounds.get(number=1)
blocks = {b.code: b for b in contest.blocks.all()}
person = lambda name: User.objects.get(email=name + "@demo.thitimhieu.vn")
t = week1.opens_at + timedelta(days=2)
entry(week1, person("congchuc1"), prediction=2, duration_ms=500_000, finished_at=t, block=blocks["cbccvc"])
entry(week1, person("congchuc2"), prediction=3, duration_ms=400_000, finished_at=t, block=blocks["cbccvc"])
entry(week1, person("nguoidan"), correct=18, prediction=1, finished_at=t, block=blocks["nguoi-dan"])
"""


def log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/me/$"))


def download(page, link):
    with page.expect_download() as info:
        link.click()
    return info.value


def winner_row(page, name):
    return page.locator("table.winners tbody tr", has_text=name)


def test_an_organiser_finalises_publishes_and_a_stranger_verifies_a_certificate(browser, site, tmp_path):
    site.manage("shell", "-c", SEED)
    desktop = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN", "base_url": site.url}
    organiser = browser.new_context(**desktop)
    participant = browser.new_context(**desktop)
    stranger = browser.new_context(**desktop)
    try:
        page = organiser.new_page()
        log_in(page, ORGANISER)
        page.get_by_role("link", name="Tổ chức thi").click()
        page.get_by_role("link", name=DEMO_TITLE).click()
        page.wait_for_url(re.compile(r"/contests/organize/\d+/$"))
        page.get_by_role("link", name="Kết quả và giải thưởng").click()
        page.wait_for_url(re.compile(r"/contests/results/\d+/$"))
        week1 = page.locator("table tbody tr", has_text="Tuần 1")
        expect(week1).to_contain_text("đã kết thúc, chưa chốt kết quả")
        week1.get_by_role("link", name="Tuần 1").click()
        expect(page.locator("h1")).to_have_text("Kết quả: Tuần 1")
        results_url = page.url

        # A participant who reaches the page is refused, and cannot finalise either.
        other = participant.new_page()
        log_in(other, "congchuc1@demo.thitimhieu.vn")
        assert other.goto(results_url).status == 403
        csrf = next(c["value"] for c in participant.cookies() if c["name"] == "csrftoken")
        refused = other.request.post(
            results_url + "finalise/", headers={"X-CSRFToken": csrf, "Referer": results_url}
        )
        assert refused.status == 403 and "CSRF" not in refused.text()

        page.reload()  # the participant's request changed nothing: the round still waits
        finalise = page.get_by_role("button", name="Chốt kết quả đợt thi")
        expect(page.locator("#fin-h")).to_be_visible()
        finalise.click()
        expect(page.locator(".messages")).to_contain_text("Đã chốt kết quả đợt thi: 3 thứ hạng")
        expect(page.locator("#prop-h")).to_have_text("Danh sách dự kiến đạt giải")
        expect(winner_row(page, AN)).to_contain_text("Giải Nhất")
        expect(winner_row(page, BINH)).to_contain_text("Giải Nhì")
        expect(winner_row(page, DAN)).to_contain_text("Giải Nhất")
        for name, prediction in (
            (AN, "2 (thực tế 2, chênh lệch 0"),
            (BINH, "3 (thực tế 2, chênh lệch 1"),
            (DAN, "1 (thực tế 1, chênh lệch 0"),
        ):
            trace = winner_row(page, name).locator("details.trace")
            expect(trace.locator("dl")).to_be_hidden()
            trace.get_by_text("Căn cứ xếp hạng").click()
            expect(trace.locator("dl")).to_be_visible()
            expect(trace).to_contain_text("Số câu trả lời đúng")
            expect(trace).to_contain_text("Chênh lệch dự đoán")
            expect(trace).to_contain_text(prediction)

        page.get_by_role("textbox", name="Ghi chú").fill("QĐ số 12/QĐ-BTC")
        page.get_by_role("button", name="Công bố kết quả đạt giải").click()
        expect(page.locator(".messages")).to_contain_text(
            "Đã công bố kết quả và gửi thư cho người đạt giải (3 giải)"
        )
        expect(page.locator("h1")).to_have_text("Danh sách đạt giải: Tuần 1")
        page.get_by_role("link", name="Quay lại trang kết quả của Ban Tổ chức").click()
        expect(page.locator("#prop-h")).to_have_text("Danh sách đạt giải (đã công bố)")

        xlsx = download(page, page.get_by_role("link", name="Danh sách đạt giải (.xlsx)"))
        assert xlsx.suggested_filename.endswith(".xlsx")
        xlsx.save_as(tmp_path / xlsx.suggested_filename)
        sheet = load_workbook(tmp_path / xlsx.suggested_filename).active
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        for name in (AN, BINH, DAN):
            assert name in cells
        pdf = download(page, page.get_by_role("link", name="Danh sách đạt giải (PDF)"))
        assert Path(pdf.path()).read_bytes().startswith(b"%PDF-")

        an = winner_row(page, AN)
        certificate = download(page, an.get_by_role("link", name="Giấy chứng nhận (PDF)"))
        assert Path(certificate.path()).read_bytes().startswith(b"%PDF-")
        code = an.locator("code").inner_text()
        assert certificate.suggested_filename == f"giay-chung-nhan-{code}.pdf"
        assert code in cells  # the winners list carries the same certificate code
        verify_path = urlparse(an.locator("a", has_text=code).get_attribute("href")).path

        # The stranger scans the QR code: it holds the site's address of the verification page.
        visitor = stranger.new_page()
        visitor.goto(verify_path)
        expect(visitor.locator(".notice.ok")).to_have_text("Giấy chứng nhận này là thật và còn hiệu lực.")
        expect(visitor.locator("dl.certificate")).to_contain_text(AN)
        expect(visitor.locator("dl.certificate")).to_contain_text("Giải Nhất")
        expect(visitor.locator("dl.certificate")).to_contain_text("Tuần 1 · CBCCVC")
        drawn = visitor.locator("svg.qr path").get_attribute("d")
        expected = certificates.qr_svg(settings.SITE_URL + verify_path, label="")
        assert f'd="{drawn}"' in expected  # this QR (drawn as on the certificate) holds this address

        # A forged code, typed as printed beside the QR code, finds nothing.
        forged = code[:-1] + ("A" if code[-1] != "A" else "B")
        visitor.get_by_role("link", name="Kiểm tra Giấy chứng nhận").click()
        visitor.get_by_label("Mã Giấy chứng nhận").fill(forged)
        with visitor.expect_response(re.compile(rf"/certificates/{forged}/$")) as answer:
            visitor.get_by_role("button", name="Kiểm tra", exact=True).click()
        assert answer.value.status == 404
        expect(visitor.locator("[role=alert]")).to_contain_text(
            f"Không có Giấy chứng nhận nào mang mã {forged}"
        )
        expect(visitor.locator("dl.certificate")).to_have_count(0)
    finally:
        organiser.close()
        participant.close()
        stranger.close()
