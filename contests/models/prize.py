"""Prize tables and their tiers, publications of a round's winners, and the
awards (with their certificate codes) a publication gives."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contests.models.result import RoundResult, Standing
from contests.rules import prizes

# The longest complaint window a publication may have, in days.
MAX_COMPLAINT_DAYS = 60


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
    # The minimum for any prize of the table (contests.rules.prizes.Minimum).
    min_score = models.DecimalField(
        _("minimum score for a prize (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Empty: no minimum score."),
    )
    require_all_correct = models.BooleanField(_("a prize needs every answer correct"), default=False)
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
            models.CheckConstraint(
                condition=Q(min_score__isnull=True) | Q(min_score__gte=0, min_score__lte=100),
                name="prize_table_min_score_percent",
            ),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.round_id or '*'}/{self.block_id or '*'}"

    @property
    def minimum(self):
        return prizes.Minimum(score=self.min_score, all_correct=self.require_all_correct)


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
    # Version N of the round's published winners (1, 2, …); every version stays public.
    version = models.PositiveIntegerField(default=1)
    # SHA-256 of `bundle`, the published results.json (see results/bundle.py).
    sha256 = models.CharField(max_length=64)
    bundle = models.TextField(blank=True, help_text=_("The canonical results.json, exactly as hashed."))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    # Days after publishing during which complaints are heard (0 = none); the
    # result is final after them. Not in the bundle: it was hashed at publish.
    complaint_days = models.PositiveSmallIntegerField(
        _("complaint window (days)"), default=0, validators=[MaxValueValidator(MAX_COMPLAINT_DAYS)]
    )

    class Meta:
        verbose_name = _("publication of winners")
        verbose_name_plural = _("publications of winners")
        ordering = ["round", "-published_at", "-id"]
        constraints = [
            # A second publish racing the first gets an IntegrityError, never a duplicate version.
            models.UniqueConstraint(fields=["round", "version"], name="publication_unique_version"),
            models.CheckConstraint(
                condition=Q(complaint_days__lte=MAX_COMPLAINT_DAYS), name="publication_complaint_days_max"
            ),
        ]
        indexes = [
            # The current publication of a round: the latest.
            models.Index(fields=["round", "-published_at"], name="publication_latest_idx"),
        ]

    def __str__(self):
        return f"{self.round_id} @ {self.published_at:%Y-%m-%d %H:%M}"

    @property
    def final_at(self):
        """When the complaint window closes (the publication time when there is none)."""
        return self.published_at + timedelta(days=self.complaint_days)

    def is_final(self, now):
        return now >= self.final_at


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
    # The certificate code: kept by a winner who keeps the prize in a later
    # version, so one code may stand in several publications (once in each).
    code = models.CharField(max_length=20)
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
            models.UniqueConstraint(fields=["publication", "code"], name="award_code_once_per_publication"),
        ]
        indexes = [
            # Certificate verification: every award a code identifies, newest first.
            models.Index(fields=["code", "-id"], name="award_code_idx"),
            # One prize per person per contest: the prizes a person already holds.
            models.Index(fields=["user", "round"], name="award_user_round_idx"),
        ]

    def __str__(self):
        return f"{self.tier_name}: {self.user_id}"
