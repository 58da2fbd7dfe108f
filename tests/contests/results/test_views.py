"""Organiser and public pages of results: who may see and do what, and the
flow finalise → read traces → publish → public winners page."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from contests.models import Award, Contest, Disqualification, RoundResult, TieDecision
from contests.results import selectors as award_selectors
from contests.results import services as awards
from contests.results import tables
from contests.results.tables import TierData
from tests.contests.results.conftest import AFTER_CLOSE, entry
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _after_close():
    with time_machine.travel(AFTER_CLOSE, tick=False):
        yield


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def url(name, round=None, **kwargs):
    if round is not None:
        kwargs |= {"contest_id": round.contest_id, "round_id": round.pk}
    return reverse(f"contests:{name}", kwargs=kwargs)


@pytest.fixture
def played(contest, round1, officials):
    t = round1.opens_at + timedelta(hours=1)
    for n, official in enumerate(officials[:4]):
        entry(round1, official, prediction=4, duration_ms=60_000 + n * 1000, finished_at=t)
    tables.save_prize_table(
        actor=None, contest=contest, tiers=[TierData("Giải Nhất", 1), TierData("Giải Nhì", 1)]
    )
    return officials


# --- access -----------------------------------------------------------------------------------------


ORGANISER_PAGES = [
    ("award-contest", False),
    ("award-policy", False),
    ("award-prizes", False),
    ("report-participation", False),
    ("award-round", True),
    ("report-round", True),
    ("report-items", True),
    ("report-round-xlsx", True),
    ("report-round-pdf", True),
]


@pytest.mark.parametrize(("name", "per_round"), ORGANISER_PAGES)
def test_it_shows_organiser_pages_to_the_owner_agencys_organisers_only(
    client, played, round1, alice, bob, name, per_round
):
    target = url(name, round1) if per_round else url(name, contest_id=round1.contest_id)
    assert client.get(target, **EN).status_code == 302  # anonymous: to the login page
    assert login(client, bob).get(target, **EN).status_code == 403  # a published public contest
    client.logout()
    assert login(client, alice).get(target, **EN).status_code == 200


def test_it_hides_a_draft_contests_results_from_other_organisers(client, played, round1, contest, bob):
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.DRAFT)
    assert login(client, bob).get(url("award-round", round1), **EN).status_code == 404


def test_it_refuses_get_on_actions(client, played, round1, alice):
    login(client, alice)
    for name in ("award-finalise", "award-publish", "award-disqualify", "award-tie"):
        assert client.get(url(name, round1), **EN).status_code == 405


def test_it_lets_only_the_owner_finalise_and_publish(client, played, round1, bob):
    login(client, bob)
    assert client.post(url("award-finalise", round1), **EN).status_code == 403
    assert not RoundResult.objects.exists()
    awards.finalise_round(round=round1)
    assert client.post(url("award-publish", round1), **EN).status_code == 403
    assert not Award.objects.exists()


# --- the flow -----------------------------------------------------------------------------------------


def test_it_finalises_shows_traces_publishes_and_shows_the_public_page(
    client, played, round1, contest, alice, django_capture_on_commit_callbacks
):
    login(client, alice)
    page = client.get(url("award-round", round1), **EN)
    assert b"Finalise the round" in page.content
    response = client.post(url("award-finalise", round1), follow=True, **EN)
    result = RoundResult.objects.get()
    assert result.sha256.encode() in response.content
    assert b"How this place was decided" in response.content
    assert b"Prediction error" in response.content
    assert b"Proposed winners" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("award-publish", round1), {"note": "QĐ số 12/QĐ-BTC"}, **EN)
    assert response.status_code == 302
    assert response["Location"] == url("winners-round", slug=contest.slug, number=round1.number)
    assert len(mail.outbox) == 2
    client.logout()
    public = client.get(response["Location"], **EN)
    assert public.status_code == 200
    text = public.content.decode()
    assert played[0].full_name in text and played[0].agency.name in text
    publication = result.publications.get()
    assert publication.sha256 in text and len(publication.sha256) == 64  # the bundle's full hash
    for private in (played[0].email, played[0].phone, "17/05/1990", "1990-05-17", played[0].cccd_display):
        assert private not in text


def test_it_serves_the_canonical_json_whose_hash_is_published(client, played, round1, contest, alice):
    awards.finalise_round(round=round1)
    publication = awards.publish_round(round=round1, actor=alice)
    response = client.get(url("winners-canonical", slug=contest.slug, number=round1.number))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == publication.sha256


def test_it_links_each_published_winners_certificate_from_the_results_page(client, played, round1, alice):
    awards.finalise_round(round=round1)
    login(client, alice)
    assert b"Certificate (PDF)" not in client.get(url("award-round", round1), **EN).content  # not yet issued
    awards.publish_round(round=round1, actor=alice)
    page = client.get(url("award-round", round1), **EN).content.decode()
    issued = list(Award.objects.all())
    assert len(issued) == 2
    for award in issued:
        assert url("certificate-pdf", code=award.code) in page
        assert url("certificate-verify", code=award.code) in page
    assert client.get(url("certificate-pdf", code=issued[0].code)).content.startswith(b"%PDF-")


def test_it_shows_no_winners_before_publication(client, played, round1, contest, alice):
    awards.finalise_round(round=round1)
    assert client.get(url("winners-round", slug=contest.slug, number=round1.number)).status_code == 404
    assert client.get(url("winners-canonical", slug=contest.slug, number=round1.number)).status_code == 404
    assert client.get(url("winners-contest", slug=contest.slug)).status_code == 404
    awards.publish_round(round=round1, actor=alice)
    assert client.get(url("winners-contest", slug=contest.slug)).status_code == 200


def test_it_hides_an_officials_only_contests_winners_from_the_public(
    client, played, round1, contest, alice, charlie
):
    Contest.objects.filter(pk=contest.pk).update(audience_citizens=False)
    awards.finalise_round(round=round1)
    awards.publish_round(round=round1, actor=alice)
    target = url("winners-round", slug=contest.slug, number=round1.number)
    assert client.get(target).status_code == 404
    assert login(client, charlie).get(target).status_code == 200  # an official in the audience


def test_it_disqualifies_from_the_page(client, played, round1, alice):
    awards.finalise_round(round=round1)
    login(client, alice)
    found = client.get(url("award-round", round1), {"q": played[0].email}, **EN)
    assert b"Disqualify this entry" in found.content
    response = client.post(
        url("award-disqualify", round1),
        {"user": played[0].pk, "reason": "Khai sai thông tin"},
        follow=True,
        **EN,
    )
    assert b"version 2 of the results" in response.content
    assert Disqualification.objects.get().created_by == alice


def test_it_refuses_a_disqualification_without_a_reason(client, played, round1, alice):
    awards.finalise_round(round=round1)
    response = login(client, alice).post(
        url("award-disqualify", round1), {"user": played[0].pk, "reason": ""}, follow=True, **EN
    )
    assert b"Give the reason for the disqualification." in response.content
    assert RoundResult.objects.count() == 1


def test_it_records_a_board_decision_from_the_page(client, round1, officials, alice, contest):
    t = round1.opens_at + timedelta(hours=1)
    entry(round1, officials[0], prediction=2, finished_at=t)
    entry(round1, officials[1], prediction=2, finished_at=t)
    awards.finalise_round(round=round1)
    login(client, alice)
    page = client.get(url("award-round", round1), **EN)
    assert b"Ties for the organising board" in page.content
    response = client.post(
        url("award-tie", round1),
        {
            "block": "",
            f"place_{officials[0].pk}": "2",
            f"place_{officials[1].pk}": "1",
            "note": "Bốc thăm công khai",
        },
        follow=True,
        **EN,
    )
    assert b"The board&#x27;s decision is recorded: version 2." in response.content
    assert TieDecision.objects.get().user_ids == [officials[1].pk, officials[0].pk]


def test_it_refuses_a_board_order_with_repeated_places(client, round1, officials, alice):
    t = round1.opens_at + timedelta(hours=1)
    entry(round1, officials[0], prediction=2, finished_at=t)
    entry(round1, officials[1], prediction=2, finished_at=t)
    awards.finalise_round(round=round1)
    response = login(client, alice).post(
        url("award-tie", round1),
        {f"place_{officials[0].pk}": "1", f"place_{officials[1].pk}": "1", "note": "x"},
        follow=True,
        **EN,
    )
    assert b"Give each tied person a different place" in response.content
    assert not TieDecision.objects.exists()


def test_it_saves_the_ranking_rules_from_the_form(client, contest, alice):
    data = {
        "criterion_0": "score",
        "criterion_1": "prediction",
        "criterion_2": "started",
        "equal_error": "over_first",
        "prediction_counts": "attempts",
        "prediction_scope": "block",
        "prediction_valid_only": "on",
    }
    response = login(client, alice).post(url("award-policy", contest_id=contest.pk), data, **EN)
    assert response.status_code == 302
    row = award_selectors.policy_row(contest=contest)
    assert (row.chain, row.equal_error, row.prediction_counts, row.prediction_scope) == (
        ["score", "prediction", "started"],
        "over_first",
        "attempts",
        "block",
    )


def test_it_refuses_a_repeated_criterion(client, contest, alice):
    data = {
        "criterion_0": "score",
        "criterion_1": "score",
        "equal_error": "equal",
        "prediction_counts": "persons",
        "prediction_scope": "overall",
    }
    response = login(client, alice).post(url("award-policy", contest_id=contest.pk), data, **EN)
    assert response.status_code == 400
    assert b"A ranking criterion appears twice." in response.content


def test_it_saves_a_prize_table_from_the_form(client, contest, alice):
    data = {
        "tiers-TOTAL_FORMS": "3",
        "tiers-INITIAL_FORMS": "0",
        "tiers-0-name": "Giải Nhất",
        "tiers-0-count": "1",
        "tiers-0-amount": "2000000",
        "tiers-0-points": "10",
        "tiers-1-name": "Giải Nhì",
        "tiers-1-count": "2",
        "tiers-2-name": "",
        "exclude_staff": "on",
        "boundary_ties": "higher",
    }
    response = login(client, alice).post(url("award-prizes", contest_id=contest.pk), data, **EN)
    assert response.status_code == 302
    table = contest.prize_tables.get()
    assert [(t.name, t.count, t.amount, t.points) for t in table.tiers.all()] == [
        ("Giải Nhất", 1, 2_000_000, 10),
        ("Giải Nhì", 2, 0, 0),
    ]
    assert (table.boundary_ties, table.exclude_staff, table.require_complete_profile) == (
        "higher",
        True,
        False,
    )


def test_it_lists_versions_and_verifies_a_version(client, played, round1, alice):
    awards.finalise_round(round=round1)
    awards.disqualify(round=round1, user=played[0], reason="Sai thông tin", actor=alice)
    login(client, alice)
    old = client.get(url("award-version", round1, version=1), {"verify": "1"}, **EN)
    assert old.status_code == 200
    assert b"the stored rows match" in old.content
    assert played[0].full_name.encode() in old.content
    assert client.get(url("award-version", round1, version=3), **EN).status_code == 404
