"""Report queries: round summary, score buckets, participation by agency
(with the members who have not taken part), item analysis, collective
rankings and the periodic report for the Department of Home Affairs.

Reads only. "Participants" are distinct persons with a valid entry: a
finished attempt that is not a preview and not disqualified. Agencies count
their own members against their own headcount or, with the contest's
`count_subagencies`, their sub-agencies' too (contests.setup.counting, the
rule the turnout board and collective prizes share). Rates are
`rules.collective.percent` (half-up).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.translation import gettext_lazy

from accounts.models import Agency, User
from contests.models import (
    Attempt,
    AttemptQuestion,
    Award,
    Block,
    Contest,
    Disqualification,
    Round,
    Standing,
)
from contests.results import selectors as award_selectors
from contests.rules import collective
from contests.rules.timer import CONTEST_TZ
from contests.setup import audience, counting
from questionbank.models import Option, Question

DEFAULT_THRESHOLD = Decimal(50)


# --- round summary ----------------------------------------------------------------------------

BUCKETS = (
    ("perfect", gettext_lazy("100%")),
    ("high", gettext_lazy("75% to under 100%")),
    ("middle", gettext_lazy("25% to under 75%")),
    ("low", gettext_lazy("Under 25% (at least one correct)")),
    ("zero", gettext_lazy("0 correct")),
)


def _bucket_aggregates(prefix=""):
    score, correct = f"{prefix}score", f"{prefix}correct_count"
    return {
        "perfect": Count("pk", filter=Q(**{f"{score}__gte": 100})),
        "high": Count("pk", filter=Q(**{f"{score}__gte": 75, f"{score}__lt": 100})),
        "middle": Count("pk", filter=Q(**{f"{score}__gte": 25, f"{score}__lt": 75})),
        "low": Count("pk", filter=Q(**{f"{score}__lt": 25, f"{correct}__gt": 0})),
        "zero": Count("pk", filter=Q(**{correct: 0})),
    }


@dataclass
class BucketRow:
    block: Block | None
    total: int
    counts: dict  # bucket key → count

    @property
    def cells(self):
        return [
            (key, label, self.counts[key], collective.percent(self.counts[key], self.total))
            for key, label in BUCKETS
        ]


def score_buckets(round):
    """Per block: the participants' results in the published buckets. Uses the
    final standings when the round is finalised, else each person's counted attempt."""
    result = award_selectors.current_result(round)
    if result is not None:
        qs = Standing.objects.filter(result=result)
    else:
        qs = counting.valid_attempts(round=round, counted=True)
    rows = qs.values("block_id").annotate(total=Count("pk"), **_bucket_aggregates()).order_by("block_id")
    blocks = {b.pk: b for b in Block.objects.filter(contest_id=round.contest_id)}
    out = [
        BucketRow(block=blocks.get(r["block_id"]), total=r["total"], counts={k: r[k] for k, _l in BUCKETS})
        for r in rows
    ]
    out.sort(
        key=lambda r: (r.block is not None, r.block.position if r.block else 0, r.block.pk if r.block else 0)
    )
    if len(out) > 1:
        out.append(
            BucketRow(
                block=None,
                total=sum(r.total for r in out),
                counts={k: sum(r.counts[k] for r in out) for k, _l in BUCKETS},
            )
        )
        out[-1].is_total = True
    return out


@dataclass
class BlockSummary:
    block: Block | None
    attempts: int = 0
    finished: int = 0
    in_progress: int = 0
    participants: int = 0
    is_total: bool = False

    @property
    def completion(self):
        return collective.percent(self.finished, self.attempts)


@dataclass
class RoundSummary:
    round: Round
    blocks: list
    total: BlockSummary
    by_hour: list  # 24 counts of attempts started, by local hour
    by_day: list  # [(date, count)]
    buckets: list
    result: object = None
    publication: object = None
    prediction_actual: dict = field(default_factory=dict)


