"""Organizer pages: contests, blocks, rounds with draw rules, publishing,
previews, the live panel of a round, closing an open round early and the
contest's audit log (with its xlsx).

Who may see what: organizers over a contest's owner agency
(`accounts.selectors.can_manage_agency`). Anyone else gets 404 for a draft or
officials-only contest (its existence is not public) and 403 for a published
public one; anonymous visitors are sent to the login page (the JSON stats
endpoint answers 401 instead).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.selectors import managed_agencies
from contests.documents import xlsx as exports
from contests.models import Contest
from contests.setup import access, audit_log, checks, drawing, selectors, services
from contests.setup.forms import BlockForm, ContestForm, RoundForm, add_service_errors, draw_rule_formset
from contests.setup.rules_text import counting_in_words, render_rules

STATS_POLL_SECONDS = 5
AUDIT_PAGE_SIZE = 50

# --- access helpers ------------------------------------------------------------------


# --- contests --------------------------------------------------------------------------


@login_required
@require_GET
def contest_list(request):
    access.require_organizer(request)
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
    access.require_organizer(request)
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
    contest = access.managed_contest(request, contest_id)
    now = timezone.now()
    rounds = list(
        contest.rounds.select_related("closed_early_by").prefetch_related("blocks").order_by("number")
    )
    for round in rounds:
        round.contest = contest
        round.state = selectors.round_state(round, now)
        round.state_label = selectors.round_state_label(round.state)
        round.problems = drawing.shortages(round=round)
        round.closable = not checks.close_round_problems(round=round, now=now)
    problems = checks.publish_problems(contest=contest) if contest.status == Contest.Status.DRAFT else []
    return render(
        request,
        "contests/organize_contest_detail.html",
        {
            "contest": contest,
            "blocks": contest.blocks.prefetch_related("agencies"),
            "rounds": rounds,
            "publish_problems": problems,
            "rules_html": render_rules(contest.rules_text),
            "counting": counting_in_words(contest),
            "audience_agencies": contest.audience_agencies.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contest_edit(request, contest_id):
    contest = access.managed_contest(request, contest_id)
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
    contest = access.managed_contest(request, contest_id)
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
    contest = access.managed_contest(request, contest_id)
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
    contest = access.managed_contest(request, contest_id)
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
    contest, block = access.managed_block(request, contest_id, block_id)
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
        request,
        "contests/organize_block_form.html",
        {"contest": contest, "edited_block": block, "form": form},
    )


@login_required
@require_POST
def block_delete(request, contest_id, block_id):
    contest, block = access.managed_block(request, contest_id, block_id)
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
        closable = not checks.close_round_problems(round=round, now=timezone.now())
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
    contest = access.managed_contest(request, contest_id)
    return _save_round(request, contest, None)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    return _save_round(request, contest, round)


@login_required
@require_POST
def round_delete(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    try:
        services.delete_round(actor=request.user, round=round)
    except services.ContestError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("contests:organize-round-edit", contest_id=contest.pk, round_id=round.pk)
    messages.success(request, _("The round has been deleted."))
    return redirect("contests:organize-detail", contest_id=contest.pk)


# --- live panel -----------------------------------------------------------------------


@login_required
@require_GET
def round_live(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    return render(
        request,
        "contests/organize_round_live.html",
        {
            "contest": contest,
            "round": round,
            "stats": selectors.round_stats(round=round, now=timezone.now()),
            "poll_seconds": STATS_POLL_SECONDS,
            "closable": not checks.close_round_problems(round=round, now=timezone.now()),
        },
    )


@never_cache
@require_GET
def round_stats_json(request, contest_id, round_id):
    if not request.user.is_authenticated:
        return JsonResponse({"code": "login_required", "message": _("Please log in.")}, status=401)
    _contest, round = access.managed_round(request, contest_id, round_id)
    return JsonResponse(selectors.round_stats(round=round, now=timezone.now()))


# --- audit log ------------------------------------------------------------------------


def _audit_kind(request):
    kind = request.GET.get("kind", "")
    return kind if kind in audit.KINDS else ""


@login_required
@require_GET
def contest_audit(request, contest_id):
    contest = access.managed_contest(request, contest_id)
    kind = _audit_kind(request)
    page = Paginator(audit_log.contest_entries(contest, kind), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = audit_log.describe(list(page.object_list))
    return render(
        request,
        "contests/organize_audit.html",
        {
            "contest": contest,
            "page": page,
            "entries": entries,
            "kind": kind,
            "kinds": audit_log.contest_kinds(contest),
        },
    )


@login_required
@require_GET
def contest_audit_xlsx(request, contest_id):
    """The contest's log as a workbook, newest first; the download itself is
    an entry (the log names people)."""
    contest = access.managed_contest(request, contest_id)
    kind = _audit_kind(request)
    filename = f"nhat-ky-{contest.slug}.xlsx"
    audit.record(
        actor=request.user, action="export.audit_xlsx", obj=contest, contest=contest, summary=filename
    )

    def as_json(value):
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    def rows():
        for entry in audit_log.contest_entries(contest, kind).iterator(chunk_size=2000):
            yield [
                entry.at,
                audit_log.actor_text(entry),
                str(audit.action_label(entry.action)),
                entry.action,
                audit_log.object_text(entry),
                entry.summary,
                as_json(entry.before),
                as_json(entry.after),
            ]

    sheet = exports.Sheet(
        title=_("Audit log"),
        heading=_("Audit log: %(contest)s") % {"contest": contest.title},
        filters=[(_("Type of action"), audit.KINDS[kind] if kind else _("all"))],
        columns=[
            _("When"),
            _("Who"),
            _("Action"),
            _("Code"),
            _("Object"),
            _("Summary"),
            _("Before"),
            _("After"),
        ],
        rows=rows(),
        widths=[20, 28, 34, 22, 16, 50, 60, 60],
    )
    return exports.xlsx_response(filename, [sheet])
