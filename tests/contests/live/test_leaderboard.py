"""Round leaderboards over counted attempts (database backend)."""

from datetime import timedelta

import pytest

from contests.live import leaderboard
from contests.models import Contest, Round
from contests.quiz import attempts
from tests.contests.conftest import NOW, answer
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def finish(user, round, *, right, took, at=NOW, preview=False):
    attempt = attempts.start_attempt(user=user, round=round, now=at, preview=preview)
    answer(attempt, user, right=right, now=at + took / 2)
    return attempts.submit_attempt(attempt=attempt, user=user, prediction=10, now=at + took)


@pytest.fixture
def people(tree):
    return [make_user(f"p{n}@example.vn", agency=tree["commune"]) for n in range(4)]


def test_it_orders_by_correct_then_duration_then_finish(round, people):
    a, b, c, d = people
    finish(a, round, right=4, took=timedelta(minutes=5))
    finish(b, round, right=5, took=timedelta(minutes=8))
    finish(c, round, right=4, took=timedelta(minutes=3))
    finish(d, round, right=4, took=timedelta(minutes=3), at=NOW + timedelta(hours=1))
    top = leaderboard.top(round=round, n=10)
    assert [e["user_id"] for e in top] == [b.pk, c.pk, d.pk, a.pk]
    assert [e["rank"] for e in top] == [1, 2, 3, 4]
    assert top[0]["correct_count"] == 5 and top[0]["duration_ms"] == 8 * 60_000
    assert top[0]["name"] == "Nguyễn V. P."  # masked by default
    assert leaderboard.rank_of(round=round, user=d) == 3
    assert leaderboard.participant_count(round=round) == 4
    assert leaderboard.top(round=round, n=2)[-1]["user_id"] == c.pk


def test_only_the_counted_attempt_of_each_person_is_on_the_board(round, people):
    a, b, *_ = people
    finish(a, round, right=2, took=timedelta(minutes=1))
    finish(a, round, right=5, took=timedelta(minutes=9), at=NOW + timedelta(hours=1))
    finish(b, round, right=4, took=timedelta(minutes=1))
    assert [e["user_id"] for e in leaderboard.top(round=round)] == [a.pk, b.pk]
    assert leaderboard.participant_count(round=round) == 2


def test_previews_and_practice_are_never_on_the_board(alice, round, people, contest, topic):
    finish(alice, round, right=5, took=timedelta(minutes=1), preview=True)
    assert leaderboard.top(round=round) == [] and leaderboard.participant_count(round=round) == 0
    assert leaderboard.rank_of(round=round, user=alice) is None


def test_boards_are_per_block_or_for_the_whole_round(round, people, dan):
    finish(people[0], round, right=3, took=timedelta(minutes=1))
    finish(dan, round, right=5, took=timedelta(minutes=1))
    officials = round.contest.blocks.get(code="cbccvc")
    citizens = round.contest.blocks.get(code="nguoi-dan")
    assert [e["user_id"] for e in leaderboard.top(round=round, block=officials)] == [people[0].pk]
    assert leaderboard.rank_of(round=round, block=citizens, user=dan) == 1
    assert leaderboard.rank_of(round=round, user=people[0]) == 2
    assert leaderboard.participant_count(round=round, block=citizens) == 1


def test_a_frozen_board_shows_each_persons_counted_attempt_before_the_freeze(round, people):
    a, b, *_ = people
    finish(a, round, right=3, took=timedelta(minutes=2))
    finish(b, round, right=2, took=timedelta(minutes=2))
    freeze = NOW + timedelta(hours=1)
    finish(
        a, round, right=1, took=timedelta(minutes=1), at=NOW + timedelta(hours=2)
    )  # worse: not counted anyway
    finish(b, round, right=5, took=timedelta(minutes=1), at=NOW + timedelta(hours=2))  # after the freeze
    late = make_user("late@example.vn", agency=a.agency)
    finish(late, round, right=5, took=timedelta(minutes=1), at=NOW + timedelta(hours=2))
    frozen = leaderboard.top(round=round, before=freeze)
    assert [(e["user_id"], e["correct_count"]) for e in frozen] == [(a.pk, 3), (b.pk, 2)]
    assert leaderboard.participant_count(round=round, before=freeze) == 2
    assert leaderboard.rank_of(round=round, user=b, before=freeze) == 2
    assert leaderboard.rank_of(round=round, user=late, before=freeze) is None
    live = leaderboard.top(round=round)
    assert [e["user_id"] for e in live][:2] == [b.pk, late.pk]


def test_the_mode_follows_the_contest_and_the_freeze_time(round):
    contest = round.contest
    assert leaderboard.mode_for(round=round, now=NOW, staff=False) == (leaderboard.LIVE, None)
    Contest.objects.filter(pk=contest.pk).update(leaderboard=Contest.Leaderboard.HIDDEN)
    round.contest.refresh_from_db()
    assert leaderboard.mode_for(round=round, now=NOW, staff=False)[0] == leaderboard.HIDDEN
    assert leaderboard.mode_for(round=round, now=NOW, staff=True)[0] == leaderboard.LIVE
    Contest.objects.filter(pk=contest.pk).update(
        leaderboard=Contest.Leaderboard.FROZEN, leaderboard_freeze_at=NOW + timedelta(days=1)
    )
    round.contest.refresh_from_db()
    assert leaderboard.mode_for(round=round, now=NOW, staff=False)[0] == leaderboard.LIVE
    moment = NOW + timedelta(days=1)
    assert leaderboard.mode_for(round=round, now=moment, staff=False) == (leaderboard.FROZEN, moment)
    Round.objects.filter(pk=round.pk).update(freeze_at=NOW - timedelta(hours=1))
    round.refresh_from_db()
    assert leaderboard.mode_for(round=round, now=NOW, staff=False) == (
        leaderboard.FROZEN,
        NOW - timedelta(hours=1),
    )


def test_full_names_when_the_contest_shows_them(round, people):
    Contest.objects.filter(pk=round.contest_id).update(name_display=Contest.NameDisplay.FULL)
    round.refresh_from_db()
    finish(people[0], round, right=1, took=timedelta(minutes=1))
    assert leaderboard.top(round=round)[0]["name"] == "Nguyễn Văn P0"
