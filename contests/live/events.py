"""Group names and every push to browsers. Called after commits only.

`attempt_finalised` is the one hook the attempt services call (through
`transaction.on_commit`) whenever an attempt becomes final: it updates the
Redis standings, marks the round's and contest's boards changed (the ticker
publishes at most once per second), and tells the participant's own sockets
to refresh their rank — one message to one person, never a broadcast.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from contests.live import hub as live
from contests.live import standings
from contests.models import Attempt

log = logging.getLogger(__name__)


def user_group(user_id):
    return f"user.{user_id}"


def round_scope(round_id):
    return f"round:{round_id}"


def contest_scope(contest_id):
    return f"contest:{contest_id}"


def attempt_finalised(attempt):
    """After commit: reflect `attempt` (now final) on the live boards."""
    if attempt.is_preview:
        return
    try:
        refresh_standing(round_id=attempt.round_id, block_id=attempt.block_id, user_id=attempt.user_id)
        live.bump(round_scope(attempt.round_id))
        live.bump(contest_scope(attempt.round.contest_id))
        async_to_sync(get_channel_layer().group_send)(
            user_group(attempt.user_id), {"type": "board.me", "round_id": attempt.round_id}
        )
    except Exception:  # the attempt is saved; boards can be rebuilt
        log.exception("could not publish attempt %s to the live boards", attempt.pk)


def round_closed(round, *, rescored):
    """After commit: `round` was closed early. When its attempts' live scores
    were recomputed (`rescored`), the standings backend reloads them; its boards
    and its contest's are marked changed. (An attempt started concurrently with
    the old close still ends at the new one: rules.timer.effective_deadline.)"""
    standings_changed(round, reload=rescored)


def standings_changed(round, *, reload=True):
    """After commit: many standings of `round` changed at once (closing early
    rescored them, or finalisation chose each person's counted attempt): the
    standings backend reloads the round and its boards are marked changed."""
    try:
        if reload:
            standings.get_backend().rebuild_round(round_id=round.pk)
        live.bump(round_scope(round.pk))
        live.bump(contest_scope(round.contest_id))
    except Exception:  # the results are saved; boards can be rebuilt
        log.exception("could not refresh the live boards of round %s", round.pk)


def refresh_standing(*, round_id, block_id, user_id):
    """Copy the participant's counted attempt (from the database) to the backend."""
    backend = standings.get_backend()
    counted = (
        Attempt.objects.filter(round_id=round_id, user_id=user_id, counted=True, is_preview=False)
        .values_list("block_id", "live_score")
        .first()
    )
    if counted is None or counted[1] is None:
        backend.remove(round_id=round_id, block_id=block_id, user_id=user_id)
    else:
        backend.record(round_id=round_id, block_id=counted[0], user_id=user_id, score=counted[1])
