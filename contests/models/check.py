"""Identity checks of published winners: an organiser sees the winner's card
in person, types the CCCD number, and the site records whether it matches
the keyed hash on file (contests.results.checks.check_winner).

The typed number is never stored: a check holds only the outcome, who and
when. Checks are written once and never edited, like results; a person may
be checked again, and the latest check counts.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WinnerCheck(models.Model):
    award = models.ForeignKey("contests.Award", on_delete=models.PROTECT, related_name="checks")
    matched = models.BooleanField(_("matches the CCCD on file"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("identity check of a winner")
        verbose_name_plural = _("identity checks of winners")
        ordering = ["award", "-checked_at", "-id"]

    def __str__(self):
        return f"{self.award_id}: {'match' if self.matched else 'no match'}"
