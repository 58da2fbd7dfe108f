"""Builders for live-board tests: rounds, blocks and finished attempts written
directly (the attempt services have their own tests). Contests come from
tests.builders.make_contest."""

from datetime import timedelta

from django.utils import timezone

from contests.live import events
from contests.models import Attempt, Block, Round
from contests.rules import ranking


def make_round(contest, *, opens=None, freeze_at=None):
    opens = opens or timezone.now() - timedelta(days=1)
    return Round.objects.create(
        contest=contest,
        number=contest.rounds.count() + 1,
        title="Tuần 1",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
        questions_per_attempt=20,
        time_limit_minutes=20,
        freeze_at=freeze_at,
    )


def make_block(contest, code="cbccvc", kind=Block.Kind.OFFICIAL):
    return Block.objects.create(contest=contest, name=code.upper(), code=code, participant_kind=kind)


def finish(round, user, *, correct, duration_ms, finished_at, block=None, counted=True, publish=True):
    """A finished, counted attempt with its live score, as the engine leaves it."""
    Attempt.objects.filter(round=round, user=user, counted=True).update(counted=False)
    attempt = Attempt.objects.create(
        round=round,
        block=block,
        user=user,
        number=Attempt.objects.filter(round=round, user=user).count() + 1,
        status=Attempt.Status.SUBMITTED,
        started_at=finished_at - timedelta(milliseconds=duration_ms),
        finished_at=finished_at,
        duration_ms=duration_ms,
        question_count=round.questions_per_attempt,
        answered_count=round.questions_per_attempt,
        correct_count=correct,
        counted=counted,
        live_score=ranking.live_score(
            user_id=user.pk,
            correct=correct,
            duration_ms=duration_ms,
            finished_at=finished_at,
            opens_at=round.opens_at,
            closes_at=round.closes_at,
        ),
    )
    if publish:
        events.attempt_finalised(attempt)
    return attempt