def round_summary(round):
    base = Attempt.objects.filter(round=round, is_preview=False)
    disqualified = Disqualification.objects.filter(round=OuterRef("round"), user=OuterRef("user"))
    rows = (
        base.values("block_id")
        .annotate(
            attempts=Count("pk"),
            finished=Count("pk", filter=~Q(status=Attempt.Status.IN_PROGRESS)),
            in_progress=Count("pk", filter=Q(status=Attempt.Status.IN_PROGRESS)),
        )
        .order_by("block_id")
    )
    people = (
        counting.valid_attempts(round=round)
        .values("block_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    people = {r["block_id"]: r["n"] for r in people}
    blocks = {b.pk: b for b in Block.objects.filter(contest_id=round.contest_id)}
    summaries = [
        BlockSummary(
            block=blocks.get(r["block_id"]),
            attempts=r["attempts"],
            finished=r["finished"],
            in_progress=r["in_progress"],
            participants=people.get(r["block_id"], 0),
        )
        for r in rows
    ]
    summaries.sort(key=lambda s: (s.block is not None, s.block.position if s.block else 0))
    total = BlockSummary(
        block=None,
        attempts=sum(s.attempts for s in summaries),
        finished=sum(s.finished for s in summaries),
        in_progress=sum(s.in_progress for s in summaries),
        participants=counting.valid_attempts(round=round)
        .exclude(Exists(disqualified))
        .values("user_id")
        .distinct()
        .count(),
        is_total=True,
    )
    hours = [0] * 24
    for r in (
        base.annotate(hour=ExtractHour("started_at", tzinfo=CONTEST_TZ))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        hours[r["hour"]] = r["n"]
    days = [
        (r["day"], r["n"])
        for r in base.annotate(day=TruncDate("started_at", tzinfo=CONTEST_TZ))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    ]
    result = award_selectors.current_result(round)
    return RoundSummary(
        round=round,
        blocks=summaries,
        total=total,
        by_hour=hours,
        by_day=days,
        buckets=score_buckets(round),
        result=result,
        publication=award_selectors.latest_publication(round),
        prediction_actual=result.prediction_actual if result else {},
    )


# --- participation by agency ---------------------------------------------------------------------


@dataclass
class AgencyRow:
    agency: Agency
    headcount: int
    participants: int
    rate: Decimal | None
    below: bool = False

    @property
    def missing_headcount(self):
        return not self.headcount


@dataclass
class Participation:
    rows: list
    threshold: Decimal
    best: list
    worst: list
    total_headcount: int
    total_participants: int
    subtree: bool = False  # sub-agencies' people count for their parent (contest.count_subagencies)

    @property
    def rate(self):
        return collective.percent(self.total_participants, self.total_headcount)


SORTS = {
    "name": lambda r: (r.agency.name.casefold(), r.agency.pk),
    "headcount": lambda r: (r.headcount, r.agency.pk),
    "participants": lambda r: (r.participants, r.agency.pk),
    "rate": lambda r: (r.rate if r.rate is not None else Decimal(-1), r.agency.pk),
}


def participation(*, contest, round=None, threshold=DEFAULT_THRESHOLD, sort="-rate", agencies=None):
    """Participation of each audience agency: distinct participants vs headcount
    (with or without sub-agencies, as the contest counts). The totals count
    each person and each agency's own headcount once.
    `sort`: name, headcount, participants or rate, "-" for descending."""
    agencies = list(
        (agencies if agencies is not None else audience.audience_agencies(contest)).order_by("path")
    )
    subtree = contest.count_subagencies
    counts = counting.participants_by_agency(contest=contest, round=round, subtree=subtree)
    own = counting.participants_by_agency(contest=contest, round=round, subtree=False) if subtree else counts
    heads = counting.headcounts(agencies, subtree=subtree)
    rows = []
    for agency in agencies:
        n = counts.get(agency.pk, 0)
        rate = collective.percent(n, heads[agency.pk])
        rows.append(
            AgencyRow(
                agency=agency,
                headcount=heads[agency.pk],
                participants=n,
                rate=rate,
                below=rate is not None and rate < threshold,
            )
        )
    key = sort.lstrip("-")
    rows.sort(key=SORTS.get(key, SORTS["rate"]), reverse=sort.startswith("-"))
    rated = [r for r in rows if r.rate is not None]
    best_rate = max((r.rate for r in rated), default=None)
    worst_rate = min((r.rate for r in rated), default=None)
    return Participation(
        rows=rows,
        threshold=threshold,
        best=sorted((r for r in rated if r.rate == best_rate), key=SORTS["name"]),
        worst=sorted((r for r in rated if r.rate == worst_rate), key=SORTS["name"]) if len(rated) > 1 else [],
        total_headcount=sum(a.headcount for a in agencies),
        total_participants=sum(own.get(a.pk, 0) for a in agencies),
        subtree=subtree,
    )


def non_participants(*, contest, agency, round=None):
    """Active officials who count for the agency (its own, and with the
    contest's `count_subagencies` those of its active sub-agencies) with no
    valid entry in the contest (or round)."""
    filters = {"round__contest": contest} if round is None else {"round": round}
    took_part = counting.valid_attempts(**filters).filter(user=OuterRef("pk"))
    members = counting.people_filter([agency], subtree=contest.count_subagencies, prefix="")
    return (
        User.objects.filter(members, kind=User.Kind.OFFICIAL, is_active=True)
        .exclude(Exists(took_part))
        .select_related("agency")
        .order_by("full_name", "pk")
    )


# --- item analysis ----------------------------------------------------------------------------------

GROUP_SHARE = Decimal("0.27")
MIN_RESPONSES = 10
TOO_EASY = Decimal("0.90")
TOO_HARD = Decimal("0.20")
LOW_DISCRIMINATION = Decimal("0.20")

FLAG_LABELS = {
    "too_easy": gettext_lazy("too easy"),
    "too_hard": gettext_lazy("too hard"),
    "low_discrimination": gettext_lazy("does not discriminate"),
    "distractor_over_key": gettext_lazy("a wrong option is chosen more than the key: check the key"),
    "few_responses": gettext_lazy("too few responses to judge"),
}


@dataclass
class OptionShare:
    position: int
    text: str
    is_key: bool
    chosen: int
    share: Decimal | None


@dataclass
class ItemStats:
    question_id: int
    text: str
    responses: int
    correct: int
    facility: Decimal | None  # share of correct responses, 0–1
    discrimination: Decimal | None  # upper 27 % minus lower 27 %, −1 to 1
    options: list
    blank: int
    flags: list

    @property
    def flag_labels(self):
        return [FLAG_LABELS[f] for f in self.flags]


def _ratio(part, whole):
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def discrimination_index(responses):
    """responses: [(attempt score, attempt id, correct)]. Upper minus lower 27 %
    of the attempts by score (ties ordered by attempt id); None under 4 responses."""
    n = len(responses)
    if n < 4:
        return None
    k = max(1, int((GROUP_SHARE * n).to_integral_value(ROUND_HALF_UP)))
    ordered = sorted(responses, key=lambda r: (-r[0], r[1]))
    upper = sum(1 for r in ordered[:k] if r[2])
    lower = sum(1 for r in ordered[-k:] if r[2])
    return ((Decimal(upper) - Decimal(lower)) / k).quantize(Decimal("0.001"), ROUND_HALF_UP)


def _analyse(question, rows, options):
    """rows: [(attempt score, attempt id, correct, selected option ids)]."""
    responses = len(rows)
    correct = sum(1 for r in rows if r[2])
    chosen = defaultdict(int)
    blank = 0
    for _s, _a, _c, selected in rows:
        if not selected:
            blank += 1
        for option_id in selected:
            chosen[option_id] += 1
    # Options by position across the versions seen (the key from the version that has it).
    by_position = {}
    for option in options:
        entry = by_position.setdefault(option.position, {"text": option.text, "is_key": False, "chosen": 0})
        entry["is_key"] = entry["is_key"] or option.is_correct
        entry["chosen"] += chosen.get(option.pk, 0)
    shares = [
        OptionShare(
            position=p,
            text=e["text"],
            is_key=e["is_key"],
            chosen=e["chosen"],
            share=_ratio(e["chosen"], responses),
        )
        for p, e in sorted(by_position.items())
    ]
    facility = _ratio(correct, responses)
    discrimination = discrimination_index([(r[0], r[1], r[2]) for r in rows])
    flags = []
    if responses < MIN_RESPONSES:
        flags.append("few_responses")
    else:
        if facility >= TOO_EASY:
            flags.append("too_easy")
        if facility <= TOO_HARD:
            flags.append("too_hard")
        if discrimination is not None and discrimination < LOW_DISCRIMINATION:
            flags.append("low_discrimination")
        key_best = max((o.chosen for o in shares if o.is_key), default=0)
        if any(o.chosen > key_best for o in shares if not o.is_key):
            flags.append("distractor_over_key")
    return ItemStats(
        question_id=question.pk,
        text=question.text,
        responses=responses,
        correct=correct,
        facility=facility,
        discrimination=discrimination,
        options=shares,
        blank=blank,
        flags=flags,
    )


def item_analysis(*, round=None, question_ids=None):
    """[ItemStats] per question, over finished non-preview attempts (of a round,
    or every attempt that drew one of `question_ids`), ordered by question id."""
    qs = AttemptQuestion.objects.filter(attempt__is_preview=False).exclude(
        attempt__status=Attempt.Status.IN_PROGRESS
    )
    if round is not None:
        qs = qs.filter(attempt__round=round)
    if question_ids is not None:
        qs = qs.filter(version__question_id__in=list(question_ids))
    per_question = defaultdict(list)
    version_ids = set()
    for question_id, version_id, attempt_id, score, is_correct, selected in qs.values_list(
        "version__question_id", "version_id", "attempt_id", "attempt__score", "is_correct", "selected"
    ).iterator(chunk_size=5000):
        per_question[question_id].append((score, attempt_id, bool(is_correct), selected or []))
        version_ids.add(version_id)
    options = defaultdict(list)
    for option in (
        Option.objects.filter(version_id__in=version_ids)
        .select_related("version")
        .order_by("version_id", "position")
    ):
        options[option.version.question_id].append(option)
    questions = {q.pk: q for q in Question.objects.filter(pk__in=per_question)}
    return [_analyse(questions[q], per_question[q], options[q]) for q in sorted(per_question)]


# --- collective prizes ---------------------------------------------------------------------------


# --- periodic report -------------------------------------------------------------------------------


@dataclass
class PeriodicRow:
    contest: Contest
    rounds: int
    attempts: int
    participants: int
    official_participants: int
    headcount: int
    prizes: int
    amount: Decimal

    @property
    def rate(self):
        return collective.percent(self.official_participants, self.headcount)


def periodic_report(*, start, end, owners=None):
    """Every contest (of `owners`, an agency queryset; None = all) with a ranked
    round closing in [start, end): rounds, attempts, participants, the officials'
    participation rate against the audience's headcount, and prizes published."""
    rounds = Round.objects.filter(is_practice=False, closes_at__gte=start, closes_at__lt=end)
    if owners is not None:
        rounds = rounds.filter(contest__owner_agency__in=owners)
    by_contest = defaultdict(list)
    for r in rounds.select_related("contest", "contest__owner_agency").order_by("contest_id", "number"):
        by_contest[r.contest].append(r)
    rows = []
    for contest, contest_rounds in sorted(
        by_contest.items(), key=lambda kv: (kv[0].owner_agency.path, kv[0].pk)
    ):
        ids = [r.pk for r in contest_rounds]
        valid = counting.valid_attempts(round_id__in=ids)
        latest = [p.pk for r, p in award_selectors.current_publications(contest).items() if r in ids]
        prizes = Award.objects.filter(publication_id__in=latest).aggregate(
            n=Count("pk"), amount=Sum("amount")
        )
        agencies = (
            audience.audience_agencies(contest) if contest.audience_officials else Agency.objects.none()
        )
        rows.append(
            PeriodicRow(
                contest=contest,
                rounds=len(contest_rounds),
                attempts=valid.count(),
                participants=valid.values("user_id").distinct().count(),
                official_participants=valid.filter(user__kind=User.Kind.OFFICIAL, user__agency__in=agencies)
                .values("user_id")
                .distinct()
                .count(),
                headcount=agencies.aggregate(h=Sum("headcount"))["h"] or 0,
                prizes=prizes["n"] or 0,
                amount=prizes["amount"] or Decimal(0),
            )
        )
    return rows


def item_stats_for_questions(question_ids):
    """{question_id: ItemStats} over every finished, non-preview attempt that
    drew one of the questions (any version): facility, discrimination (upper vs
    lower 27 %), option shares and flags."""
    return {stats.question_id: stats for stats in item_analysis(question_ids=question_ids)}
