from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency


class Topic(models.Model):
    """A node of the topic tree. Seeded with the areas of the CCHC programme."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids, maintained by questionbank.services.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    owner_agency = models.ForeignKey(
        Agency,
        verbose_name=_("created by agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return max(self.path.count("/") - 2, 0)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Question(models.Model):
    """A bank question. Its text and options live in versions; `current_version`
    is what authors edit and what new attempts draw."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice (all or nothing)")
        TRUE_FALSE = "truefalse", _("True / false")

    class Difficulty(models.TextChoices):
        EASY = "easy", _("Easy")
        MEDIUM = "medium", _("Medium")
        HARD = "hard", _("Hard")

    class Sharing(models.TextChoices):
        PRIVATE = "private", _("Own agency and its sub-agencies")
        SHARED = "shared", _("Shared with every agency")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    owner_agency = models.ForeignKey(
        Agency, verbose_name=_("owner agency"), on_delete=models.PROTECT, related_name="questions"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="questions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    sharing = models.CharField(_("sharing"), max_length=10, choices=Sharing.choices, default=Sharing.PRIVATE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_questions",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_questions",
    )
    current_version = models.OneToOneField(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Denormalised from the current version for list, search and duplicates:
    text = models.TextField(_("question text"))
    # Lower-case, accent-free text + legal basis + tags ("thu tuc" finds "thủ tục").
    search_text = models.TextField(editable=False, default="")
    # NFC, case-, spacing- and punctuation-folded text: equal keys = duplicates.
    dedup_key = models.CharField(max_length=64, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The bank list filters by owner and status and sorts by recency.
            models.Index(fields=["owner_agency", "status", "-updated_at"], name="q_owner_status_idx"),
            # Drawing: approved questions per topic and difficulty.
            models.Index(fields=["topic", "difficulty", "status"], name="q_draw_idx"),
            # Shared questions are listed for every organizer.
            models.Index(fields=["sharing", "status"], name="q_sharing_idx"),
            # The bank list's order (Meta.ordering): a first page is read from this
            # index instead of sorting every readable question.
            models.Index(fields=["-updated_at", "-id"], name="q_recent_idx"),
        ]

    def __str__(self):
        return self.text[:80]


class QuestionVersion(models.Model):
    """Exactly what a participant saw. Frozen once `used_at` is set: editing a
    used version creates a new one, so attempts keep pointing at their text."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Question.Kind.choices)
    text = models.TextField(_("question text"))
    image = models.ImageField(_("image"), upload_to="questions/", blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True, help_text=_("First shown in an attempt."))

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="qversion_unique_number"),
        ]

    def __str__(self):
        return f"{self.question_id} v{self.number}"

    @property
    def is_frozen(self):
        return self.used_at is not None


class Option(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("option text"), max_length=1000)
    image = models.ImageField(_("image"), upload_to="options/", blank=True)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="option_unique_position"),
        ]

    def __str__(self):
        return self.text[:60]


class StatusChange(models.Model):
    """Every status change of a question: who, when, from, to, why."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Question.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Question.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["question", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=models.F("to_status")), name="status_change_changes"
            ),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.from_status} → {self.to_status}"


class ImportBatch(models.Model):
    """An uploaded question file between preview and confirm.

    Kept in the database (not a process's memory or disk) so the confirm step
    may land on any server process. Deleted once imported or abandoned.
    """

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"
        AIKEN = "aiken", "Aiken"
        GIFT = "gift", "GIFT"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    owner_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    default_topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sharing = models.CharField(
        max_length=10, choices=Question.Sharing.choices, default=Question.Sharing.PRIVATE
    )
    file_format = models.CharField(max_length=10, choices=Format.choices)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self):
        return self.file_name
