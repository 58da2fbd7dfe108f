"""Prize tables and their tiers, publications of a round's winners, and the
awards (with their certificate codes) a publication gives."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contests.models.result import RoundResult, Standing


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
