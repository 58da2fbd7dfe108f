"""The organiser's hands on the attempt engine: preview a round as a
participant would, and close an open round early. Same paths and names as
the other organiser pages (`contests:organize-round-preview`, `-close`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.http import parse_id
from contests.quiz import attempts, closing
from contests.rules import timer
from contests.setup import access, checks, drawing, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request, contest_id, round_id):
    """GET: what closing the round now does, and the button (or why it cannot
    be closed). POST: close it (quiz.closing.close_round)."""
    contest, round = access.managed_round(request, contest_id, round_id)
    now = timezone.now()
    if request.method == "POST":
        try:
            closing.close_round(actor=request.user, round=round, now=now)
        except services.ContestError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("contests:organize-round-close", contest_id=contest.pk, round_id=round.pk)
        if round.is_practice:  # never ranked: no results page to go on to
            messages.success(request, _("The practice round is closed."))
            return redirect("contests:organize-detail", contest_id=contest.pk)
        messages.success(
            request,
            _(
                "The round is closed. Attempts in progress are finalised with the answers saved so far "
                "within a minute; the round can then be finalised on its results page."
            ),
        )
        return redirect("contests:award-round", contest_id=contest.pk, round_id=round.pk)
    return render(
        request,
        "contests/organize_round_close.html",
        {
            "contest": contest,
            "round": round,
            "problems": checks.close_round_problems(round=round, now=now),
            "in_progress": selectors.round_stats(round=round, now=now)["totals"]["in_progress"],
            "grace_seconds": int(timer.ANSWER_GRACE.total_seconds()),
            "now": now,
        },
    )


@login_required
@require_POST
def round_preview(request, contest_id, round_id):
    """Take the round as a participant would (as the chosen block, if any);
    the attempt is marked as a preview and never counted."""
    contest, round = access.managed_round(request, contest_id, round_id)
    back = redirect("contests:organize-round-edit", contest_id=contest.pk, round_id=round.pk)
    problems = drawing.shortages(round=round)
    if problems:
        messages.error(request, _("This round cannot be previewed yet:"))
        for problem in problems:
            messages.error(request, problem)
        return back
    block = None
    if request.POST.get("block"):
        blocks = round.blocks.all() if round.blocks.exists() else contest.blocks.all()
        block = blocks.filter(pk=parse_id(request.POST["block"]) or 0).first()
        if block is None:
            messages.error(request, _("Choose a block of this round."))
            return back
    try:
        attempt = attempts.start_attempt(user=request.user, round=round, preview=True, block=block)
    except attempts.AttemptError as exc:
        messages.error(request, exc.message)
        return back
    return redirect("contests:quiz", attempt_id=attempt.pk)
