"""Models of round results, prizes, publications and certificates
(issue: awards and reports).

Imported at the end of contests/models.py so Django registers them in the
contests app; every relation is written as a string so this module never
imports contests.models.

Results are written once and never edited: finalising a round stores version
1 of its result set; a disqualification or a board decision stores a new
version (with its own SHA-256) and leaves the old ones readable.
"""

import json
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contests.rules import canonical, chain

__all__ = [
    "ResultPolicy",
    "RoundResult",
    "Standing",
    "Disqualification",
    "TieDecision",
    "PrizeTable",
    "PrizeTier",
    "Publication",
    "Award",
    "CollectivePrize",
    "CollectiveTier",
    "CollectiveQuota",
    "CollectivePublication",
]


def default_chain():
    return list(chain.DEFAULT_CHAIN)


class ResultPolicy(models.Model):
    """How a contest's rounds are ranked; a round may have its own (round set).

    Without any row, the defaults below apply (chain.Policy's defaults).
    """

    class EqualError(models.TextChoices):
        EQUAL = chain.EQUAL, _("Equal (the next criterion decides)")
        UNDER_FIRST = chain.UNDER_FIRST, _("Below the actual value ranks first")
        OVER_FIRST = chain.OVER_FIRST, _("Above the actual value ranks first")

    class Counts(models.TextChoices):
        PERSONS = chain.COUNT_PERSONS, _("Distinct persons")
        ATTEMPTS = chain.COUNT_ATTEMPTS, _("Attempts")

    class Scope(models.TextChoices):
        OVERALL = chain.SCOPE_OVERALL, _("The whole round")
        BLOCK = chain.SCOPE_BLOCK, _("Each block separately")

    contest = models.ForeignKey("contests.Contest", on_delete=models.CASCADE, related_name="result_policies")
    round = models.OneToOneField(
        "contests.Round", null=True, blank=True, on_delete=models.CASCADE, related_name="result_policy"
    )
    chain = models.JSONField(_("ranking chain"), default=default_chain)
    equal_error = models.CharField(
        _("over- and under-prediction with the same error"),
        max_length=12,
        choices=EqualError.choices,
        default=EqualError.EQUAL,
    )
    prediction_counts = models.CharField(
        _("the prediction counts"), max_length=10, choices=Counts.choices, default=Counts.PERSONS
    )
    prediction_scope = models.CharField(
        _("the prediction's actual value is for"), max_length=10, choices=Scope.choices, default=Scope.OVERALL
    )
    prediction_valid_only = models.BooleanField(
        _("count valid entries only"),
        default=True,
        help_text=_("Finished, not an organiser's preview, not disqualified."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ranking rules")
        verbose_name_plural = _("ranking rules")
        constraints = [
            models.UniqueConstraint(
                fields=["contest"], condition=Q(round__isnull=True), name="result_policy_one_per_contest"
            ),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.round_id or '*'}"


class RoundResult(models.Model):
    """One version of the frozen result set of a round."""

    class Reason(models.TextChoices):
        FINALISED = "finalised", _("Round finalised")
        DISQUALIFICATION = "disqualification", _("Entry disqualified")
        BOARD_DECISION = "board_decision", _("Board decision on a tie")

    round = models.ForeignKey("contests.Round", on_delete=models.PROTECT, related_name="results")
    version = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    policy = models.JSONField(help_text=_("The ranking rules applied (chain.Policy.as_dict)."))
    prediction_actual = models.JSONField(default=dict, help_text=_("Frozen at the first finalisation."))
    disqualified = models.JSONField(default=list)
    sha256 = models.CharField(max_length=64)
    entries = models.PositiveIntegerField(default=0)
    unresolved_ties = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0, help_text=_("Time the computation took."))

    class Meta:
        verbose_name = _("round result")
        verbose_name_plural = _("round results")
        ordering = ["round", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="round_result_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="round_result_version_from_1"),
        ]

    def __str__(self):
        return f"{self.round_id} v{self.version}"

    @property
    def policy_obj(self):
        return chain.Policy.from_dict(self.policy)

    def header(self):
        """The canonical header (see canonical.header_dict)."""
        return {
            "format": canonical.FORMAT_VERSION,
            "round": self.round_id,
            "policy": self.policy,
            "actual": self.prediction_actual,
            "disqualified": self.disqualified,
        }


class Standing(models.Model):
    """A person's place in one version of a round's results, with its trace."""

    # No index of its own: the two below start with it.
    result = models.ForeignKey(
        RoundResult, on_delete=models.CASCADE, related_name="standings", db_index=False
    )
    # Standings are written once, in bulk (60,000 rows for a big round), from
    # attempts read in the same transaction; checking three deferred foreign
    # keys per row at commit would cost seconds. Django still PROTECTs the
    # blocks, users and attempts they point to, and each row's ids are also in
    # its hashed record.
    block = models.ForeignKey(
        "contests.Block",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    position = models.PositiveIntegerField()
    rank = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="standings", db_constraint=False
    )
    attempt = models.ForeignKey(
        "contests.Attempt", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    score = models.DecimalField(max_digits=6, decimal_places=2)
    correct_count = models.PositiveSmallIntegerField()
    question_count = models.PositiveSmallIntegerField()
    duration_ms = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    prediction = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    prediction_error = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    tied = models.BooleanField(default=False, help_text=_("Equal on every criterion; shares the rank."))
    board_order = models.PositiveIntegerField(null=True, blank=True)
    # The canonical JSON text of this standing's record, exactly as hashed
    # (chain.Standing.record_json); text, not jsonb, so the bytes are kept.
    record_json = models.TextField()

    class Meta:
        verbose_name = _("standing")
        verbose_name_plural = _("standings")
        ordering = ["result", "block", "position"]
        constraints = [
            models.UniqueConstraint(fields=["result", "user"], name="standing_one_per_person"),
        ]
        indexes = [
            # Results pages and exports: a version's standings of a block in order.
            models.Index(fields=["result", "block", "position"], name="standing_order_idx"),
        ]

    def __str__(self):
        return f"{self.result} #{self.position} {self.user_id}"

    @cached_property
    def record(self):
        return json.loads(self.record_json)

    @property
    def trace(self):
        return self.record.get("trace", {})


class Disqualification(models.Model):
    """A person's entry in a round declared invalid, with the reason."""

    round = models.ForeignKey("contests.Round", on_delete=models.PROTECT, related_name="disqualifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    result = models.ForeignKey(
        RoundResult,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The version it produced."),
    )

    class Meta:
        verbose_name = _("disqualification")
        verbose_name_plural = _("disqualifications")
        ordering = ["round", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="disqualification_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="disqualification_has_reason"),
        ]

    def __str__(self):
        return f"{self.round_id}: {self.user_id}"


class TieDecision(models.Model):
    """The organising board's recorded order of a full tie."""

    round = models.ForeignKey("contests.Round", on_delete=models.PROTECT, related_name="tie_decisions")
    block = models.ForeignKey(
        "contests.Block", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user_ids = models.JSONField(help_text=_("The order chosen, best first."))
    note = models.TextField(_("note (minutes of the board's decision)"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    based_on = models.ForeignKey(RoundResult, on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(RoundResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("board decision on a tie")
        verbose_name_plural = _("board decisions on ties")
        ordering = ["round", "decided_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(note=""), name="tie_decision_has_note")]

    def __str__(self):
        return f"{self.round_id}: {self.user_ids}"


class PrizeTable(models.Model):
    """Individual prizes for a contest's rounds (round empty) or one round,
    for one block (block empty = every block). The most specific table wins:
    round+block, round, contest+block, contest."""

    class BoundaryTies(models.TextChoices):
        HIGHER = "higher", _("All tied get the higher prize")
        BOARD = "board", _("The organising board decides (publishing waits)")

    contest = models.ForeignKey("contests.Contest", on_delete=models.CASCADE, related_name="prize_tables")
    round = models.ForeignKey(
        "contests.Round", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    block = models.ForeignKey(
        "contests.Block", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    one_per_contest = models.BooleanField(_("one prize per person per contest (the highest)"), default=False)
    exclude_staff = models.BooleanField(_("exclude organiser staff and question authors"), default=True)
    require_complete_profile = models.BooleanField(_("winners need a complete profile"), default=True)
    boundary_ties = models.CharField(
        _("ties at a prize boundary"), max_length=10, choices=BoundaryTies.choices, default=BoundaryTies.BOARD
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("prize table")
        verbose_name_plural = _("prize tables")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "block"],
                condition=Q(round__isnull=False, block__isnull=False),
                name="prize_table_round_block",
            ),
            models.UniqueConstraint(
                fields=["round"],
                condition=Q(round__isnull=False, block__isnull=True),
                name="prize_table_round",
            ),
            models.UniqueConstraint(
                fields=["contest", "block"],
                condition=Q(round__isnull=True, block__isnull=False),
                name="prize_table_contest_block",
            ),
            models.UniqueConstraint(
                fields=["contest"],
                condition=Q(round__isnull=True, block__isnull=True),
                name="prize_table_contest",
            ),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.round_id or '*'}/{self.block_id or '*'}"


class PrizeTier(models.Model):
    table = models.ForeignKey(PrizeTable, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField(help_text=_("1 = the highest prize."))
    name = models.CharField(_("prize"), max_length=60)
    count = models.PositiveSmallIntegerField(_("number of prizes"))
    amount = models.DecimalField(_("amount (VND)"), max_digits=14, decimal_places=0, default=Decimal(0))
    points = models.PositiveSmallIntegerField(
        _("points for collective prizes"),
        default=0,
        help_text=_("E.g. Nhất 10, Nhì 8, Ba 6, Khuyến khích 4."),
    )

    class Meta:
        verbose_name = _("prize tier")
        verbose_name_plural = _("prize tiers")
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="prize_tier_unique_position"),
            models.CheckConstraint(condition=Q(count__gte=1), name="prize_tier_count_positive"),
            models.CheckConstraint(condition=Q(position__gte=1), name="prize_tier_position_from_1"),
        ]

    def __str__(self):
        return f"{self.name} × {self.count}"


class Publication(models.Model):
    """The winners of a round made public (from one version of its results)."""

    round = models.ForeignKey("contests.Round", on_delete=models.PROTECT, related_name="publications")
    result = models.ForeignKey(RoundResult, on_delete=models.PROTECT, related_name="publications")
    sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("publication of winners")
        verbose_name_plural = _("publications of winners")
        ordering = ["round", "-published_at", "-id"]
        indexes = [
            # The current publication of a round: the latest.
            models.Index(fields=["round", "-published_at"], name="publication_latest_idx"),
        ]

    def __str__(self):
        return f"{self.round_id} @ {self.published_at:%Y-%m-%d %H:%M}"


class Award(models.Model):
    """An individual prize as published; the certificate's code identifies it."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="awards")
    round = models.ForeignKey("contests.Round", on_delete=models.PROTECT, related_name="awards")
    block = models.ForeignKey(
        "contests.Block", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards")
    standing = models.ForeignKey(Standing, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    tier_position = models.PositiveSmallIntegerField()
    tier_name = models.CharField(max_length=60)
    amount = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    points = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=20, unique=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["publication", "block", "tier_position", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "user"], name="award_one_per_publication"),
        ]
        indexes = [
            # One prize per person per contest: the prizes a person already holds.
            models.Index(fields=["user", "round"], name="award_user_round_idx"),
        ]

    def __str__(self):
        return f"{self.tier_name}: {self.user_id}"


class CollectivePrize(models.Model):
    """Prizes for agencies (giải tập thể), for one group of agencies."""

    class Formula(models.TextChoices):
        RATE = "rate", _("Participation rate")
        RATE_SCORE = "rate_score", _("Participation rate and average score")
        RATE_POINTS = "rate_points", _("Participation rate and individual prize points")

    class RateMode(models.TextChoices):
        AVERAGED = "averaged", _("Averaged over the rounds")
        CUMULATIVE = "cumulative", _("Distinct participants over all rounds")

    contest = models.ForeignKey(
        "contests.Contest", on_delete=models.CASCADE, related_name="collective_prizes"
    )
    name = models.CharField(_("name"), max_length=200)
    agencies = models.ManyToManyField(
        "accounts.Agency", verbose_name=_("agencies in this group"), blank=True, related_name="+"
    )
    agency_kind = models.CharField(
        _("or every agency of this kind"),
        max_length=20,
        blank=True,
        help_text=_("Used when no agency is chosen."),
    )
    rounds = models.ManyToManyField(
        "contests.Round",
        verbose_name=_("rounds counted"),
        blank=True,
        related_name="+",
        help_text=_("None chosen = every ranked round."),
    )
    formula = models.CharField(_("formula"), max_length=12, choices=Formula.choices, default=Formula.RATE)
    rate_mode = models.CharField(
        _("participation rate"), max_length=12, choices=RateMode.choices, default=RateMode.AVERAGED
    )
    rate_weight = models.DecimalField(
        _("weight of the rate"), max_digits=6, decimal_places=2, default=Decimal(1)
    )
    other_weight = models.DecimalField(
        _("weight of the score or points"), max_digits=6, decimal_places=2, default=Decimal(1)
    )
    min_rate = models.DecimalField(
        _("minimum participation rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    require_mandatory = models.BooleanField(
        _("every mandatory person took part (and quotas met)"), default=False
    )
    require_prize = models.BooleanField(_("at least one individual prize"), default=False)
    mandatory_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mandatory people"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("collective prize")
        verbose_name_plural = _("collective prizes")
        ordering = ["contest", "id"]

    def __str__(self):
        return self.name


class CollectiveTier(models.Model):
    prize = models.ForeignKey(CollectivePrize, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("prize"), max_length=60)
    count = models.PositiveSmallIntegerField(_("number of prizes"))
    amount = models.DecimalField(_("amount (VND)"), max_digits=14, decimal_places=0, default=Decimal(0))

    class Meta:
        ordering = ["prize", "position"]
        constraints = [
            models.UniqueConstraint(fields=["prize", "position"], name="collective_tier_unique_position"),
            models.CheckConstraint(condition=Q(count__gte=1), name="collective_tier_count_positive"),
        ]

    def __str__(self):
        return f"{self.name} × {self.count}"


class CollectiveQuota(models.Model):
    """A mandatory quota by position, e.g. at least 1 leader, 50% of staff."""

    prize = models.ForeignKey(CollectivePrize, on_delete=models.CASCADE, related_name="quotas")
    position = models.CharField(_("position"), max_length=12)
    min_count = models.PositiveIntegerField(_("at least (people)"), default=0)
    min_percent = models.DecimalField(
        _("at least (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["prize", "id"]

    def __str__(self):
        return f"{self.position} ≥ {self.min_count} / {self.min_percent}%"


class CollectivePublication(models.Model):
    """A collective ranking made public, frozen as rows with its SHA-256."""

    prize = models.ForeignKey(CollectivePrize, on_delete=models.PROTECT, related_name="publications")
    rows = models.JSONField()
    sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["prize", "-published_at", "-id"]

    def __str__(self):
        return f"{self.prize_id} @ {self.published_at:%Y-%m-%d}"
