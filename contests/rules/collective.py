"""Collective prizes (giải tập thể) for agencies, as pure functions (no ORM).

An agency's participation rate is distinct participants over its headcount,
in percent rounded half-up to 0.01 (`percent`: the one rounding of every
rate and percentage the site shows — reports, collective prizes, and the
turnout board at one decimal). A formula ranks agencies by that rate, or by the rate
combined with their average score or prize points; gates (a minimum rate,
every mandatory person took part, at least one individual prize) keep an
agency out of the ranking. Quotas by position are checked exactly.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

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


def percent(part, whole, places=2):
    """100 × part / whole rounded half-up to `places` decimals (12.5 → 13,
    6.25 → 6.3, 0.125 → 0.13); None when `whole` is 0."""
    if not whole:
        return None
    return (HUNDRED * Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


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
    return percent(total, len(rounds))  # the mean of the rates, rounded once


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
