"""Checking a published winner's identity in person (DESIGN §7): the
organiser looks at the card the winner shows and types its CCCD number; the
site compares the number's keyed hash (accounts.validation.cccd_digest) with
the one stored for the winner and records match or no match, who and when.

The typed number is never stored, logged or shown again: it lives in local
variables the error reports hide (`sensitive_variables`; the view hides the
POST field), and no message repeats it. A mismatch leads to the
disqualification flow (services.disqualify), which the organiser starts.

A check is of the person: the latest check of any of the person's awards in
the round counts, so a winner checked before a correction stays checked in
the next published version.
"""

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.validation import cccd_digest, clean_cccd
from contests.models import WinnerCheck
from contests.results import selectors as award_selectors
from contests.results.services import AwardError, check_manager


@sensitive_variables("cccd", "number")
@transaction.atomic
def check_winner(*, award, cccd, actor, now=None, note=""):
    """Record whether `cccd` (the number typed from the card) is the winner's
    CCCD on file; returns the WinnerCheck. Refuses, recording nothing, a prize
    of an earlier published version, a winner with no CCCD on file and a
    malformed number."""
    now = now or timezone.now()
    round = award.round
    check_manager(actor, round.contest)
    latest = award_selectors.latest_publication(round)
    if latest is None or award.publication_id != latest.pk:
        raise AwardError(_("This prize is from an earlier published version: check the current winners."))
    stored = award.user.cccd_hash
    if not stored:
        raise AwardError(
            _("This winner has no CCCD number on file, so there is nothing to compare the card with.")
        )
    try:
        # The format only: a well-formed number of someone else is a mismatch, not an error.
        number = clean_cccd(cccd, date_of_birth=None, gender="")
    except ValidationError:
        # The validation messages may quote digits of the number: say it in our own words.
        raise AwardError(
            _("Type the 12 digits of the CCCD number as printed on the card. Nothing was recorded.")
        ) from None
    matched = hmac.compare_digest(cccd_digest(number, key=settings.CCCD_HMAC_KEY), stored)
    return WinnerCheck.objects.create(
        award=award, matched=matched, checked_by=actor, checked_at=now, note=(note or "").strip()
    )


def latest_checks(round):
    """{user id: the person's latest WinnerCheck} over the round's awards."""
    out = {}
    rows = (
        WinnerCheck.objects.filter(award__round=round)
        .annotate(winner_id=F("award__user_id"))
        .select_related("checked_by")
        .order_by("checked_at", "id")
    )
    for check in rows:
        out[check.winner_id] = check  # later checks replace earlier ones
    return out


def check_label(check):
    """The export's "Identity checked" value: Yes / No match / Not checked."""
    if check is None:
        return _("Not checked")
    return _("Yes") if check.matched else _("No match")
