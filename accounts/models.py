from functools import cached_property

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Province, Ward


class Agency(models.Model):
    """A node of the agency tree (province → department / district / commune …)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Provincial People's Committee")
        DEPARTMENT = "department", _("Department / board / sector")
        DISTRICT = "district", _("District level")
        COMMUNE = "commune", _("Commune level")
        UNIT = "unit", _("Public service unit")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True, allow_unicode=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids ("/1/5/12/"): subtree = path__startswith.
    # Maintained by accounts.services only.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    headcount = models.PositiveIntegerField(
        _("headcount"),
        default=0,
        help_text=_("Staff on the payroll: the denominator of participation rates."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="agency_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return max(self.path.count("/") - 2, 0)

    @property
    def ancestor_ids(self):
        """Ids from the root down to this agency, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person: official (CBCCVC) or citizen. Logs in by e-mail."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official (cadre, civil servant, public employee)")
        CITIZEN = "citizen", _("Citizen")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Position(models.TextChoices):
        LEADER = "leader", _("Leader / manager")
        NON_LEADER = "non_leader", _("Staff (not a leader)")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=10, blank=True)
    # CCCD: only a keyed hash (for one-account-per-person) and the last three
    # digits (for display) are stored, never the number (Decree 13/2023).
    cccd_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    cccd_last3 = models.CharField(_("CCCD (last 3 digits)"), max_length=3, blank=True, editable=False)
    kind = models.CharField(_("participant type"), max_length=10, choices=Kind.choices, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    position = models.CharField(_("position"), max_length=12, choices=Position.choices, blank=True)
    province_code = models.PositiveIntegerField(_("province / city"), null=True, blank=True)
    ward_code = models.PositiveIntegerField(_("commune / ward"), null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="official") | Q(agency__isnull=False), name="official_has_agency"
            ),
        ]
        indexes = [
            # Participation reports count people per agency.
            models.Index(fields=["agency", "kind"], name="user_agency_kind_idx"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[-1] if self.full_name else self.email

    @cached_property
    def province_name(self):
        if self.province_code is None:
            return ""
        try:
            return Province.from_code(self.province_code).name
        except ValueError:
            return ""

    @cached_property
    def ward_name(self):
        if self.ward_code is None:
            return ""
        try:
            return Ward.from_code(self.ward_code).name
        except ValueError:
            return ""

    @property
    def cccd_display(self):
        return f"*********{self.cccd_last3}" if self.cccd_last3 else ""


class Membership(models.Model):
    """A role a user holds in an agency; organizer rights cover the subtree."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Organizer")
        AUTHOR = "author", _("Question author")
        REVIEWER = "reviewer", _("Question reviewer")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.agency}"


class AppendOnlyError(Exception):
    """An audit entry was to be changed or deleted: the log only grows."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuses the bulk writes that would rewrite history."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One organiser action that changed something, or one download of
    personal data: who, when, what, the changed fields before and after.

    Written only by `accounts.audit.record`, inside the transaction of the
    change it records (a refused or rolled-back change leaves no entry).
    Append-only: saving an existing entry, `delete()` and the queryset's
    `update()` / `delete()` raise AppendOnlyError; on PostgreSQL a trigger
    refuses UPDATE and DELETE as well (migration 0002), except clearing
    `actor` or `agency` when that user or agency is deleted (`actor_name`
    keeps who it was).
    """

    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        User, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name (or e-mail) at the time; stays if the account goes.
    actor_name = models.CharField(_("who (name)"), max_length=254, blank=True)
    # A code from accounts.audit.ACTIONS, "<kind>.<verb>".
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    # contests.Contest's id as a plain number: accounts may not import contests,
    # and the entry outlives the contest.
    contest_id = models.PositiveBigIntegerField(_("contest id"), null=True, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(_("summary"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            # The contest's audit page and export: contest_id = …, newest first.
            models.Index(fields=["contest_id", "at"], name="audit_contest_at_idx"),
            # The site admin's list: every entry, newest first.
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} · {self.actor_name or '—'} · {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        # Always an INSERT: a new instance given an existing pk must not
        # overwrite that entry.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")
