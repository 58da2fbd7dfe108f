"""The live panel of a round and its JSON numbers."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from contests.models import Attempt
from tests.contests.setup.builders_org import vn
from tests.factories import PASSWORD, make_user

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]

NOW = vn(2021, 5, 5, 10, 0)  # Wednesday of round 1 (3–9 May 2021)


def stats_url(round):
    return reverse(
        "contests:organize-round-stats", kwargs={"contest_id": round.contest_id, "round_id": round.pk}
    )


def live_url(round):
    return reverse(
        "contests:organize-round-live", kwargs={"contest_id": round.contest_id, "round_id": round.pk}
    )


def attempt(
    round, user, *, block=None, number=1, status=Attempt.Status.SUBMITTED, deadline=None, preview=False
):
    return Attempt.objects.create(
        round=round,
        block=block,
        user=user,
        number=number,
        status=status,
        is_preview=preview,
        started_at=NOW - timedelta(minutes=30),
        deadline=deadline,
    )


@pytest.fixture
def busy_round(tree, alice, charlie, org_ready_contest):
    """Two officials and a citizen took part; alice previewed."""
    round = org_ready_contest.rounds.get()
    officials = org_ready_contest.blocks.get(code="cbccvc")
    citizens = org_ready_contest.blocks.get(code="nguoi-dan")
    dung = make_user("dung@example.vn", agency=tree["commune"])
    dan = make_user("dan@example.vn")
    attempt(round, charlie, block=officials, number=1)
    attempt(
        round, charlie, block=officials, number=2, status="in_progress", deadline=NOW + timedelta(minutes=5)
    )
    attempt(round, dung, block=officials, number=1)
    # Past its deadline but not finalised yet: no longer "in progress".
    attempt(round, dan, block=citizens, number=1, status="in_progress", deadline=NOW - timedelta(minutes=1))
    attempt(
        round,
        alice,
        block=officials,
        number=1,
        status="in_progress",
        deadline=NOW + timedelta(minutes=5),
        preview=True,
    )
    return round


@pytest.fixture
def client_alice(client, alice):
    assert client.login(email=alice.email, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@time_machine.travel(NOW, tick=False)
def test_it_counts_attempts_and_participants_per_block(client_alice, busy_round):
    response = client_alice.get(stats_url(busy_round))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert (data["round"], data["state"], data["state_label"]) == (busy_round.pk, "open", "Open now")
    assert data["totals"] == {"in_progress": 1, "finished": 2, "participants": 3, "previews": 1}
    assert [(b["name"], b["in_progress"], b["finished"], b["participants"]) for b in data["blocks"]] == [
        ("CBCCVC", 1, 2, 2),
        ("Người dân", 0, 0, 1),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_live_page_shows_the_numbers_and_polls_the_endpoint(client_alice, busy_round):
    page = client_alice.get(live_url(busy_round)).content.decode()
    assert f'data-stats-url="{stats_url(busy_round)}"' in page
    assert 'data-poll-seconds="5"' in page
    assert '<dd data-stat="participants">3</dd>' in page
    assert "/static/js/organize.js" in page and "<script>" not in page


@time_machine.travel(vn(2021, 4, 30), tick=False)
def test_a_round_not_open_yet_says_so(client_alice, org_ready_contest):
    data = client_alice.get(stats_url(org_ready_contest.rounds.get())).json()
    assert (data["state"], data["totals"]["participants"], data["blocks"][0]["participants"]) == (
        "upcoming",
        0,
        0,
    )


def test_anonymous_callers_get_401(client, org_ready_contest):
    response = client.get(stats_url(org_ready_contest.rounds.get()))
    assert response.status_code == 401
    assert response.json()["code"] == "login_required"


def test_other_organizers_and_members_get_404(client, bob, charlie, org_ready_contest):
    url = stats_url(org_ready_contest.rounds.get())
    for person in (bob, charlie):
        assert client.login(email=person.email, password=PASSWORD)
        assert client.get(url).status_code == 404
        client.logout()


def test_the_endpoint_refuses_post(client_alice, org_ready_contest):
    assert client_alice.post(stats_url(org_ready_contest.rounds.get())).status_code == 405
