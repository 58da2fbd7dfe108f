"""Certificates: the PDF with the shipped font and a QR code to the public
verification page; verification of a real and a forged code."""

from datetime import timedelta

import pytest
from django.urls import reverse

from contests.models import Award
from contests.results import certificates, tables
from contests.results import services as awards
from contests.results.tables import TierData
from contests.rules import codes as public_codes
from tests.contests.results.conftest import entry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def award(contest, round1, officials, alice):
    t = round1.opens_at + timedelta(hours=1)
    entry(round1, officials[0], prediction=2, finished_at=t)
    entry(round1, officials[1], prediction=2, duration_ms=700_000, finished_at=t)
    tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("Giải Nhất", 1)])
    awards.finalise_round(round=round1)
    awards.publish_round(round=round1, actor=alice)
    return Award.objects.get()


def test_it_verifies_a_real_code_for_anyone(client, award):
    response = client.get(reverse("contests:certificate-verify", kwargs={"code": award.code}), **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "This certificate is genuine and valid." in text
    assert award.user.full_name in text and "Giải Nhất" in text and award.round.contest.title in text
    assert award.user.email not in text and award.user.phone not in text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text and 'class="qr"' in text


def test_it_accepts_a_code_typed_in_lower_case_with_spaces(client, award):
    typed = " ".join([award.code[:4].lower(), award.code[4:8], award.code[8:]])
    response = client.get(reverse("contests:certificate-lookup"), {"code": typed})
    assert response.status_code == 302
    assert client.get(response["Location"], **EN).status_code == 200


@pytest.mark.parametrize("forged", ["ABCDEFGHJKLM", "A" * 12, "<script>", "x" * 40])
def test_it_rejects_a_forged_code(client, award, forged):
    response = client.get(reverse("contests:certificate-verify", kwargs={"code": forged}), **EN)
    assert response.status_code == 404
    assert b"No certificate has the code" in response.content
    assert b"<script>" not in response.content


def test_it_makes_codes_long_random_and_unique():
    codes = {public_codes.new_certificate_code() for _n in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 12 and set(c) <= set(public_codes.ALPHABET) for c in codes)


def test_it_draws_the_certificate_with_the_shipped_font_and_a_qr_to_the_page(award):
    pdf = certificates.certificate_pdf(award)
    assert pdf.startswith(b"%PDF-")
    assert b"DejaVuSans" in pdf  # the embedded font covers Vietnamese
    url = certificates.verification_url(award)
    assert url.endswith(f"/contests/results/certificates/{award.code}/")
    matrix = certificates.qr_matrix(url)
    assert len(matrix) == len(matrix[0]) and any(any(row) for row in matrix)


def test_it_gives_the_pdf_to_the_winner_and_the_organisers_only(client, award, alice, bob, officials):
    target = reverse("contests:certificate-pdf", kwargs={"code": award.code})
    assert client.get(target).status_code == 302
    for stranger in (bob, officials[1]):
        client.login(email=stranger.email, password=PASSWORD)
        assert client.get(target).status_code == 404
    for allowed in (award.user, alice):
        client.login(email=allowed.email, password=PASSWORD)
        response = client.get(target)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


def test_it_lists_my_prizes(client, award):
    client.login(email=award.user.email, password=PASSWORD)
    response = client.get(reverse("contests:certificate-mine"), **EN)
    assert response.status_code == 200
    assert award.code.encode() in response.content


def test_it_says_a_withdrawn_certificate_is_no_longer_valid(client, award, alice, officials):
    awards.disqualify(round=award.round, user=award.user, reason="Khai sai thông tin", actor=alice)
    awards.publish_round(round=award.round, actor=alice)
    response = client.get(reverse("contests:certificate-verify", kwargs={"code": award.code}), **EN)
    assert response.status_code == 200
    assert b"the prize was withdrawn" in response.content
