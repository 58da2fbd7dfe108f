"""The organiser's tables of a contest's results: its ranking rules (the
chain, how the prediction's actual value is counted) and its prize tables
(tiers, eligibility, the minimum for a prize), per contest, round and block."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from contests.models import PrizeTable, PrizeTier, ResultPolicy
from contests.results.services import AwardError, check_manager
from contests.rules import chain


@transaction.atomic
def save_result_policy(*, actor, contest, round=None, chain_criteria, equal_error, counts, scope, valid_only):
    """Store the ranking rules of a contest (or of one round). Rounds already
    finalised keep the rules they were finalised with."""
    check_manager(actor, contest)
    try:
        criteria = chain.validate_chain(chain_criteria)
    except chain.ChainError as error:
        raise AwardError(str(error)) from None
    problems = []
    if equal_error not in chain.EQUAL_ERROR_CHOICES:
        problems.append(_("Choose how equal over- and under-predictions are ordered."))
    if counts not in (chain.COUNT_PERSONS, chain.COUNT_ATTEMPTS):
        problems.append(_("Choose whether the prediction counts persons or attempts."))
    if scope not in (chain.SCOPE_OVERALL, chain.SCOPE_BLOCK):
        problems.append(_("Choose whether the prediction is for the whole round or each block."))
    if round is not None and round.contest_id != contest.pk:
        problems.append(_("That round belongs to another contest."))
    if problems:
        raise AwardError(*problems)
    values = {
        "chain": list(criteria),
        "equal_error": equal_error,
        "prediction_counts": counts,
        "prediction_scope": scope,
        "prediction_valid_only": bool(valid_only),
        "updated_by": actor,
    }
    before = _policy_snapshot(contest, round)
    if round is not None:
        row, _created = ResultPolicy.objects.update_or_create(
            round=round, defaults={"contest": contest, **values}
        )
    else:
        row, _created = ResultPolicy.objects.update_or_create(
            contest=contest, round__isnull=True, defaults=values
        )
    audit.record(
        actor=actor,
        action="ranking_rules.save",
        obj=row,
        contest=contest,
        summary=str(round) if round is not None else contest.title,
        before=before,
        after=audit.snapshot(row, POLICY_FIELDS),
    )
    return row


POLICY_FIELDS = ["chain", "equal_error", "prediction_counts", "prediction_scope", "prediction_valid_only"]


def _policy_snapshot(contest, round):
    row = ResultPolicy.objects.filter(contest=contest, round=round).first()
    return audit.snapshot(row, POLICY_FIELDS) if row is not None else None


@dataclass(frozen=True)
class TierData:
    name: str
    count: int
    amount: Decimal = Decimal(0)
    points: int = 0


DEFAULT_TIERS = [
    TierData("Giải Nhất", 1, Decimal(2_000_000), 10),
    TierData("Giải Nhì", 2, Decimal(1_500_000), 8),
    TierData("Giải Ba", 3, Decimal(1_000_000), 6),
    TierData("Giải Khuyến khích", 10, Decimal(500_000), 4),
]


@transaction.atomic
def save_prize_table(
    *,
    actor,
    contest,
    round=None,
    block=None,
    tiers,
    one_per_contest=False,
    exclude_staff=True,
    require_complete_profile=True,
    boundary_ties=PrizeTable.BoundaryTies.BOARD,
    min_score=None,
    require_all_correct=False,
):
    """Create or replace the prize table for (contest, round, block), tiers
    highest first, with its minimum for a prize (a score, every answer correct)."""
    check_manager(actor, contest)
    problems = []
    tiers = list(tiers)
    if not tiers:
        problems.append(_("Add at least one prize."))
    for n, tier in enumerate(tiers, start=1):
        if not tier.name.strip():
            problems.append(_("Prize %(n)d needs a name.") % {"n": n})
        if tier.count < 1:
            problems.append(_("Prize %(n)d: the number of prizes must be at least 1.") % {"n": n})
        if tier.amount < 0 or tier.points < 0:
            problems.append(_("Prize %(n)d: amounts and points cannot be negative.") % {"n": n})
    names = [t.name.strip().casefold() for t in tiers]
    if len(set(names)) != len(names):
        problems.append(_("Two prizes have the same name."))
    if round is not None and round.contest_id != contest.pk:
        problems.append(_("That round belongs to another contest."))
    if block is not None and block.contest_id != contest.pk:
        problems.append(_("That block belongs to another contest."))
    if boundary_ties not in PrizeTable.BoundaryTies.values:
        problems.append(_("Choose what happens with a tie at a prize boundary."))
    if min_score is not None and not 0 <= min_score <= 100:
        problems.append(_("The minimum score for a prize is a percentage from 0 to 100."))
    if problems:
        raise AwardError(*problems)
    table = PrizeTable.objects.filter(contest=contest, round=round, block=block).first()
    before = audit.snapshot(table, PRIZE_TABLE_FIELDS) | {"tiers": _tiers_text(table)} if table else None
    if table is None:
        table = PrizeTable(contest=contest, round=round, block=block)
    table.one_per_contest = one_per_contest
    table.exclude_staff = exclude_staff
    table.require_complete_profile = require_complete_profile
    table.boundary_ties = boundary_ties
    table.min_score = min_score
    table.require_all_correct = require_all_correct
    table.save()
    table.tiers.all().delete()
    PrizeTier.objects.bulk_create(
        PrizeTier(
            table=table, position=n, name=t.name.strip(), count=t.count, amount=t.amount, points=t.points
        )
        for n, t in enumerate(tiers, start=1)
    )
    audit.record(
        actor=actor,
        action="prize_table.save",
        obj=table,
        contest=contest,
        summary=str(table),
        before=before,
        after=audit.snapshot(table, PRIZE_TABLE_FIELDS) | {"tiers": _tiers_text(table)},
    )
    return table


PRIZE_TABLE_FIELDS = [
    "round",
    "block",
    "one_per_contest",
    "exclude_staff",
    "require_complete_profile",
    "boundary_ties",
    "min_score",
    "require_all_correct",
]


def _tiers_text(table):
    return [f"{t.name} × {t.count} ({t.amount} đ, {t.points})" for t in table.tiers.all()]
