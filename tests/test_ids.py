"""Ids and numbers typed into URLs: non-ASCII digits ("²", "٣") pass
str.isdigit() and ids beyond 64 bits overflow the database's integers; both
are refused cleanly (4xx, never a 500) by the one parser, config.http.parse_id."""

import pytest
from django.urls import reverse

from config.http import parse_id
from contests.models import Round
from tests.builders import make_contest

HOSTILE = ["²", "٣", "1²", str(2**70), "-1", "0", "1e3", " 7", "七"]


@pytest.mark.parametrize("text", HOSTILE + ["", None, "x" * 40])
def test_it_refuses_what_is_not_a_small_positive_ascii_id(text):
    assert parse_id(text) is None


def test_it_reads_plain_ids():
    assert parse_id("7") == 7 and parse_id("007") == 7 and parse_id(str(2**62)) == 2**62


@pytest.fixture
def board_round(tree, db):
    from datetime import timedelta

    from django.utils import timezone

    contest = make_contest(tree["snv"])
    opens = timezone.now() - timedelta(days=1)
    return Round.objects.create(
        contest=contest,
        number=1,
        title="Tuần 1",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
        questions_per_attempt=5,
        time_limit_minutes=10,
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_the_public_board_and_api_refuse_them_without_a_500(client, charlie, board_round, text):
    board = reverse("contests:board-round-snapshot", kwargs={"round_id": board_round.pk})
    assert client.get(board, {"block": text}).status_code == 404
    api = f"/api/rounds/{board_round.pk}/leaderboard/"
    response = client.get(api, {"block": text})
    assert response.status_code in (400, 404) and response["Content-Type"].startswith("application/json")
    client.force_login(charlie)
    response = client.get("/api/attempts/mine/", {"round": text})
    assert response.status_code in (400, 404) and response["Content-Type"].startswith("application/json")


def test_a_deeply_nested_json_body_is_a_clean_400(client, charlie, board_round):
    client.force_login(charlie)
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(f"/api/rounds/{board_round.pk}/start/", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad_json"
