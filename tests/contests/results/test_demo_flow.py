"""The issue's "done when", on the demo contest: an organiser finalises a
closed round, reads each winner's trace, publishes, downloads the Excel and
PDF reports and a certificate, and a stranger verifies the certificate by the
address its QR code holds."""

import io
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from contests.models import Award, Contest, RoundResult
from contests.results import certificates
from contests.results import demo as award_demo
from contests.setup import demo
from tests.contests.results.conftest import entry

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DEMO_PASSWORD = "ThiTimHieu@2021"


def test_it_runs_the_whole_flow_on_the_demo_contest(django_capture_on_commit_callbacks):
    call_command("load_demo", force=True)
    award_demo.load()
    award_demo.load()  # idempotent
    contest = Contest.objects.get(slug=demo.SLUG)
    week1 = contest.rounds.get(number=1)
    assert week1.closes_at < timezone.now()  # round 2 is this week: round 1 has closed
    blocks = {b.code: b for b in contest.blocks.all()}
    one, two, citizen = (
        User.objects.get(email=f"{name}@demo.thitimhieu.vn")
        for name in ("congchuc1", "congchuc2", "nguoidan")
    )
    t = week1.opens_at + timedelta(days=2)
    entry(week1, one, prediction=2, duration_ms=500_000, finished_at=t, block=blocks["cbccvc"])
    entry(week1, two, prediction=3, duration_ms=400_000, finished_at=t, block=blocks["cbccvc"])
    entry(week1, citizen, correct=18, prediction=1, finished_at=t, block=blocks["nguoi-dan"])

    organiser = Client()
    assert organiser.login(email="tochuc@demo.thitimhieu.vn", password=DEMO_PASSWORD)
    kwargs = {"contest_id": contest.pk, "round_id": week1.pk}
    response = organiser.post(reverse("contests:award-finalise", kwargs=kwargs), follow=True, **EN)
    assert RoundResult.objects.get(round=week1).entries == 3
    page = response.content.decode()
    # Block CBCCVC: both 20/20, actual 2 participants: congchuc1 predicted it exactly.
    assert page.index(one.full_name) < page.index(two.full_name)
    assert "How this place was decided" in page and "Prediction error" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.post(reverse("contests:award-publish", kwargs=kwargs), **EN)
    assert response.status_code == 302
    assert {(a.user, a.tier_name) for a in Award.objects.all()} == {
        (one, "Giải Nhất"),
        (two, "Giải Nhì"),
        (citizen, "Giải Nhất"),
    }
    for name in ("report-winners-xlsx", "report-results-xlsx", "report-round-xlsx"):
        download = organiser.get(reverse(f"contests:{name}", kwargs=kwargs), **EN)
        assert download.status_code == 200
        load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    for name in ("report-winners-pdf", "report-round-pdf"):
        assert organiser.get(reverse(f"contests:{name}", kwargs=kwargs), **EN).content.startswith(b"%PDF-")

    award = Award.objects.get(user=one)
    winner = Client()
    assert winner.login(email=one.email, password=DEMO_PASSWORD)
    pdf = winner.get(reverse("contests:certificate-pdf", kwargs={"code": award.code}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    # The QR code holds the verification address; a stranger opens it.
    address = certificates.verification_url(award)
    assert certificates.qr_matrix(address)
    path = urlparse(address).path
    stranger = Client()
    verified = stranger.get(path, **EN)
    assert verified.status_code == 200
    assert b"This certificate is genuine and valid." in verified.content
    public = stranger.get(reverse("contests:winners-round", kwargs={"slug": contest.slug, "number": 1}), **EN)
    assert one.full_name.encode() in public.content and one.email.encode() not in public.content
