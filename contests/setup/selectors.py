"""Reads for the organiser's setup pages: how a round stands right now."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from contests.models import Attempt


def round_state(round, now):
    if now < round.opens_at:
        return "upcoming"
    if now < round.closes_at:
        return "open"
    return "closed"


def round_state_label(state):
    return {"upcoming": _("Not open yet"), "open": _("Open now"), "closed": _("Closed")}[state]


def round_stats(*, round, now):
    """Attempts in progress, finished, and distinct participants (previews
    excluded), for the round and per block. Two queries."""
    current = Q(deadline__isnull=True) | Q(deadline__gt=now)
    attempts = Attempt.objects.filter(round=round).order_by()
    counts = {
        "in_progress": Count("id", filter=Q(is_preview=False, status=Attempt.Status.IN_PROGRESS) & current),
        "finished": Count("id", filter=Q(is_preview=False) & ~Q(status=Attempt.Status.IN_PROGRESS)),
        "participants": Count("user", filter=Q(is_preview=False), distinct=True),
    }
    totals = attempts.aggregate(previews=Count("id", filter=Q(is_preview=True)), **counts)
    per_block = {row.pop("block_id"): row for row in attempts.values("block_id").annotate(**counts)}
    blocks = list(round.blocks.all()) or list(round.contest.blocks.all())
    rows = [{"id": b.pk, "name": b.name, **_zero(per_block.get(b.pk))} for b in blocks]
    if blocks and None in per_block:
        rows.append({"id": None, "name": _("No block"), **_zero(per_block[None])})
    state = round_state(round, now)
    return {
        "round": round.pk,
        "state": state,
        "state_label": str(round_state_label(state)),
        "server_time": now.isoformat(),
        "totals": totals,
        "blocks": rows,
    }


def _zero(row):
    row = row or {}
    return {key: row.get(key, 0) for key in ("in_progress", "finished", "participants")}
