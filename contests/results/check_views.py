"""The identity check of a published winner, posted from the round's results
page (views.award_round shows each winner's latest check and, after a
mismatch, the disqualification form). Organisers over the contest's owning
agency only, like every results page.

The typed CCCD number is hidden from error reports (`sensitive_post_parameters`),
never stored and never repeated: the page reloads without it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from contests.models import Award
from contests.results import checks
from contests.results import services as awards
from contests.setup import access


@sensitive_post_parameters("cccd")
@login_required
@require_POST
def award_check(request, contest_id, round_id, award_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    award = get_object_or_404(Award.objects.select_related("user"), pk=award_id, round=round)
    award.round = round
    name = award.user.full_name or award.user.email
    try:
        check = checks.check_winner(
            award=award,
            cccd=request.POST.get("cccd", ""),
            actor=request.user,
            note=request.POST.get("note", "")[:2000],
        )
    except awards.AwardError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if check.matched:
            messages.success(request, _("%(name)s: matches the CCCD on file.") % {"name": name})
        else:
            messages.error(
                request,
                _("%(name)s: does NOT match the CCCD on file. If the card is genuine, disqualify the entry.")
                % {"name": name},
            )
    target = reverse("contests:award-round", kwargs={"contest_id": contest.pk, "round_id": round.pk})
    return redirect(f"{target}#check-{award.pk}")
