"""Round results: the ranking rules, the result versions with their
standings, disqualifications and board decisions on ties.

Results are written once and never edited: finalising a round stores version
1 of its result set; a disqualification or a board decision stores a new
version (with its own SHA-256) and leaves the old ones readable.
"""

import json
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contests.rules import canonical, chain


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
    # Orders full ties that survive the whole chain (SHA-256 of seed and entry
    # code); drawn at the first finalisation, published, reused by every later
    # version. Empty for results of format 1.
    seed = models.CharField(max_length=64, blank=True)
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
        return canonical.header(
            seed=self.seed,
            policy=self.policy,
            actual=self.prediction_actual,
            disqualified=self.disqualified,
            legacy_round_id=None if self.seed else self.round_id,
        )


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
