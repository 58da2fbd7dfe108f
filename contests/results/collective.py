"""Collective prizes (giải tập thể): an agency's figures read from the
database, ranked by the contest's formula (`rules.collective`), saved and
published as a frozen, hashed ranking."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Agency, User
from contests.models import (
    Award,
    CollectivePrize,
    CollectivePublication,
    CollectiveQuota,
    CollectiveTier,
    Round,
    Standing,
)
from contests.results import selectors as award_selectors
from contests.results.services import AwardError, check_manager
from contests.rules import canonical
from contests.rules import collective as formulas
from contests.setup import audience, counting
from contests.setup.counting import valid_attempts


def collective_agencies(prize):
    chosen = prize.agencies.all()
    if chosen.exists():
        return Agency.objects.filter(pk__in=chosen.values("pk"), is_active=True)
    return audience.audience_agencies(prize.contest).filter(kind=prize.agency_kind)


def collective_rounds(prize):
    chosen = list(prize.rounds.all())
    if chosen:
        return chosen
    return list(Round.objects.filter(contest=prize.contest, is_practice=False).order_by("number"))


def _formula(prize):
    return formulas.Formula(
        kind=prize.formula,
        rate_mode=prize.rate_mode,
        rate_weight=prize.rate_weight,
        other_weight=prize.other_weight,
        min_rate=prize.min_rate,
        require_mandatory=prize.require_mandatory,
        require_prize=prize.require_prize,
    )


@dataclass
class CollectiveRanking:
    prize: CollectivePrize
    rows: list  # formulas.CollectiveRow, best first
    tiers: dict  # agency_id → tier name
    compliance: dict  # agency_id → [QuotaCheck]


def collective_ranking(prize):
    """The ranking of one collective prize, computed from the current data.
    A person counts for their agency, and with the contest's
    `count_subagencies` for every agency above it too (contests.setup.counting):
    participants, headcount, average score, prizes, mandatory people and quotas alike."""
    contest = prize.contest
    subtree = contest.count_subagencies
    agencies = list(collective_agencies(prize))
    agency_ids = {a.pk for a in agencies}
    rounds = collective_rounds(prize)
    round_ids = [r.pk for r in rounds]
    people = counting.people_filter(agencies, subtree=subtree)

    def counted_for(agency_id, path, is_active):
        ids = counting.counts_for(agency_id=agency_id, path=path, is_active=is_active, subtree=subtree)
        return [i for i in ids if i in agency_ids]

    def by_agency(rows):
        """(agency id, path, active, value…) rows → [(counted-for agency id, value…)]."""
        for agency_id, path, is_active, *values in rows:
            for counted in counted_for(agency_id, path, is_active):
                yield counted, *values

    per_round = defaultdict(dict)
    for round in rounds:
        counts = counting.participants_by_agency(contest=contest, round=round, subtree=subtree)
        for agency_id, n in counts.items():
            per_round[agency_id][round.pk] = n
    totals = counting.participants_by_agency(contest=contest, rounds=round_ids, subtree=subtree)
    heads = counting.headcounts(agencies, subtree=subtree)
    valid = valid_attempts(round_id__in=round_ids).filter(people)
    agency_fields = ("user__agency_id", "user__agency__path", "user__agency__is_active")
    # Average score: of each participant's final standing (or counted attempt before finalisation).
    scores = defaultdict(list)
    for round in rounds:
        result = award_selectors.current_result(round)
        if result is not None:
            rows = Standing.objects.filter(people, result=result).values_list(*agency_fields, "score")
        else:
            rows = valid.filter(round=round, counted=True).values_list(*agency_fields, "score")
        for agency_id, score in by_agency(rows):
            scores[agency_id].append(score)
    # Individual prizes under the current publications of the counted rounds.
    pubs = [p.pk for r, p in award_selectors.current_publications(contest).items() if r in round_ids]
    points, prizes = defaultdict(int), defaultdict(int)
    awarded = Award.objects.filter(people, publication_id__in=pubs, superseded_by__isnull=True)
    for agency_id, pts in by_agency(awarded.values_list(*agency_fields, "points")):
        points[agency_id] += pts
        prizes[agency_id] += 1
    # Mandatory people and quotas.
    took_part = set(valid.values_list("user_id", flat=True).distinct())
    members_filter = counting.people_filter(agencies, subtree=subtree, prefix="")
    missing = defaultdict(list)
    mandatory = prize.mandatory_people.filter(members_filter).select_related("agency")
    for person in mandatory:
        if person.pk not in took_part:
            for agency_id in counted_for(person.agency_id, person.agency.path, person.agency.is_active):
                missing[agency_id].append(person.full_name or person.email)
    quotas = [
        formulas.Quota(position=q.position, min_count=q.min_count, min_percent=q.min_percent)
        for q in prize.quotas.all()
    ]
    members = defaultdict(lambda: defaultdict(int))
    joined = defaultdict(lambda: defaultdict(int))
    if quotas:
        officials = User.objects.filter(members_filter, kind=User.Kind.OFFICIAL, is_active=True)
        rows = officials.values_list("agency_id", "agency__path", "agency__is_active", "position", "pk")
        for agency_id, position, user_id in by_agency(rows):
            members[agency_id][position] += 1
            if user_id in took_part:
                joined[agency_id][position] += 1
    compliance = {}
    figures = []
    for agency in agencies:
        checks = formulas.check_quotas(quotas, members[agency.pk], joined[agency.pk])
        compliance[agency.pk] = checks
        agency_scores = scores.get(agency.pk, [])
        figures.append(
            formulas.AgencyFigures(
                agency_id=agency.pk,
                name=agency.name,
                headcount=heads[agency.pk],
                participants_by_round=tuple(per_round[agency.pk].get(r, 0) for r in round_ids),
                participants_total=totals.get(agency.pk, 0),
                # The mean score (a percentage) half-up to 0.01 like every rate: percent(Σ, 100 × n) = Σ / n.
                average_score=formulas.percent(sum(agency_scores), 100 * len(agency_scores)),
                prize_points=points[agency.pk],
                prizes=prizes[agency.pk],
                mandatory_missing=tuple(sorted(missing[agency.pk])),
                quota_failures=tuple(
                    f"{c.quota.position}: {c.took_part}/{c.required}" for c in checks if not c.ok
                ),
            )
        )
    ranked = formulas.rank_collective(figures, _formula(prize))
    slots = [t for t in prize.tiers.all() for _n in range(t.count)]
    tiers = {}
    for row in ranked:
        if row.rank is None or row.rank > len(slots):
            continue
        tiers[row.figures.agency_id] = slots[row.rank - 1].name
    return CollectiveRanking(prize=prize, rows=ranked, tiers=tiers, compliance=compliance)


def collective_rows_for_publication(ranking):
    """Plain, canonical rows (strings for decimals) frozen at publication."""

    def text(value):
        return None if value is None else str(value)

    return [
        {
            "agency": row.figures.agency_id,
            "name": row.figures.name,
            "headcount": row.figures.headcount,
            "participants": row.figures.participants_total,
            "rate": text(row.rate),
            "value": text(row.value),
            "rank": row.rank,
            "prize": ranking.tiers.get(row.figures.agency_id, ""),
            "failed_gates": list(row.failed_gates),
        }
        for row in ranking.rows
    ]


@dataclass(frozen=True)
class QuotaData:
    position: str
    min_count: int = 0
    min_percent: Decimal | None = None


@transaction.atomic
def save_collective_prize(
    *,
    actor,
    contest,
    prize=None,
    name,
    agencies=(),
    agency_kind="",
    rounds=(),
    formula=CollectivePrize.Formula.RATE,
    rate_mode=CollectivePrize.RateMode.AVERAGED,
    rate_weight=Decimal(1),
    other_weight=Decimal(1),
    min_rate=None,
    require_mandatory=False,
    require_prize=False,
    mandatory_people=(),
    tiers=(),
    quotas=(),
):
    check_manager(actor, contest)
    problems = []
    if not name.strip():
        problems.append(_("Give the collective prize a name."))
    if formula not in CollectivePrize.Formula.values:
        problems.append(_("Choose a formula."))
    if rate_mode not in CollectivePrize.RateMode.values:
        problems.append(_("Choose how the participation rate is computed."))
    if min_rate is not None and not (0 <= min_rate <= 100):
        problems.append(_("The minimum rate is a percentage between 0 and 100."))
    if any(r.contest_id != contest.pk for r in rounds):
        problems.append(_("That round belongs to another contest."))
    if not agencies and not agency_kind:
        problems.append(_("Choose the agencies of the group (or an agency kind)."))
    for n, t in enumerate(tiers, start=1):
        if not t.name.strip() or t.count < 1:
            problems.append(_("Prize %(n)d needs a name and at least one prize.") % {"n": n})
    for q in quotas:
        if q.min_percent is not None and not (0 <= q.min_percent <= 100):
            problems.append(_("A quota percentage is between 0 and 100."))
    if problems:
        raise AwardError(*problems)
    before = audit.snapshot(prize, PRIZE_FIELDS) if prize is not None else None
    if prize is None:
        prize = CollectivePrize(contest=contest)
    prize.name = name.strip()
    prize.agency_kind = agency_kind
    prize.formula = formula
    prize.rate_mode = rate_mode
    prize.rate_weight = rate_weight
    prize.other_weight = other_weight
    prize.min_rate = min_rate
    prize.require_mandatory = require_mandatory
    prize.require_prize = require_prize
    prize.save()
    prize.agencies.set(agencies)
    prize.rounds.set(rounds)
    prize.mandatory_people.set(mandatory_people)
    prize.tiers.all().delete()
    CollectiveTier.objects.bulk_create(
        CollectiveTier(prize=prize, position=n, name=t.name.strip(), count=t.count, amount=t.amount)
        for n, t in enumerate(tiers, start=1)
    )
    prize.quotas.all().delete()
    CollectiveQuota.objects.bulk_create(
        CollectiveQuota(prize=prize, position=q.position, min_count=q.min_count, min_percent=q.min_percent)
        for q in quotas
    )
    audit.record(
        actor=actor,
        action="collective_prize.save",
        obj=prize,
        contest=contest,
        summary=prize.name,
        before=before,
        after=audit.snapshot(prize, PRIZE_FIELDS),
    )
    return prize


PRIZE_FIELDS = [
    "name",
    "agency_kind",
    "formula",
    "rate_mode",
    "rate_weight",
    "other_weight",
    "min_rate",
    "require_mandatory",
    "require_prize",
    "agencies",
    "rounds",
    "mandatory_people",
]


@transaction.atomic
def publish_collective(*, prize, actor, now=None):
    """Freeze the collective ranking (rows + SHA-256) and make it public."""
    now = now or timezone.now()
    check_manager(actor, prize.contest)
    ranking = collective_ranking(prize)
    rows = collective_rows_for_publication(ranking)
    digest = hashlib.sha256(canonical.canonical_json(rows)).hexdigest()
    publication = CollectivePublication.objects.create(
        prize=prize, rows=rows, sha256=digest, published_by=actor, published_at=now
    )
    audit.record(
        actor=actor,
        action="collective_prize.publish",
        obj=publication,
        contest=prize.contest,
        summary=prize.name,
        after={"sha256": digest, "agencies": len(rows)},
    )
    return publication
