"""Closing an open round early: the organiser's "end this round now".

It lives with the attempt engine because closing changes attempts (their
deadlines, and the live scores whose finish unit depends on the round's
length); the boards hear of it through `live.events.round_closed`, after
commit. Whether a round may be closed is `setup.checks.close_round_problems`.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from accounts import audit
from contests.live import events
from contests.models import Attempt, Round
from contests.quiz import attempts
from contests.rules import ranking, timer
from contests.setup import checks
from contests.setup.services import ContestError, lock_contest, require_manager

log = logging.getLogger(__name__)

# What the audit entry of an early close keeps, before and after.
AUDITED = ["closes_at", "closed_early_at", "closed_early_by", "freeze_at"]


@transaction.atomic
def close_round(*, actor, round, now=None, check_permission=True):
    """Close an open round of a published contest now. Raises ContestError.

    The round's close becomes `now`, so no attempt can start any more. Each
    attempt in progress (previews excepted: they keep their own time) gets
    `now` as its deadline: answers are still taken for ANSWER_GRACE (2 s), then
    the attempt is finalised with what was saved, lazily or by
    `manage.py finalise_expired`, which also updates the live boards. A
    leaderboard freeze set after `now` moves to `now`, so the round still
    freezes no later than it closes. Practice rounds close the same way (their
    attempts end at the round's close). The round keeps when and by whom it
    was closed early (`closed_early_at`, `closed_early_by`); the planned close
    it replaced goes to the log and to the audit log (`round.close`, with the
    times before and after).
    """
    now = now or timezone.now()
    current_contest = lock_contest(round.contest)
    if check_permission:
        require_manager(actor, current_contest.owner_agency)
    current = Round.objects.select_for_update().get(pk=round.pk)
    current.contest = current_contest
    problems = checks.close_round_problems(round=current, now=now)
    if problems:
        raise ContestError([("", p) for p in problems])
    old_unit = _finish_unit(current)
    before = audit.snapshot(current, AUDITED)
    planned = current.closes_at
    current.closes_at = now
    current.closed_early_at = now
    current.closed_early_by = actor if getattr(actor, "pk", None) else None
    if current.freeze_at is not None and current.freeze_at > now:
        current.freeze_at = now
    current.save(update_fields=["closes_at", "closed_early_at", "closed_early_by", "freeze_at"])
    ended = _end_attempts_at_close(round_id=current.pk, closes_at=now)
    rescored = old_unit != _finish_unit(current)
    if rescored:
        _rescore_live(current)
    audit.record(
        actor=actor,
        action="round.close",
        obj=current,
        contest=current_contest,
        summary=ngettext(
            "%(round)s: %(n)d attempt in progress ended.",
            "%(round)s: %(n)d attempts in progress ended.",
            ended,
        )
        % {"round": checks.round_label(current), "n": ended},
        before=before,
        after=audit.snapshot(current, AUDITED),
    )
    log.info(
        "round %s closed early at %s (planned %s) by user %s; %d attempts in progress ended",
        current.pk,
        now.isoformat(),
        planned.isoformat(),
        getattr(actor, "pk", None),
        ended,
    )
    transaction.on_commit(lambda: events.round_closed(current, rescored=rescored))
    return current


def _finish_unit(round):
    return ranking.finish_unit_ms(timer.milliseconds(round.closes_at - round.opens_at))


def _end_attempts_at_close(*, round_id, closes_at):
    """Bring the deadlines of the round's attempts in progress (not previews)
    back to its close. Returns how many changed."""
    return Attempt.objects.filter(
        round_id=round_id, status=Attempt.Status.IN_PROGRESS, is_preview=False, deadline__gt=closes_at
    ).update(deadline=closes_at)


def _rescore_live(round):
    """Recompute the live scores of the round's finished attempts: the finish
    time's unit depends on the round's length (rules.ranking), which closing
    early may shorten."""
    finished = list(
        Attempt.objects.filter(round=round, live_score__isnull=False).only(
            "pk", "user_id", "correct_count", "duration_ms", "finished_at"
        )
    )
    for attempt in finished:
        attempt.live_score = attempts.live_score_of(attempt, round)
    Attempt.objects.bulk_update(finished, ["live_score"], batch_size=500)
