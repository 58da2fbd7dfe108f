"""Round leaderboards for the JSON API, in the one live order.

The order is rules.ranking's (correct answers desc, server-measured duration
asc, finish time in whole units asc, participant id asc), the same the
WebSocket boards and the "me" message use, so an entry has the same rank on
every surface. The API reads the database backend (the counted attempts'
`live_score`), the source of truth; the boards may read Redis' sorted sets,
which order exactly alike (a property test keeps them equal). No two entries share
a rank; the final order, with the prediction question and shared places,
is decided when the round is finalised.

`block=None` means the whole round (every block); a Block limits the board
to it. `before=<datetime>` gives the board as it stood then (a frozen board):
each person's counted attempt is chosen among their attempts finished before
that moment, by the round's counting rule.
"""

from django.utils.translation import gettext as _

from contests.live import standings
from contests.models import Attempt, Contest
from contests.rules import ranking, scoring

HIDDEN, FROZEN, LIVE = "hidden", "frozen", "live"
MAX_N = 100
DATABASE = standings.DatabaseStandings()


def _rows(round, block):
    qs = Attempt.objects.filter(round=round, is_preview=False)
    return qs.filter(block=block) if block is not None else qs


def frozen_entries(round, block, before):
    """Each person's counted attempt among those finished before `before`, in
    the live order (computed in Python: a frozen board is rebuilt rarely), as
    (attempt id, user id, live score) rows."""
    by_user = {}
    fields = ("pk", "user_id", "number", "correct_count", "duration_ms", "finished_at")
    for row in (
        _rows(round, block)
        .filter(status__in=[Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED], finished_at__lt=before)
        .values_list(*fields)
    ):
        by_user.setdefault(row[1], []).append(row)
    chosen = []
    for user_id, rows in by_user.items():
        finished = [
            scoring.Finished(id=r[0], number=r[2], correct_count=r[3], duration_ms=r[4], finished_at=r[5])
            for r in rows
        ]
        pick = next(r for r in rows if r[0] == scoring.counted_attempt(finished, round.counting))
        score = ranking.live_score(
            user_id=user_id,
            correct=pick[3],
            duration_ms=pick[4],
            finished_at=pick[5],
            opens_at=round.opens_at,
            closes_at=round.closes_at,
        )
        chosen.append((pick[0], user_id, score))
    chosen.sort(key=lambda r: (r[2], r[1]))
    return chosen


def _block_id(block):
    return block.pk if block is not None else None


def top(*, round, block=None, n=20, before=None):
    """The first `n` entries: dicts with rank, user_id, name, agency,
    correct_count, question_count, score, duration_ms, finished_at."""
    n = max(0, min(int(n), MAX_N))
    if before is None:
        user_ids = [u for u, _score in DATABASE.top(round_id=round.pk, block_id=_block_id(block), n=n)]
        found = {
            a.user_id: a
            for a in _rows(round, block)
            .filter(counted=True, user_id__in=user_ids)
            .select_related("user", "user__agency")
        }
    else:
        chosen = frozen_entries(round, block, before)[:n]
        user_ids = [u for _pk, u, _score in chosen]
        by_pk = Attempt.objects.filter(pk__in=[pk for pk, _u, _s in chosen]).select_related(
            "user", "user__agency"
        )
        found = {a.user_id: a for a in by_pk}
    masked = round.contest.name_display == Contest.NameDisplay.MASKED
    attempts = [found[u] for u in user_ids if u in found]
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
        for rank, a in enumerate(attempts, start=1)
    ]


def rank_of(*, round, user, block=None, before=None):
    """The person's rank (1 = first) on the board, or None when not on it."""
    if before is not None:
        rows = frozen_entries(round, block, before)
        return next((i for i, r in enumerate(rows, start=1) if r[1] == user.pk), None)
    found = DATABASE.rank_of(round_id=round.pk, block_id=_block_id(block), user_id=user.pk)
    return None if found is None else found[0]


def participant_count(*, round, block=None, before=None):
    """People on the board (one counted attempt each)."""
    if before is not None:
        return len(frozen_entries(round, block, before))
    return DATABASE.count(round_id=round.pk, block_id=_block_id(block))


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
