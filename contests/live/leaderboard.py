"""Round leaderboards over counted attempts — the database backend.

A small interface (`top`, `rank_of`, `participant_count`) that a Redis
backend can implement the same way. Order: correct answers (desc), duration
measured by the server (asc), finish time (asc): `scoring.ranking_key`.
Equal keys share a rank (competition ranking: 1, 2, 2, 4).

`block=None` means the whole round (every block); a Block limits the board
to it. `before=<datetime>` gives the board as it stood then (a frozen board):
each person's counted attempt is chosen among their attempts finished before
that moment, by the round's counting rule.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from contests.models import Attempt, Contest
from contests.rules import ranking, scoring

HIDDEN, FROZEN, LIVE = "hidden", "frozen", "live"
MAX_N = 100


def _rows(round, block):
    qs = Attempt.objects.filter(round=round, is_preview=False)
    return qs.filter(block=block) if block is not None else qs


def _live(round, block):
    return _rows(round, block).filter(counted=True)


def frozen_entries(round, block, before):
    """Each person's counted attempt among those finished before `before`, in
    ranking order (computed in Python: a frozen board is rebuilt rarely), as
    (attempt id, user id, number, correct, duration_ms, finished_at) rows."""
    by_user = {}
    fields = ("pk", "user_id", "number", "correct_count", "duration_ms", "finished_at")
    for row in (
        _rows(round, block)
        .filter(status__in=[Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED], finished_at__lt=before)
        .values_list(*fields)
    ):
        by_user.setdefault(row[1], []).append(row)
    chosen = []
    for rows in by_user.values():
        finished = [
            scoring.Finished(id=r[0], number=r[2], correct_count=r[3], duration_ms=r[4], finished_at=r[5])
            for r in rows
        ]
        pick = scoring.counted_attempt(finished, round.counting)
        chosen.extend(r for r in rows if r[0] == pick)
    chosen.sort(key=lambda r: (*scoring.ranking_key(r[3], r[4], r[5]), r[1]))
    return chosen


def _ranked(keys):
    """Competition ranks for keys already in order."""
    ranks, previous, rank = [], None, 0
    for index, key in enumerate(keys, start=1):
        if key != previous:
            rank, previous = index, key
        ranks.append(rank)
    return ranks


def top(*, round, block=None, n=20, before=None):
    """The first `n` entries: dicts with rank, user_id, name, agency,
    correct_count, question_count, score, duration_ms, finished_at."""
    n = max(0, min(int(n), MAX_N))
    if before is None:
        attempts = list(
            _live(round, block)
            .select_related("user", "user__agency")
            .order_by("-correct_count", "duration_ms", "finished_at", "user_id")[:n]
        )
    else:
        ids = [r[0] for r in frozen_entries(round, block, before)[:n]]
        found = {a.pk: a for a in Attempt.objects.filter(pk__in=ids).select_related("user", "user__agency")}
        attempts = [found[pk] for pk in ids]
    keys = [scoring.ranking_key(a.correct_count, a.duration_ms, a.finished_at) for a in attempts]
    masked = round.contest.name_display == Contest.NameDisplay.MASKED
    return [
        {
            "rank": rank,
            "user_id": a.user_id,
            "name": display_name(a.user, masked=masked),
            "agency": a.user.agency.name if a.user.agency_id and a.user.kind == "official" else "",
            "correct_count": a.correct_count,
            "question_count": a.question_count,
            "score": str(a.score),
            "duration_ms": a.duration_ms,
            "finished_at": a.finished_at.isoformat(timespec="milliseconds"),
        }
        for rank, a in zip(_ranked(keys), attempts, strict=True)
    ]


def rank_of(*, round, user, block=None, before=None):
    """The person's rank (1 = first) on the board, or None when not on it."""
    if before is not None:
        rows = frozen_entries(round, block, before)
        mine = next((r for r in rows if r[1] == user.pk), None)
        if mine is None:
            return None
        key = scoring.ranking_key(mine[3], mine[4], mine[5])
        return 1 + sum(1 for r in rows if scoring.ranking_key(r[3], r[4], r[5]) < key)
    mine = _live(round, block).filter(user=user).values("correct_count", "duration_ms", "finished_at").first()
    if mine is None:
        return None
    c, d, f = mine["correct_count"], mine["duration_ms"], mine["finished_at"]
    better = (
        Q(correct_count__gt=c)
        | Q(correct_count=c, duration_ms__lt=d)
        | Q(correct_count=c, duration_ms=d, finished_at__lt=f)
    )
    return 1 + _live(round, block).filter(better).count()


def participant_count(*, round, block=None, before=None):
    """People on the board (one counted attempt each)."""
    if before is not None:
        return len(frozen_entries(round, block, before))
    return _live(round, block).count()


def display_name(user, *, masked):
    name = ranking.mask_name(user.full_name) if masked else user.full_name
    return name or _("(no name)")


# --- who sees what ------------------------------------------------------------------------------


def freeze_time(round):
    """When the public board stops changing: the round's own freeze time, else
    the contest's when its leaderboard is "frozen from a set time"."""
    if round.freeze_at:
        return round.freeze_at
    if round.contest.leaderboard == Contest.Leaderboard.FROZEN:
        return round.contest.leaderboard_freeze_at
    return None


def mode_for(*, round, now, staff):
    """(mode, freeze time): what a viewer gets. Organizers always see it live."""
    if staff:
        return LIVE, None
    if round.contest.leaderboard == Contest.Leaderboard.HIDDEN:
        return HIDDEN, None
    moment = freeze_time(round)
    if moment is not None and now >= moment:
        return FROZEN, moment
    return LIVE, None
