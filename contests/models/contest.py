"""Contests, their blocks, rounds and draw rules.

Times are stored in UTC with microsecond precision; they are shown and entered
in the contest time zone (rules.timer.CONTEST_TZ).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from questionbank.models import Topic


class Contest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    class Leaderboard(models.TextChoices):
        LIVE = "live", _("Live")
        HIDDEN = "hidden", _("Hidden")
        FROZEN = "frozen", _("Frozen from a set time")

    class NameDisplay(models.TextChoices):
        FULL = "full", _("Full name")
        MASKED = "masked", _("Masked (Nguyễn V. A.)")

    owner_agency = models.ForeignKey(
        Agency, verbose_name=_("organising agency"), on_delete=models.PROTECT, related_name="contests"
    )
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("short address"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    rules_text = models.TextField(_("rules (thể lệ)"), blank=True, help_text=_("Markdown; HTML is removed."))
    banner = models.ImageField(_("banner image"), upload_to="banners/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Audience: officials of the chosen agencies (and their subtrees; none
    # chosen = every agency) and/or citizens.
    audience_officials = models.BooleanField(_("open to officials"), default=True)
    audience_citizens = models.BooleanField(_("open to citizens"), default=False)
    audience_agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies whose officials may take part"), blank=True, related_name="+"
    )
    join_code = models.CharField(_("join code"), max_length=20, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    exclude_staff = models.BooleanField(
        _("exclude organiser staff and question authors"),
        default=True,
        help_text=_(
            "Organizers of the owning agency and authors of the contest's questions cannot take part."
        ),
    )
    leaderboard = models.CharField(
        _("leaderboard"), max_length=10, choices=Leaderboard.choices, default=Leaderboard.LIVE
    )
    leaderboard_freeze_at = models.DateTimeField(_("leaderboard frozen from"), null=True, blank=True)
    name_display = models.CharField(
        _("names on public boards"), max_length=10, choices=NameDisplay.choices, default=NameDisplay.MASKED
    )
    # How people count for agencies on the turnout board, the participation
    # report and collective prizes (contests.setup.counting).
    count_subagencies = models.BooleanField(
        _("count the people of sub-agencies for their parent agency"),
        default=False,
        help_text=_(
            "Off: each agency counts only its own people against its own headcount. On: an agency's "
            "participants include those of every agency below it, against its headcount plus those of "
            "its active sub-agencies."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience_officials=True) | Q(audience_citizens=True), name="contest_has_audience"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self):
        """Anyone may see it and citizens may enter it."""
        return self.audience_citizens


class Block(models.Model):
    """A division (khối / bảng) with its own ranking, prizes and statistics."""

    class Kind(models.TextChoices):
        ANY = "", _("Anyone in the audience")
        OFFICIAL = "official", _("Officials")
        CITIZEN = "citizen", _("Citizens")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="blocks")
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40)
    participant_kind = models.CharField(_("who belongs"), max_length=10, choices=Kind.choices, blank=True)
    agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("only officials of these agencies (and sub-agencies)"),
        blank=True,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["contest", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "code"], name="block_unique_code"),
        ]

    def __str__(self):
        return self.name


class Round(models.Model):
    class Counting(models.TextChoices):
        BEST = "best", _("Best attempt")
        FIRST = "first", _("First attempt")
        LAST = "last", _("Last attempt")

    class PredictionTarget(models.TextChoices):
        NONE = "", _("No prediction question")
        PARTICIPANTS = "participants", _("Number of participants")
        PERFECT = "perfect", _("Number of participants who answer everything correctly")
        PERFECT_PERCENT = "perfect_percent", _("Percentage of participants who answer everything correctly")

    class Explanations(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_SUBMIT = "after_submit", _("After the attempt is submitted")
        AFTER_CLOSE = "after_close", _("After the round closes")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    blocks = models.ManyToManyField(
        Block,
        verbose_name=_("blocks"),
        blank=True,
        related_name="rounds",
        help_text=_("None chosen = every block of the contest."),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    questions_per_attempt = models.PositiveSmallIntegerField(_("questions per attempt"), default=20)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=20)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    must_answer_all = models.BooleanField(_("every question must be answered"), default=False)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts per round"), null=True, blank=True, help_text=_("Empty = unlimited.")
    )
    max_attempts_per_day = models.PositiveSmallIntegerField(_("attempts per day"), null=True, blank=True)
    counting = models.CharField(
        _("attempt that counts"), max_length=10, choices=Counting.choices, default=Counting.BEST
    )
    prediction_target = models.CharField(
        _("prediction question"), max_length=20, choices=PredictionTarget.choices, blank=True
    )
    prediction_decimal = models.BooleanField(_("prediction may have decimals"), default=False)
    prediction_required = models.BooleanField(_("prediction is required"), default=True)
    explanations = models.CharField(
        _("show explanations"), max_length=15, choices=Explanations.choices, default=Explanations.AFTER_CLOSE
    )
    is_practice = models.BooleanField(
        _("practice round"), default=False, help_text=_("Unlimited, untimed, never ranked.")
    )
    freeze_at = models.DateTimeField(_("leaderboard frozen from"), null=True, blank=True)
    # Set by services.close_round: when and by whom an open round was ended
    # before its planned close (closes_at then holds the actual close).
    closed_early_at = models.DateTimeField(_("closed early at"), null=True, blank=True, editable=False)
    closed_early_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed early by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["contest", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="round_unique_number"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gte=1) & Q(time_limit_minutes__lte=180),
                name="round_time_limit_range",
            ),
            models.CheckConstraint(condition=Q(questions_per_attempt__gte=1), name="round_has_questions"),
        ]
        indexes = [
            # "Open rounds": opens_at <= now < closes_at.
            models.Index(fields=["opens_at", "closes_at"], name="round_window_idx"),
        ]

    def __str__(self):
        return f"{self.contest} — {self.title}"


class DrawRule(models.Model):
    """Draw `count` approved questions of `topic` (and its sub-topics) at
    `difficulty` (any when blank) for attempts in `block` (all when null)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="draw_rules")
    block = models.ForeignKey(Block, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    difficulty = models.CharField(max_length=10, blank=True)
    count = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("draw rule")
        verbose_name_plural = _("draw rules")
        ordering = ["round", "id"]

    def __str__(self):
        return f"{self.count} × {self.topic} {self.difficulty}".strip()
