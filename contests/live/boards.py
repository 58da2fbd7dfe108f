"""Snapshots of the live boards and who may watch them (selectors).

A round board lists the top N of a round and block in live order; the
turnout board lists each agency's distinct participants against its
headcount. Snapshots are plain dicts, serialised once per tick and sent to
every viewer unchanged, so they never hold anything personal beyond what a
public board shows: rank, (masked) name, agency or commune, correct
answers, time.
"""

from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.models import User
from contests.live import leaderboard, standings
from contests.models import Block, Contest, Round
from contests.rules import collective, ranking
from contests.setup import audience, counting

TOP_N = 20


# --- who may watch ---------------------------------------------------------------


def is_staff_viewer(*, user, contest):
    return user.is_authenticated and account_selectors.can_manage_agency(
        user=user, agency=contest.owner_agency
    )


def may_watch(*, user, contest):
    """Public contest → anyone; restricted → its audience and its organizers."""
    if is_staff_viewer(user=user, contest=contest):
        return True
    if contest.status == Contest.Status.DRAFT:
        return False
    return contest.is_public or audience.in_audience(user=user, contest=contest)


# --- freeze -----------------------------------------------------------------------


freeze_time = leaderboard.freeze_time


def is_frozen_for_public(round, now):
    moment = freeze_time(round)
    return moment is not None and now >= moment


def board_key(*, round_id, block_id, staff):
    return f"r{round_id}.b{block_id or 0}.{'staff' if staff else 'pub'}"


def turnout_key(*, contest_id):
    return f"t{contest_id}"


# --- round board ------------------------------------------------------------------


def _where(user):
    if user.kind == User.Kind.OFFICIAL and user.agency_id:
        return user.agency.name
    return user.ward_name or user.province_name


def _frozen_top(round, block, moment, n):
    """Standings as of `moment` (leaderboard.frozen_entries), as (user id, live score)."""
    scored = [(user_id, score) for _pk, user_id, score in leaderboard.frozen_entries(round, block, moment)]
    return scored[:n], len(scored)


def round_board(*, round_id, block_id, staff, now=None, n=TOP_N):
    now = now or timezone.now()
    round = Round.objects.select_related("contest").get(pk=round_id)
    contest = round.contest
    block = Block.objects.filter(pk=block_id, contest=contest).first() if block_id else None
    frozen = not staff and is_frozen_for_public(round, now)
    hidden = not staff and contest.leaderboard == Contest.Leaderboard.HIDDEN
    payload = {
        "type": "snapshot",
        "board": board_key(round_id=round.pk, block_id=block_id, staff=staff),
        "round": {"id": round.pk, "number": round.number, "title": round.title},
        "block": {"id": block.pk, "name": block.name} if block else None,
        "question_count": round.questions_per_attempt,
        "provisional": True,
        "frozen": frozen,
        "frozen_at": freeze_time(round).isoformat() if frozen else None,
        "hidden": hidden,
        "generated_at": now.isoformat(),
        "participants": 0,
        "top": [],
    }
    if hidden:
        return payload
    backend = standings.get_backend()
    if frozen:
        top, count = _frozen_top(round, block, freeze_time(round), n)
    else:
        top = backend.top(round_id=round.pk, block_id=block_id, n=n)
        count = backend.count(round_id=round.pk, block_id=block_id)
    users = User.objects.select_related("agency").in_bulk([user_id for user_id, _score in top])
    rows = []
    for position, (user_id, score) in enumerate(top, start=1):
        correct, duration, _finish = ranking.decode_score(score)
        user = users.get(user_id)
        if user is None:
            continue
        rows.append(
            {
                "rank": position,
                "name": leaderboard.display_name(
                    user, masked=contest.name_display == Contest.NameDisplay.MASKED
                ),
                "where": _where(user),
                "correct": correct,
                "duration_ms": duration,
            }
        )
    payload["participants"] = count
    payload["top"] = rows
    return payload


def round_board_signature(*, round_id, staff, now=None):
    """Extra state that changes a board without a new attempt (the freeze)."""
    now = now or timezone.now()
    if staff:
        return "live"
    round = Round.objects.select_related("contest").get(pk=round_id)
    if round.contest.leaderboard == Contest.Leaderboard.HIDDEN:
        return {"static": "hidden"}
    if is_frozen_for_public(round, now):
        return {"static": "frozen"}  # a frozen board never changes again
    return "live"


def my_standing(*, round, block_id, user):
    backend = standings.get_backend()
    found = backend.rank_of(round_id=round.pk, block_id=block_id, user_id=user.pk)
    if found is None:
        return {"type": "me", "round_id": round.pk, "rank": None}
    rank, score = found
    correct, duration, _finish = ranking.decode_score(score)
    return {
        "type": "me",
        "round_id": round.pk,
        "rank": rank,
        "correct": correct,
        "duration_ms": duration,
        "participants": backend.count(round_id=round.pk, block_id=block_id),
    }


# --- turnout board ----------------------------------------------------------------


def turnout_board(*, contest_id, now=None):
    """Each audience agency's distinct participants against its headcount,
    counted as the participation report counts them (contests.setup.counting:
    valid entries only; sub-agencies' people for their parent when the contest
    says so); the rate in percent, half-up to one decimal."""
    now = now or timezone.now()
    contest = Contest.objects.select_related("owner_agency").get(pk=contest_id)
    subtree = contest.count_subagencies
    by_agency = counting.participants_by_agency(contest=contest, subtree=subtree)
    agencies = list(audience.audience_agencies(contest).only("id", "name", "headcount", "path"))
    heads = counting.headcounts(agencies, subtree=subtree)
    valid = counting.valid_attempts(round__contest=contest)
    rows = []
    for agency in agencies:
        people, headcount = by_agency.get(agency.pk, 0), heads[agency.pk]
        rate = collective.percent(people, headcount, places=1)
        rows.append(
            {
                "agency": agency.name,
                "participants": people,
                "headcount": headcount,
                "rate": None if rate is None else float(rate),
            }
        )
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["participants"], r["agency"]))
    return {
        "type": "turnout",
        "board": turnout_key(contest_id=contest.pk),
        "contest": {"id": contest.pk, "title": contest.title},
        "generated_at": now.isoformat(),
        "officials": valid.filter(user__kind=User.Kind.OFFICIAL).values("user_id").distinct().count(),
        "citizens": valid.filter(user__kind=User.Kind.CITIZEN).values("user_id").distinct().count(),
        "agencies": rows,
    }
