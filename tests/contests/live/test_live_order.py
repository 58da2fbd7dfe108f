"""One live order: the API's leaderboard, the WebSocket board and the "me"
message rank every entry alike, also entries tied on correct answers and
duration that finish within one finish unit (rules.ranking)."""

import uuid
from datetime import timedelta

import pytest

from contests.live import boards, leaderboard
from contests.quiz import attempts
from tests.contests.conftest import NOW, answer
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def finish(user, round, *, right, took, at):
    attempt = attempts.start_attempt(user=user, round=round, now=at)
    answer(attempt, user, right=right, now=at + took / 2)
    return attempts.submit_attempt(attempt=attempt, user=user, prediction=10, now=at + took)


@pytest.fixture
def tied(tree, round, settings, django_capture_on_commit_callbacks):
    """Two entries equal on correct answers and duration, finishing 300 ms
    apart within the same second; the later one has the lower user id."""
    first = make_user("first@example.vn", agency=tree["commune"])
    second = make_user("second@example.vn", agency=tree["commune"])
    assert first.pk < second.pk
    settings.REDIS_PREFIX = f"t{uuid.uuid4().hex[:10]}"  # the boards' Redis standings, when configured
    with django_capture_on_commit_callbacks(execute=True):
        finish(second, round, right=4, took=timedelta(minutes=3), at=NOW + timedelta(milliseconds=200))
        finish(first, round, right=4, took=timedelta(minutes=3), at=NOW + timedelta(milliseconds=500))
    return first, second


def test_it_gives_tied_entries_the_same_rank_on_every_surface(client, round, tied):
    first, second = tied
    api_top = [e["user_id"] for e in leaderboard.top(round=round, n=10)]
    board = boards.round_board(round_id=round.pk, block_id=None, staff=True, now=NOW + timedelta(hours=1))
    assert [row["rank"] for row in board["top"]] == [1, 2]
    for person in (first, second):
        client.force_login(person)
        api_me = client.get(f"/api/rounds/{round.pk}/leaderboard/").json()["me"]["rank"]
        ws_me = boards.my_standing(round=round, block_id=None, user=person)["rank"]
        assert api_me == ws_me == leaderboard.rank_of(round=round, user=person)
        assert api_top.index(person.pk) + 1 == api_me
    # The live order breaks the full tie by participant id, on every surface.
    assert api_top == [first.pk, second.pk]
