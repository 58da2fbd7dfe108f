"""Organizer pages: contests, blocks, rounds with draw rules, publishing,
previews, the live panel of a round and closing an open round early.

Who may see what: organizers over a contest's owner agency
(`accounts.selectors.can_manage_agency`). Anyone else gets 404 for a draft or
officials-only contest (its existence is not public) and 403 for a published
public one; anonymous visitors are sent to the login page (the JSON stats
endpoint answers 401 instead).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import can_manage_agency, managed_agencies
from contests import attempts, drawing, services
from contests.forms import BlockForm, ContestForm, RoundForm, add_service_errors, draw_rule_formset
from contests.models import Attempt, Block, Contest, Round
from contests.rules_text import render_rules

STATS_POLL_SECONDS = 5

# --- access helpers ------------------------------------------------------------------


def _require_organizer(request):
    """A signed-in user who organises for at least one agency; 403 otherwise."""
    if not managed_agencies(user=request.user).exists():
        raise PermissionDenied
    return request.user


def _get_contest(request, contest_id):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), pk=contest_id)
    if not can_manage_agency(user=request.user, agency=contest.owner_agency):
        if contest.status != Contest.Status.DRAFT and contest.is_public:
            raise PermissionDenied
        raise Http404
    return contest


def _get_block(request, contest_id, block_id):
    contest = _get_contest(request, contest_id)
    return contest, get_object_or_404(Block, pk=block_id, contest=contest)


def _get_round(request, contest_id, round_id):
    contest = _get_contest(request, contest_id)
    round = get_object_or_404(Round, pk=round_id, contest=contest)
    round.contest = contest
    return contest, round


def _round_state(round, now):
    if now < round.opens_at:
        return "upcoming"
    if now < round.closes_at:
        return "open"
    return "closed"


def _round_state_label(state):
    return {"upcoming": _("Not open yet"), "open": _("Open now"), "closed": _("Closed")}[state]


# --- contests --------------------------------------------------------------------------


@login_required
@require_GET
def contest_list(request):
    _require_organizer(request)
    contests = (
        Contest.objects.filter(owner_agency__in=managed_agencies(user=request.user))
        .select_related("owner_agency")
        .annotate(round_count=Count("rounds", distinct=True), block_count=Count("blocks", distinct=True))
        .order_by("-created_at")
    )
    return render(request, "contests/organize_list.html", {"contests": contests})


@login_required
@require_http_methods(["GET", "POST"])
def contest_create(request):
    _require_organizer(request)
    form = ContestForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        data.pop("remove_banner", None)
        try:
            contest = services.create_contest(actor=request.user, **data)
        except services.ContestError as exc:
            add_service_errors(form, exc.errors)
        else:
            messages.success(request, _("The contest has been created as a draft."))
            return redirect("contests:organize-detail", contest_id=contest.pk)
    return render(request, "contests/organize_contest_form.html", {"form": form, "contest": None})


@login_required
@require_GET
def contest_detail(request, contest_id):
    contest = _get_contest(request, contest_id)
    now = timezone.now()
    rounds = list(
        contest.rounds.select_related("closed_early_by").prefetch_related("blocks").order_by("number")
    )
    for round in rounds:
        round.contest = contest
        round.state = _round_state(round, now)
        round.state_label = _round_state_label(round.state)
        round.problems = drawing.shortages(round=round)
        round.closable = not services.close_round_problems(round=round, now=now)
    problems = services.publish_problems(contest=contest) if contest.status == Contest.Status.DRAFT else []
    return render(
        request,
        "contests/organize_contest_detail.html",
        {
            "contest": contest,
            "blocks": contest.blocks.prefetch_related("agencies"),
            "rounds": rounds,
            "publish_problems": problems,
            "rules_html": render_rules(contest.rules_text),
            "audience_agencies": contest.audience_agencies.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contest_edit(request, contest_id):
    contest = _get_contest(request, contest_id)
    form = ContestForm(request.POST or None, request.FILES or None, user=request.user, contest=contest)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contest(actor=request.user, contest=contest, **form.service_kwargs())
        except services.ContestError as exc:
            add_service_errors(form, exc.errors)
        else:
            messages.success(request, _("The contest has been saved."))
            return redirect("contests:organize-detail", contest_id=contest.pk)
    return render(request, "contests/organize_contest_form.html", {"form": form, "contest": contest})


@login_required
@require_POST
def contest_publish(request, contest_id):
    contest = _get_contest(request, contest_id)
    try:
        services.publish_contest(actor=request.user, contest=contest)
    except services.ContestError as exc:
        messages.error(request, _("The contest was not published:"))
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The contest is published."))
    return redirect("contests:organize-detail", contest_id=contest.pk)


@login_required
@require_POST
def contest_close(request, contest_id):
    contest = _get_contest(request, contest_id)
    try:
        services.close_contest(actor=request.user, contest=contest)
    except services.ContestError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The contest is closed."))
    return redirect("contests:organize-detail", contest_id=contest.pk)


# --- blocks ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def block_list(request, contest_id):
    contest = _get_contest(request, contest_id)
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_block(actor=request.user, contest=contest, **form.service_kwargs())
        except services.ContestError as exc:
            add_service_errors(form, exc.errors)
        else:
            messages.success(request, _("The block has been added."))
            return redirect("contests:organize-blocks", contest_id=contest.pk)
    return render(
        request,
        "contests/organize_blocks.html",
        {"contest": contest, "blocks": contest.blocks.prefetch_related("agencies"), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def block_edit(request, contest_id, block_id):
    contest, block = _get_block(request, contest_id, block_id)
    form = BlockForm(request.POST or None, block=block)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_block(actor=request.user, block=block, **form.service_kwargs())
        except services.ContestError as exc:
            add_service_errors(form, exc.errors)
        else:
            messages.success(request, _("The block has been saved."))
            return redirect("contests:organize-blocks", contest_id=contest.pk)
    return render(
        request, "contests/organize_block_form.html", {"contest": contest, "block": block, "form": form}
    )


@login_required
@require_POST
def block_delete(request, contest_id, block_id):
    contest, block = _get_block(request, contest_id, block_id)
    try:
        services.delete_block(actor=request.user, block=block)
    except services.ContestError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The block has been deleted."))
    return redirect("contests:organize-blocks", contest_id=contest.pk)


# --- rounds ---------------------------------------------------------------------------


def _round_page(request, contest, round, form, formset, rule_errors, status=200):
    problems, preview_blocks, closable = [], [], False
    if round is not None:
        problems = drawing.shortages(round=round)
        preview_blocks = list(round.blocks.all()) or list(contest.blocks.all())
        closable = not services.close_round_problems(round=round, now=timezone.now())
    return render(
        request,
        "contests/organize_round_form.html",
        {
            "contest": contest,
            "round": round,
            "form": form,
            "formset": formset,
            "rule_errors": rule_errors,
            "problems": problems,
            "preview_blocks": preview_blocks,
            "closable": closable,
        },
        status=status,
    )


def _save_round(request, contest, round):
    form = RoundForm(request.POST or None, contest=contest, round=round)
    formset = draw_rule_formset(contest=contest, round=round, data=request.POST or None)
    rule_errors = []
    if request.method == "POST":
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            data = form.service_kwargs()
            try:
                if round is None:
                    round = services.create_round(
                        actor=request.user, contest=contest, draw_rules=formset.rules(), **data
                    )
                    messages.success(request, _("The round has been added."))
                else:
                    services.update_round(actor=request.user, round=round, draw_rules=formset.rules(), **data)
                    messages.success(request, _("The round has been saved."))
            except services.ContestError as exc:
                add_service_errors(form, exc.errors, other=rule_errors)
            else:
                return redirect("contests:organize-round-edit", contest_id=contest.pk, round_id=round.pk)
    return _round_page(request, contest, round, form, formset, rule_errors)


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request, contest_id):
    contest = _get_contest(request, contest_id)
    return _save_round(request, contest, None)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, contest_id, round_id):
    contest, round = _get_round(request, contest_id, round_id)
    return _save_round(request, contest, round)


@login_required
@require_POST
def round_delete(request, contest_id, round_id):
    contest, round = _get_round(request, contest_id, round_id)
    try:
        services.delete_round(actor=request.user, round=round)
    except services.ContestError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("contests:organize-round-edit", contest_id=contest.pk, round_id=round.pk)
    messages.success(request, _("The round has been deleted."))
    return redirect("contests:organize-detail", contest_id=contest.pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request, contest_id, round_id):
    """GET: what closing the round now does, and the button (or why it cannot
    be closed). POST: close it (services.close_round)."""
    contest, round = _get_round(request, contest_id, round_id)
    now = timezone.now()
    if request.method == "POST":
        try:
            services.close_round(actor=request.user, round=round, now=now)
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
            "problems": services.close_round_problems(round=round, now=now),
            "in_progress": round_stats(round=round, now=now)["totals"]["in_progress"],
            "grace_seconds": int(attempts.ANSWER_GRACE.total_seconds()),
            "now": now,
        },
    )


@login_required
@require_POST
def round_preview(request, contest_id, round_id):
    """Take the round as a participant would (as the chosen block, if any);
    the attempt is marked as a preview and never counted."""
    contest, round = _get_round(request, contest_id, round_id)
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
        block = blocks.filter(pk=request.POST["block"]).first() if request.POST["block"].isdigit() else None
        if block is None:
            messages.error(request, _("Choose a block of this round."))
            return back
    try:
        attempt = attempts.start_attempt(user=request.user, round=round, preview=True, block=block)
    except attempts.AttemptError as exc:
        messages.error(request, exc.message)
        return back
    return redirect("contests:quiz", attempt_id=attempt.pk)


# --- live panel -----------------------------------------------------------------------


def round_stats(*, round, now):
    """Attempts in progress, finished, and distinct participants (previews
    excluded), for the round and per block. Two queries."""
    current = Q(deadline__isnull=True) | Q(deadline__gt=now)
    attempts = Attempt.objects.filter(round=round).order_by()
    counts = {
        "in_progress": Count("id", filter=Q(is_preview=False, status=Attempt.Status.IN_PROGRESS) & current),
        "finished": Count("id", filter=Q(is_preview=False) & ~Q(status=Attempt.Status.IN_PROGRESS)),
        "participants": Count("user", filter=Q(is_preview=False), distinct=True),
    }
    totals = attempts.aggregate(previews=Count("id", filter=Q(is_preview=True)), **counts)
    per_block = {row.pop("block_id"): row for row in attempts.values("block_id").annotate(**counts)}
    blocks = list(round.blocks.all()) or list(round.contest.blocks.all())
    rows = [{"id": b.pk, "name": b.name, **_zero(per_block.get(b.pk))} for b in blocks]
    if blocks and None in per_block:
        rows.append({"id": None, "name": _("No block"), **_zero(per_block[None])})
    state = _round_state(round, now)
    return {
        "round": round.pk,
        "state": state,
        "state_label": str(_round_state_label(state)),
        "server_time": now.isoformat(),
        "totals": totals,
        "blocks": rows,
    }


def _zero(row):
    row = row or {}
    return {key: row.get(key, 0) for key in ("in_progress", "finished", "participants")}


@login_required
@require_GET
def round_live(request, contest_id, round_id):
    contest, round = _get_round(request, contest_id, round_id)
    return render(
        request,
        "contests/organize_round_live.html",
        {
            "contest": contest,
            "round": round,
            "stats": round_stats(round=round, now=timezone.now()),
            "poll_seconds": STATS_POLL_SECONDS,
            "closable": not services.close_round_problems(round=round, now=timezone.now()),
        },
    )


@never_cache
@require_GET
def round_stats_json(request, contest_id, round_id):
    if not request.user.is_authenticated:
        return JsonResponse({"code": "login_required", "message": _("Please log in.")}, status=401)
    _contest, round = _get_round(request, contest_id, round_id)
    return JsonResponse(round_stats(round=round, now=timezone.now()))
