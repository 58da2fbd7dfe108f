"""Collective prizes for agencies: the prize with its formula and gates,
its tiers and quotas, and its published rankings."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
