"""Prize filling and collective-prize formulas, as pure functions (no ORM).

Individual prizes: the tiers of a prize table (highest first) are expanded
into places (Nhất ×1, Nhì ×2 … → [Nhất, Nhì, Nhì, …]) and filled from the
final ranking in order. A candidate is passed over (and the place goes to the
next one) when they are organiser staff or a question author, when their
profile is incomplete, or — with "one prize per person per contest" — when
they already hold a prize at least as high in another round (holding a lower
one, they take this higher prize and the lower one is marked superseded).

A full tie (equal on every criterion, no board decision) that would receive
places of different tiers, or that runs past the last place, is a tie at a
tier boundary. The table says what happens:
- "higher": all of them get the higher tier; they use up as many places as
  they are, so the following tiers get fewer (past the last place, more
  prizes than listed are given);
- "board": the places stay pending, publishing is blocked, and the organising
  board records the order (a new version of the results).
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

HIGHER = "higher"
BOARD = "board"

# Why a candidate is passed over.
REASON_STAFF = "staff"
REASON_AUTHOR = "author"
REASON_PROFILE = "profile"
REASON_HELD = "held"


@dataclass(frozen=True)
class Tier:
    position: int  # 1 = the highest
    name: str
    count: int
    amount: Decimal = Decimal(0)
    points: int = 0


@dataclass(frozen=True)
class Candidate:
    """A standing, in ranking order."""

    position: int
    rank: int
    user_id: int
    tied: bool = False


@dataclass(frozen=True)
class Proposed:
    candidate: Candidate
    tier: Tier | None  # None: pending a board decision
    upgrades: int | None = None  # tier position of a lower prize held elsewhere
    by_tie_rule: bool = False  # given the higher tier because of a boundary tie


@dataclass(frozen=True)
class PassedOver:
    candidate: Candidate
    reason: str
    held_tier: int | None = None


@dataclass(frozen=True)
class BoundaryTie:
    rank: int
    user_ids: tuple
    tiers: tuple  # tier names the tied group spans ("" = no prize)


@dataclass
class Proposal:
    awards: list = field(default_factory=list)
    passed_over: list = field(default_factory=list)
    boundary_ties: list = field(default_factory=list)
    places: int = 0
    filled: int = 0

    @property
    def blocked(self):
        return bool(self.boundary_ties)


class NeedMore(Exception):
    """Eligibility of a candidate is not known yet: the caller loads more and retries."""

    def __init__(self, position):
        super().__init__(position)
        self.position = position


def places(tiers):
    return [t for t in sorted(tiers, key=lambda t: t.position) for _ in range(t.count)]


def _groups(candidates):
    """Consecutive candidates of the same rank (a tie, when more than one)."""
    groups = OrderedDict()
    for c in sorted(candidates, key=lambda c: c.position):
        groups.setdefault(c.rank, []).append(c)
    return list(groups.values())


def fill_prizes(candidates, tiers, *, boundary=BOARD, ineligible=None, held=None, known=None):
    """The proposed winners of one block.

    candidates: Candidates in ranking order (may stop early; see NeedMore).
    tiers: Tiers of the prize table.
    ineligible: {user_id: reason} — staff, authors, incomplete profiles.
    held: {user_id: tier position} — the best prize each person already holds
        in another round of the contest (one prize per person per contest).
    known: user ids whose eligibility was checked; reaching anyone else raises
        NeedMore (None = every candidate is known).
    """
    ineligible = ineligible or {}
    held = held or {}
    slots = places(tiers)
    proposal = Proposal(places=len(slots))
    i = 0
    for group in _groups(candidates):
        if i >= len(slots):
            break
        tier_here = slots[i]
        eligible = []
        for c in group:
            if known is not None and c.user_id not in known:
                raise NeedMore(c.position)
            reason = ineligible.get(c.user_id)
            if reason:
                proposal.passed_over.append(PassedOver(c, reason))
                continue
            holds = held.get(c.user_id)
            if holds is not None and holds <= tier_here.position:
                proposal.passed_over.append(PassedOver(c, REASON_HELD, held_tier=holds))
                continue
            eligible.append(c)
        if not eligible:
            continue
        k = len(eligible)
        span = slots[i : i + k]
        uniform = len(span) == k and all(t is tier_here for t in span)
        if k == 1 or uniform:
            for c, t in zip(eligible, span, strict=False):
                proposal.awards.append(Proposed(c, t, upgrades=held.get(c.user_id)))
        elif boundary == HIGHER:
            for c in eligible:
                proposal.awards.append(Proposed(c, tier_here, upgrades=held.get(c.user_id), by_tie_rule=True))
        else:
            names = [t.name for t in span] + [""] * (k - len(span))
            proposal.boundary_ties.append(
                BoundaryTie(
                    rank=group[0].rank,
                    user_ids=tuple(c.user_id for c in eligible),
                    tiers=tuple(dict.fromkeys(names)),
                )
            )
            for c in eligible:
                proposal.awards.append(Proposed(c, None))
        i += k
    proposal.filled = min(i, len(slots))
    return proposal


# --- collective prizes ----------------------------------------------------------------

RATE = "rate"
RATE_SCORE = "rate_score"
RATE_POINTS = "rate_points"
AVERAGED = "averaged"
CUMULATIVE = "cumulative"

GATE_RATE = "rate"
GATE_MANDATORY = "mandatory"
GATE_PRIZE = "prize"

HUNDRED = Decimal(100)
PLACES = Decimal("0.01")


@dataclass(frozen=True)
class AgencyFigures:
    """What the collective formulas need about one agency."""

    agency_id: int
    name: str
    headcount: int
    participants_by_round: tuple  # distinct participants in each counted round
    participants_total: int  # distinct participants over those rounds
    average_score: Decimal | None  # mean score of its participants' entries
    prize_points: int
    prizes: int
    mandatory_missing: tuple = ()  # names of mandatory people who did not take part
    quota_failures: tuple = ()  # descriptions of quotas not met


@dataclass(frozen=True)
class Formula:
    kind: str = RATE
    rate_mode: str = AVERAGED
    rate_weight: Decimal = Decimal(1)
    other_weight: Decimal = Decimal(1)
    min_rate: Decimal | None = None  # percent
    require_mandatory: bool = False
    require_prize: bool = False


@dataclass
class CollectiveRow:
    figures: AgencyFigures
    rate: Decimal | None
    value: Decimal | None
    failed_gates: list
    rank: int | None = None


def percent(part, whole):
    if not whole:
        return None
    return (HUNDRED * Decimal(part) / Decimal(whole)).quantize(PLACES, ROUND_HALF_UP)


def participation_rate(figures, mode):
    """Percent: the mean of the per-round rates, or distinct people over all rounds / headcount."""
    if not figures.headcount:
        return None
    if mode == CUMULATIVE:
        return percent(figures.participants_total, figures.headcount)
    rounds = figures.participants_by_round
    if not rounds:
        return Decimal("0.00")
    total = sum(Decimal(n) / Decimal(figures.headcount) for n in rounds)
    return (HUNDRED * total / len(rounds)).quantize(PLACES, ROUND_HALF_UP)


def collective_value(figures, formula):
    rate = participation_rate(figures, formula.rate_mode)
    if rate is None:
        return None, None
    if formula.kind == RATE_SCORE:
        other = figures.average_score or Decimal(0)
    elif formula.kind == RATE_POINTS:
        other = Decimal(figures.prize_points)
    else:
        return rate, rate
    value = (formula.rate_weight * rate + formula.other_weight * other).quantize(PLACES, ROUND_HALF_UP)
    return rate, value


def rank_collective(agencies, formula):
    """Rows best first: agencies passing every gate by value (desc), then rate
    (desc), then name and id; agencies failing a gate (or with no headcount)
    follow, unranked, with the gates they failed."""
    rows = []
    for figures in agencies:
        rate, value = collective_value(figures, formula)
        failed = []
        if rate is None or (formula.min_rate is not None and rate < formula.min_rate):
            failed.append(GATE_RATE)
        if formula.require_mandatory and (figures.mandatory_missing or figures.quota_failures):
            failed.append(GATE_MANDATORY)
        if formula.require_prize and figures.prizes < 1:
            failed.append(GATE_PRIZE)
        rows.append(CollectiveRow(figures=figures, rate=rate, value=value, failed_gates=failed))
    passing = [r for r in rows if not r.failed_gates]
    failing = [r for r in rows if r.failed_gates]
    passing.sort(key=lambda r: (-r.value, -r.rate, r.figures.name, r.figures.agency_id))
    failing.sort(
        key=lambda r: (
            -(r.value if r.value is not None else Decimal(-1)),
            r.figures.name,
            r.figures.agency_id,
        )
    )
    previous, rank = None, 0
    for n, row in enumerate(passing, start=1):
        if (row.value, row.rate) != previous:
            rank = n
            previous = (row.value, row.rate)
        row.rank = rank
    return passing + failing


@dataclass(frozen=True)
class Quota:
    position: str  # User.Position value
    min_count: int = 0
    min_percent: Decimal | None = None  # of the agency's members in that position


@dataclass(frozen=True)
class QuotaCheck:
    quota: Quota
    members: int
    took_part: int
    required: int
    ok: bool


def check_quotas(quotas, members_by_position, participants_by_position):
    """Compliance of one agency with the mandatory quotas by position."""
    checks = []
    for quota in quotas:
        members = members_by_position.get(quota.position, 0)
        took_part = participants_by_position.get(quota.position, 0)
        required = quota.min_count
        if quota.min_percent is not None:
            by_percent = (Decimal(members) * quota.min_percent / HUNDRED).to_integral_value(
                rounding=ROUND_CEILING
            )
            required = max(required, int(by_percent))
        checks.append(
            QuotaCheck(
                quota=quota, members=members, took_part=took_part, required=required, ok=took_part >= required
            )
        )
    return checks
