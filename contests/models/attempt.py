"""Attempts and the questions drawn for them.

Durations are measured by the server in milliseconds.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contests.models.contest import Block, Round
from contests.rules import codes
from questionbank.models import QuestionVersion


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Finalised at the deadline")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="attempts")
    block = models.ForeignKey(Block, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    is_preview = models.BooleanField(default=False, help_text=_("An organizer's preview; never counted."))
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True, help_text=_("Empty for untimed practice."))
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.BigIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(default=0)
    answered_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(default=0)
    score = models.DecimalField(
        max_digits=6, decimal_places=2, default=0, help_text=_("Percent of questions correct.")
    )
    prediction = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    # The entry's public code in published results (never a database id).
    entry_code = models.CharField(
        _("entry code"), max_length=12, unique=True, default=codes.new_entry_code, editable=False
    )
    # Maintained when attempts finalise: the attempt that represents this
    # participant in the round's ranking (by the round's counting rule).
    counted = models.BooleanField(default=False)
    # contests.rules.ranking.encode_score of this attempt (lower = better): the live
    # board orders by (live_score, user_id) in the database exactly as Redis
    # orders its sorted set by (score, member).
    live_score = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user"], condition=Q(status="in_progress"), name="attempt_one_in_progress"
            ),
            models.UniqueConstraint(fields=["round", "user", "number"], name="attempt_unique_number"),
        ]
        indexes = [
            # Live board: counted attempts of a round and block in live order.
            models.Index(
                fields=["round", "block", "counted", "live_score", "user"], name="attempt_ranking_idx"
            ),
            # Expired-attempt sweep: in-progress attempts past their deadline.
            models.Index(fields=["status", "deadline"], name="attempt_sweep_idx"),
            # My attempts.
            models.Index(fields=["user", "round"], name="attempt_user_round_idx"),
        ]

    def __str__(self):
        return f"{self.user} · {self.round} · #{self.number}"

    @property
    def is_finished(self):
        return self.status != self.Status.IN_PROGRESS


class AttemptQuestion(models.Model):
    """One drawn question of an attempt, with its option order fixed at start.

    `choices` holds the options in display order as [{"t": token, "o": option_id}]:
    the token is the opaque, random id the browser sees for this attempt.
    `selected` holds the chosen option ids (server side only).
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    choices = models.JSONField(default=list)
    selected = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_question_unique_position"),
        ]

    def __str__(self):
        return f"{self.attempt_id}#{self.position}"
