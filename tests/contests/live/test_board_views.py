import os
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command

from contests.live import standings
from contests.models import Contest
from tests.builders import make_contest
from tests.contests.live.helpers import finish, make_block, make_round
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(tree):
    contest = make_contest(tree["snv"], audience_citizens=True)
    round = make_round(contest)
    block = make_block(contest)
    finish(
        round,
        make_user("p@example.vn", agency=tree["snv"]),
        correct=12,
        duration_ms=61_000,
        finished_at=round.opens_at + timedelta(hours=1),
        block=block,
    )
    return contest, round, block


def test_it_renders_the_board_page_with_socket_and_fallback(client, board):
    contest, round, block = board
    response = client.get(f"/contests/boards/rounds/{round.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-ws-path="/ws/rounds/{round.pk}/blocks/{block.pk}/board/"' in body
    assert "snapshot.json?block=" in body and "Provisional order" in body
    assert 'aria-live="polite"' in body and "<script>" not in body.replace('<script id="board-labels"', "")


def test_the_big_screen_view(client, board):
    _contest, round, _block = board
    response = client.get(f"/contests/boards/rounds/{round.pk}/?screen=1")
    assert 'class="board-page big-screen"' in response.content.decode()


def test_the_json_snapshot_is_the_websocket_payload(client, board, tree):
    _contest, round, block = board
    data = client.get(f"/contests/boards/rounds/{round.pk}/snapshot.json?block={block.pk}").json()
    assert data["type"] == "snapshot" and data["participants"] == 1
    assert data["top"][0]["correct"] == 12 and data["top"][0]["duration_ms"] == 61_000
    assert "me" not in data  # anonymous


def test_a_logged_in_viewer_gets_their_rank_in_the_snapshot(client, board, tree):
    _contest, round, block = board
    me = make_user("me@example.vn", agency=tree["snv"])
    finish(
        round, me, correct=13, duration_ms=1000, finished_at=round.opens_at + timedelta(hours=2), block=block
    )
    client.force_login(me)
    data = client.get(f"/contests/boards/rounds/{round.pk}/snapshot.json?block={block.pk}").json()
    assert data["me"]["rank"] == 1 and data["me"]["participants"] == 2


def test_restricted_boards_refuse_outsiders(client, tree, charlie, alice):
    contest = make_contest(tree["snv"], audience_citizens=False)
    contest.audience_agencies.add(tree["snv"])
    round = make_round(contest)
    assert client.get(f"/contests/boards/rounds/{round.pk}/").status_code == 403
    client.force_login(charlie)  # an official of another branch
    assert client.get(f"/contests/boards/rounds/{round.pk}/snapshot.json").status_code == 403
    client.force_login(alice)
    assert client.get(f"/contests/boards/rounds/{round.pk}/snapshot.json").status_code == 200


def test_draft_contests_do_not_exist_for_the_public(client, tree):
    contest = make_contest(tree["snv"], status=Contest.Status.DRAFT)
    round = make_round(contest)
    assert client.get(f"/contests/boards/rounds/{round.pk}/").status_code == 404
    assert client.get(f"/contests/boards/contests/{contest.pk}/turnout/").status_code == 404


def test_unknown_blocks_and_rounds_are_404(client, board):
    _contest, round, _block = board
    assert client.get(f"/contests/boards/rounds/{round.pk}/?block=999999").status_code == 404
    assert client.get(f"/contests/boards/rounds/{round.pk}/?block=abc").status_code == 404
    assert client.get("/contests/boards/rounds/999999/").status_code == 404


def test_board_pages_refuse_post(client, board):
    _contest, round, _block = board
    assert client.post(f"/contests/boards/rounds/{round.pk}/").status_code == 405


def test_the_turnout_page_and_snapshot(client, board):
    contest, _round, _block = board
    assert client.get(f"/contests/boards/contests/{contest.pk}/turnout/").status_code == 200
    data = client.get(f"/contests/boards/contests/{contest.pk}/turnout/snapshot.json").json()
    assert data["officials"] == 1


def test_rebuild_boards_without_redis_says_so(capsys, settings):
    settings.REDIS_URL = ""
    call_command("rebuild_boards")
    assert "REDIS_URL is not set" in capsys.readouterr().out


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (runs in CI pass 2)")
def test_rebuild_boards_refills_redis_from_the_database(board, settings, capsys):
    _contest, round, block = board
    settings.REDIS_PREFIX = f"rb{uuid.uuid4().hex[:8]}"
    backend = standings.RedisStandings()
    assert backend.count(round_id=round.pk, block_id=block.pk) == 0  # the new prefix is empty
    call_command("rebuild_boards", "--round", str(round.pk))
    assert backend.top(round_id=round.pk, block_id=block.pk, n=5) == standings.DatabaseStandings().top(
        round_id=round.pk, block_id=block.pk, n=5
    )
    assert "1 standings" in capsys.readouterr().out
