"""Results, prizes, reports and certificates pages, mounted at /contests/results/.

Who may see what:
- organiser pages (ranking rules, prize tables, finalising, disqualifying,
  board decisions, publishing, reports, exports): organisers over the
  contest's owning agency. Anyone else gets 404 (403 for a published public
  contest, whose existence is public); anonymous visitors go to the login page;
- the members of an agency who have not taken part: organisers over that agency;
- published winners, the published result set's canonical JSON and
  certificate verification: anyone who may see the contest; nothing before
  publication (404);
- a certificate PDF: its winner and the contest's organisers.
"""

import json
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Agency, User
from accounts.selectors import can_manage_agency, managed_agencies
from contests import (
    award_forms,
    award_rules,
    award_selectors,
    awards,
    certificates,
    chain,
    charts,
    exports,
    reports,
)
from contests import selectors as contest_selectors
from contests.models import Block, CollectivePrize, Contest, Round, RoundResult, Standing

VN = exports.VN
PAGE_SIZE = 50

REASON_LABELS = {
    award_rules.REASON_STAFF: gettext_lazy("organiser staff"),
    award_rules.REASON_AUTHOR: gettext_lazy("author or reviewer of the contest's questions"),
    award_rules.REASON_PROFILE: gettext_lazy("incomplete profile"),
    award_rules.REASON_HELD: gettext_lazy("already holds a prize at least as high in this contest"),
}

# --- access helpers -----------------------------------------------------------------------------


def _managed_contest(request, contest_id):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), pk=contest_id)
    if not award_selectors.can_manage_contest(user=request.user, contest=contest):
        if contest.status != Contest.Status.DRAFT and contest.is_public:
            raise PermissionDenied
        raise Http404
    return contest


def _managed_round(request, contest_id, round_id):
    contest = _managed_contest(request, contest_id)
    round = get_object_or_404(Round, pk=round_id, contest=contest)
    round.contest = contest
    return contest, round


def _visible_contest(request, slug):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), slug=slug)
    if not contest_selectors.can_view_contest(user=request.user, contest=contest):
        raise Http404
    return contest


def _published_round(request, slug, number):
    contest = _visible_contest(request, slug)
    round = get_object_or_404(Round, contest=contest, number=number)
    round.contest = contest
    publication = award_selectors.latest_publication(round)
    if publication is None:
        raise Http404
    return contest, round, publication


def _refused(request, error):
    for message in error.messages:
        messages.error(request, message)


def _reason_label(reason):
    return REASON_LABELS.get(reason, reason)


# --- contest overview, ranking rules, prize tables ---------------------------------------------------


@login_required
@require_GET
def award_contest(request, contest_id):
    contest = _managed_contest(request, contest_id)
    now = timezone.now()
    rounds = list(contest.rounds.filter(is_practice=False).order_by("number"))
    latest = award_selectors.current_publications(contest)
    for r in rounds:
        r.contest = contest
        r.result = award_selectors.current_result(r)
        r.publication = latest.get(r.pk)
        r.closed = now >= r.closes_at
    policy = award_selectors.policy_row(contest=contest)
    base = chain.Policy(
        **(
            {
                "chain": tuple(policy.chain),
                "equal_error": policy.equal_error,
                "counts": policy.prediction_counts,
                "scope": policy.prediction_scope,
                "valid_only": policy.prediction_valid_only,
            }
            if policy
            else {}
        ),
        target=rounds[0].prediction_target if rounds else chain.TARGET_PARTICIPANTS,
        counting=rounds[0].counting if rounds else chain.COUNTING_BEST,
    )
    tables = list(contest.prize_tables.select_related("round", "block").prefetch_related("tiers"))
    return render(
        request,
        "contests/award_contest.html",
        {
            "contest": contest,
            "rounds": rounds,
            "rules": chain.policy_in_words(base),
            "tables": tables,
            "collective": list(contest.collective_prizes.all()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def award_policy(request, contest_id, round_id=None):
    contest = _managed_contest(request, contest_id)
    round = get_object_or_404(Round, pk=round_id, contest=contest) if round_id else None
    if round is not None:
        round.contest = contest
        current = award_selectors.policy_for_round(round)
    else:
        row = award_selectors.policy_row(contest=contest)
        current = chain.Policy(
            **(
                {
                    "chain": tuple(row.chain),
                    "equal_error": row.equal_error,
                    "counts": row.prediction_counts,
                    "scope": row.prediction_scope,
                    "valid_only": row.prediction_valid_only,
                }
                if row
                else {}
            )
        )
    form = award_forms.PolicyForm(request.POST or None, initial=award_forms.PolicyForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            awards.save_result_policy(
                actor=request.user,
                contest=contest,
                round=round,
                chain_criteria=form.cleaned_data["chain"],
                equal_error=form.cleaned_data["equal_error"],
                counts=form.cleaned_data["prediction_counts"],
                scope=form.cleaned_data["prediction_scope"],
                valid_only=form.cleaned_data["prediction_valid_only"],
            )
        except awards.AwardError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The ranking rules are saved."))
            return redirect("contests:award-contest", contest_id=contest.pk)
    preview = chain.policy_in_words(current) if not form.is_bound else []
    return render(
        request,
        "contests/award_policy.html",
        {"contest": contest, "round": round, "form": form, "preview": preview},
        status=400 if form.is_bound and form.errors else 200,
    )


def _scope_from(request, contest):
    """The (round, block) a prize table page is about, from ?round= and ?block=."""
    source = request.POST if request.method == "POST" else request.GET
    round = block = None
    if source.get("round"):
        round = get_object_or_404(Round, pk=source.get("round"), contest=contest)
    if source.get("block"):
        block = get_object_or_404(Block, pk=source.get("block"), contest=contest)
    return round, block


@login_required
@require_http_methods(["GET", "POST"])
def award_prizes(request, contest_id):
    contest = _managed_contest(request, contest_id)
    round, block = _scope_from(request, contest)
    table = contest.prize_tables.filter(round=round, block=block).prefetch_related("tiers").first()
    if table is not None:
        options_initial = {
            "one_per_contest": table.one_per_contest,
            "exclude_staff": table.exclude_staff,
            "require_complete_profile": table.require_complete_profile,
            "boundary_ties": table.boundary_ties,
        }
        tiers_initial = award_forms.tier_initial(list(table.tiers.all()))
    else:
        options_initial = {"exclude_staff": True, "require_complete_profile": True, "boundary_ties": "board"}
        tiers_initial = award_forms.default_tier_initial()
    options = award_forms.PrizeOptionsForm(request.POST or None, initial=options_initial)
    if request.method == "POST":  # no initial: an unchanged default row must still count
        tiers = award_forms.TierFormSet(request.POST, prefix="tiers")
    else:
        tiers = award_forms.TierFormSet(initial=tiers_initial, prefix="tiers")
    status = 200
    if request.method == "POST":
        if options.is_valid() and tiers.is_valid():
            rows = [
                awards.TierData(
                    name=f.cleaned_data["name"],
                    count=f.cleaned_data["count"],
                    amount=f.cleaned_data.get("amount") or 0,
                    points=f.cleaned_data.get("points") or 0,
                )
                for f in tiers.forms
                if f.cleaned_data.get("name")
            ]
            try:
                awards.save_prize_table(
                    actor=request.user,
                    contest=contest,
                    round=round,
                    block=block,
                    tiers=rows,
                    **options.cleaned_data,
                )
            except awards.AwardError as error:
                for message in error.messages:
                    options.add_error(None, message)
            else:
                messages.success(request, _("The prize table is saved."))
                return redirect("contests:award-contest", contest_id=contest.pk)
        status = 400
    return render(
        request,
        "contests/award_prizes.html",
        {
            "contest": contest,
            "round": round,
            "block": block,
            "table": table,
            "options": options,
            "tiers": tiers,
            "rounds": contest.rounds.filter(is_practice=False).order_by("number"),
            "blocks": contest.blocks.all(),
        },
        status=status,
    )


# --- a round's results --------------------------------------------------------------------------------


def _trace_rows(standing, criteria):
    """[(label, value)] of a standing's trace, in chain order, for templates."""
    labels = chain.criterion_labels()
    trace = standing.record.get("trace", {})
    return [(labels[c], _trace_text(c, trace.get(c))) for c in criteria if c in trace]


def _with_traces(standings, criteria):
    for s in standings:
        if s is not None:
            s.trace_rows = _trace_rows(s, criteria)
    return standings


def _proposal_rows(proposals):
    """Template rows for the proposed winners of each block."""
    out = []
    for p in proposals:
        rows = []
        for proposed in p.proposal.awards:
            rows.append(
                {
                    "standing": p.standings.get(proposed.candidate.user_id),
                    "tier": proposed.tier,
                    "pending": proposed.tier is None,
                    "by_tie_rule": proposed.by_tie_rule,
                    "upgrades": proposed.upgrades,
                }
            )
        passed = [
            {"standing": p.standings.get(x.candidate.user_id), "reason": _reason_label(x.reason)}
            for x in p.proposal.passed_over
        ]
        out.append(
            {"block": p.block, "table": p.table, "rows": rows, "passed": passed, "proposal": p.proposal}
        )
    return out


@login_required
@require_GET
def award_round(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    now = timezone.now()
    result = award_selectors.current_result(round)
    context = {
        "contest": contest,
        "round": round,
        "result": result,
        "closed": now >= round.closes_at,
        "versions": award_selectors.result_versions(round),
        "publication": award_selectors.latest_publication(round),
        "disqualifications": list(round.disqualifications.select_related("user", "created_by")),
        "decisions": list(round.tie_decisions.select_related("decided_by")),
    }
    if result is None:
        context["problems"] = awards.finalisation_problems(round, now)
        context["actual_now"] = award_selectors.actual_rows(
            contest=contest,
            actual=awards.compute_prediction_actual(round=round) if round.prediction_target else {},
        )
    else:
        proposals = award_selectors.propose_awards(result)
        criteria = list(result.policy["chain"])
        for p in proposals:
            _with_traces(p.standings.values(), criteria)
        context["proposals"] = _proposal_rows(proposals)
        context["publish_problems"] = awards.publishing_problems(result, proposals)
        ties = award_selectors.unresolved_ties(result)
        for _b, _rank, rows in ties:
            _with_traces(rows, criteria)
        context["ties"] = [
            {
                "block": rows[0].block,
                "rank": rank,
                "rows": rows,
                "form": award_forms.TieDecisionForm(users=[s.user for s in rows]),
            }
            for _b, rank, rows in ties
        ]
        context["rules"] = chain.policy_in_words(result.policy_obj)
        context["actual_rows"] = award_selectors.actual_rows(contest=contest, actual=result.prediction_actual)
        query = request.GET.get("q", "").strip()
        found = Standing.objects.filter(result=result).select_related("user", "user__agency", "block")
        if query:
            found = found.filter(
                Q(user__full_name__icontains=query)
                | Q(user__email__iexact=query)
                | Q(user__pk=int(query) if query.isdigit() else 0)
            )
            context["found"] = _with_traces(list(found.order_by("position")[:PAGE_SIZE]), criteria)
        context["query"] = query
    return render(request, "contests/award_round.html", context)


@login_required
@require_POST
def award_finalise(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    try:
        result = awards.finalise_round(round=round, actor=request.user)
    except awards.AwardError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("The round is finalised: %(n)d standings, SHA-256 %(hash)s.")
            % {"n": result.entries, "hash": result.sha256},
        )
    return redirect("contests:award-round", contest_id=contest.pk, round_id=round.pk)


@login_required
@require_POST
def award_disqualify(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    form = award_forms.DisqualifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the disqualification."))
    else:
        user = get_object_or_404(User, pk=form.cleaned_data["user"])
        try:
            result = awards.disqualify(
                round=round, user=user, reason=form.cleaned_data["reason"], actor=request.user
            )
        except awards.AwardError as error:
            _refused(request, error)
        else:
            messages.success(
                request,
                _("%(name)s is disqualified; version %(v)d of the results is computed.")
                % {"name": user.full_name or user.email, "v": result.version},
            )
    return redirect("contests:award-round", contest_id=contest.pk, round_id=round.pk)


@login_required
@require_POST
def award_tie(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    result = award_selectors.current_result(round)
    if result is None:
        raise Http404
    ids = [int(k.removeprefix("place_")) for k in request.POST if k.startswith("place_") and k[6:].isdigit()]
    users = list(User.objects.filter(pk__in=ids))
    block = None
    if request.POST.get("block"):
        block = get_object_or_404(Block, pk=request.POST["block"], contest=contest)
    form = award_forms.TieDecisionForm(request.POST, users=sorted(users, key=lambda u: u.pk))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        try:
            new = awards.decide_tie(
                round=round,
                block=block,
                user_ids=form.cleaned_data["order"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except awards.AwardError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("The board's decision is recorded: version %(v)d.") % {"v": new.version}
            )
    return redirect("contests:award-round", contest_id=contest.pk, round_id=round.pk)


@login_required
@require_POST
def award_publish(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    try:
        publication = awards.publish_round(
            round=round, actor=request.user, note=request.POST.get("note", "")[:2000]
        )
    except awards.AwardError as error:
        _refused(request, error)
        return redirect("contests:award-round", contest_id=contest.pk, round_id=round.pk)
    messages.success(
        request,
        _("The winners are published and e-mailed (%(n)d prizes).") % {"n": publication.awards.count()},
    )
    return redirect("contests:winners-round", slug=contest.slug, number=round.number)


@login_required
@require_GET
def award_version(request, contest_id, round_id, version):
    contest, round = _managed_round(request, contest_id, round_id)
    result = get_object_or_404(RoundResult, round=round, version=version)
    blocks = award_selectors.standings_blocks(result)
    block_id = request.GET.get("block")
    chosen = None
    if block_id:
        chosen = next((b for b, _n in blocks if b and str(b.pk) == block_id), None)
        if chosen is None:
            raise Http404
    elif blocks:
        chosen = blocks[0][0]
    qs = Standing.objects.filter(result=result).select_related("user", "user__agency", "attempt")
    qs = qs.filter(block=chosen) if chosen else qs.filter(block__isnull=True)
    page = Paginator(qs.order_by("position"), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_traces(page.object_list, result.policy["chain"])
    verified = award_selectors.verify_result(result) if request.GET.get("verify") else None
    return render(
        request,
        "contests/award_version.html",
        {
            "contest": contest,
            "round": round,
            "result": result,
            "blocks": blocks,
            "block": chosen,
            "page": page,
            "verified": verified,
            "labels": chain.criterion_labels(),
            "chain": result.policy["chain"],
        },
    )


# --- exports of a round -----------------------------------------------------------------------------


# Criteria shown as columns of their own in the results export.
RESULT_FACTS = {chain.SCORE, chain.CORRECT, chain.DURATION, chain.SUBMITTED, chain.PREDICTION}

SIDES = {
    "over": gettext_lazy("above the actual value"),
    "under": gettext_lazy("below the actual value"),
    "exact": gettext_lazy("exact"),
}


def _local_time(text):
    """Canonical UTC text → Vietnam time to the millisecond, for people."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(VN)
    return moment.strftime("%d/%m/%Y %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _trace_text(criterion, value):
    """A trace value as people read it (the canonical value stays in the record)."""
    if value is None:
        return ""
    if criterion == chain.PREDICTION and isinstance(value, dict):
        if value.get("error") is None:
            return _("no prediction")
        return _("%(value)s (actual %(actual)s, error %(error)s, %(side)s)") % {
            **value,
            "side": SIDES.get(value.get("side"), value.get("side")),
        }
    if criterion == chain.DURATION:
        seconds, ms = divmod(int(value), 1000)
        return f"{value} ms ({seconds // 60}:{seconds % 60:02d}.{ms:03d})"
    if criterion in (chain.SUBMITTED, chain.STARTED, chain.REGISTERED):
        return _local_time(value)
    if criterion == chain.ALL_CORRECT:
        return _("yes") if value else _("no")
    return str(value)


@login_required
@require_GET
def report_results_xlsx(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    version = request.GET.get("version")
    result = (
        get_object_or_404(RoundResult, round=round, version=version)
        if version and version.isdigit()
        else award_selectors.current_result(round)
    )
    if result is None:
        raise Http404
    labels = chain.criterion_labels()
    # Criteria whose value is not already a column of its own.
    extra = [c for c in result.policy["chain"] if c not in RESULT_FACTS]
    columns = [
        _("Block"),
        _("No."),
        _("Rank"),
        _("Full name"),
        _("E-mail"),
        _("Agency or commune"),
        _("Attempt"),
        _("Score"),
        _("Correct answers"),
        _("Duration (ms)"),
        _("Submitted at"),
        _("Prediction"),
        _("Prediction error"),
        _("Tied"),
    ] + [str(labels[c]) for c in extra]
    blocks = {b.pk: b.name for b in Block.objects.filter(contest=contest)}
    fields = [
        "block_id",
        "position",
        "rank",
        "user__full_name",
        "user__email",
        "user__agency__name",
        "attempt_id",
        "score",
        "correct_count",
        "duration_ms",
        "finished_at",
        "prediction",
        "prediction_error",
        "tied",
    ] + (["record_json"] if extra else [])

    def rows():
        qs = Standing.objects.filter(result=result).order_by("block_id", "position").values_list(*fields)
        for row in qs.iterator(chunk_size=5000):
            out = [blocks.get(row[0], ""), *row[1:14]]
            if extra:
                trace = json.loads(row[14]).get("trace", {})
                out += [_trace_text(c, trace.get(c)) for c in extra]
            yield out

    sheet = exports.Sheet(
        title=_("Results"),
        heading=f"{contest.title} — {round.title}",
        filters=[
            (_("Version"), result.version),
            (_("SHA-256"), result.sha256),
            (
                _("Prediction actual value"),
                ", ".join(f"{k}: {v}" for k, v in result.prediction_actual.items()),
            ),
        ],
        columns=columns,
        rows=rows(),
        widths=[14, 9, 7, 28, 28, 30, 10, 8, 8, 12, 20, 12, 10, 7],
    )
    return exports.xlsx_response(
        f"ket-qua-{contest.slug}-vong-{round.number}-v{result.version}.xlsx", [sheet]
    )


def _winner_rows(round):
    """(title, [row]) of the published winners, else of the proposal."""
    publication = award_selectors.latest_publication(round)
    if publication is not None:
        rows = [
            [
                a.block.name if a.block else "",
                a.tier_name,
                a.rank,
                a.user.full_name or a.user.email,
                award_selectors.public_place(a.user),
                a.amount,
                a.code,
            ]
            for a in award_selectors.published_awards(publication)
        ]
        return publication, rows
    result = award_selectors.current_result(round)
    if result is None:
        raise Http404
    rows = []
    for p in award_selectors.propose_awards(result):
        for proposed in p.proposal.awards:
            s = p.standings[proposed.candidate.user_id]
            rows.append(
                [
                    p.block.name if p.block else "",
                    proposed.tier.name if proposed.tier else _("pending the board"),
                    s.rank,
                    s.user.full_name or s.user.email,
                    award_selectors.public_place(s.user),
                    proposed.tier.amount if proposed.tier else "",
                    "",
                ]
            )
    return None, rows


@login_required
@require_GET
def report_winners_xlsx(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    publication, rows = _winner_rows(round)
    sheet = exports.Sheet(
        title=_("Winners"),
        heading=f"{contest.title} — {round.title}",
        filters=[(_("Status"), _("Published") if publication else _("proposed, not published"))],
        columns=[
            _("Block"),
            _("Prize"),
            _("Rank"),
            _("Full name"),
            _("Agency or commune"),
            _("Amount (VND)"),
            _("Certificate code"),
        ],
        rows=rows,
        widths=[14, 20, 7, 30, 36, 14, 16],
    )
    return exports.xlsx_response(f"giai-thuong-{contest.slug}-vong-{round.number}.xlsx", [sheet])


@login_required
@require_GET
def report_winners_pdf(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    publication, rows = _winner_rows(round)
    pdf = exports.ReportPDF(f"{contest.title} — {round.title}", orientation="L")
    pdf.add_page()
    pdf.heading(_("Winners: %(round)s") % {"round": round.title})
    if publication:
        pdf.paragraph(
            _("Published on %(date)s. Results version %(v)d, SHA-256 %(hash)s.")
            % {
                "date": publication.published_at.astimezone(VN).strftime("%d/%m/%Y %H:%M"),
                "v": publication.result.version,
                "hash": publication.sha256,
            }
        )
    else:
        pdf.paragraph(_("Proposed winners, not yet published."))
    pdf.data_table(
        [
            _("Block"),
            _("Prize"),
            _("Rank"),
            _("Full name"),
            _("Agency or commune"),
            _("Amount (VND)"),
            _("Code"),
        ],
        [[b, t, r, n, p, f"{a:,}".replace(",", ".") if a != "" else "", c] for b, t, r, n, p, a, c in rows],
        widths=(25, 30, 12, 50, 80, 28, 32),
    )
    return exports.pdf_response(pdf, f"giai-thuong-{contest.slug}-vong-{round.number}.pdf")


# --- round summary, score buckets, item analysis -------------------------------------------------------


def _summary_context(round):
    summary = reports.round_summary(round)
    total_buckets = summary.buckets[-1] if summary.buckets else None
    return {
        "summary": summary,
        "hours_chart": charts.hours_chart(
            summary.by_hour,
            title=_("Attempts by hour of the day"),
            description=_("Number of attempts started in each hour (Vietnam time)."),
        ),
        "buckets_chart": charts.buckets_chart(
            total_buckets, title=_("Score distribution"), description=_("Participants in each score bucket.")
        )
        if total_buckets
        else "",
    }


@login_required
@require_GET
def report_round(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    return render(
        request, "contests/report_round.html", {"contest": contest, "round": round, **_summary_context(round)}
    )


def _summary_sheets(contest, round, summary):
    filters = [(_("Contest"), contest.title), (_("Round"), round.title)]
    blocks = exports.Sheet(
        title=_("By block"),
        heading=_("Round summary"),
        filters=filters,
        columns=[
            _("Block"),
            _("Attempts"),
            _("Finished"),
            _("In progress"),
            _("Completion (%)"),
            _("Participants"),
        ],
        rows=[
            [
                s.block.name if s.block else (_("Total") if s.is_total else "—"),
                s.attempts,
                s.finished,
                s.in_progress,
                s.completion,
                s.participants,
            ]
            for s in [*summary.blocks, summary.total]
        ],
        widths=[20, 10, 10, 10, 14, 12],
    )
    buckets = exports.Sheet(
        title=_("Score buckets"),
        heading=_("Score distribution"),
        filters=filters,
        columns=[_("Block")] + [str(label) for _k, label in reports.BUCKETS] + [_("Total")],
        rows=[
            [(_("Total") if getattr(b, "is_total", False) else (b.block.name if b.block else "—"))]
            + [b.counts[k] for k, _l in reports.BUCKETS]
            + [b.total]
            for b in summary.buckets
        ],
        widths=[20, 10, 18, 18, 24, 10, 10],
    )
    hours = exports.Sheet(
        title=_("By hour"),
        heading=_("Attempts by hour of the day"),
        filters=filters,
        columns=[_("Hour"), _("Attempts started")],
        rows=[[f"{h:02d}:00", n] for h, n in enumerate(summary.by_hour)],
    )
    return [blocks, buckets, hours]


@login_required
@require_GET
def report_round_xlsx(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    summary = reports.round_summary(round)
    return exports.xlsx_response(
        f"tong-hop-{contest.slug}-vong-{round.number}.xlsx", _summary_sheets(contest, round, summary)
    )


@login_required
@require_GET
def report_round_pdf(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    summary = reports.round_summary(round)
    pdf = exports.ReportPDF(f"{contest.title} — {round.title}")
    pdf.add_page()
    pdf.heading(_("Round summary: %(round)s") % {"round": round.title})
    pdf.paragraph(
        _("%(opens)s to %(closes)s (Vietnam time).")
        % {
            "opens": round.opens_at.astimezone(VN).strftime("%d/%m/%Y %H:%M"),
            "closes": round.closes_at.astimezone(VN).strftime("%d/%m/%Y %H:%M"),
        }
    )
    pdf.data_table(
        [_("Block"), _("Attempts"), _("Finished"), _("Completion (%)"), _("Participants")],
        [
            [
                s.block.name if s.block else (_("Total") if s.is_total else "—"),
                s.attempts,
                s.finished,
                s.completion or "",
                s.participants,
            ]
            for s in [*summary.blocks, summary.total]
        ],
        widths=(60, 30, 30, 35, 35),
    )
    if summary.result:
        pdf.paragraph(
            _("Finalised: version %(v)d, SHA-256 %(hash)s.")
            % {"v": summary.result.version, "hash": summary.result.sha256}
        )
    pdf.heading(_("Attempts by hour of the day"), size=11)
    pdf.column_chart(summary.by_hour, [f"{h:02d}" for h in range(24)], every=3)
    if summary.buckets:
        pdf.heading(_("Score distribution"), size=11)
        total = summary.buckets[-1]
        pdf.bar_rows([(str(label), count) for _k, label, count, _s in total.cells])
        pdf.data_table(
            [_("Block")] + [str(label) for _k, label in reports.BUCKETS],
            [
                [(_("Total") if getattr(b, "is_total", False) else (b.block.name if b.block else "—"))]
                + [
                    f"{b.counts[k]} ({reports.percent(b.counts[k], b.total) or 0}%)"
                    for k, _l in reports.BUCKETS
                ]
                for b in summary.buckets
            ],
        )
    return exports.pdf_response(pdf, f"tong-hop-{contest.slug}-vong-{round.number}.pdf")


@login_required
@require_GET
def report_items(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    items = reports.item_analysis(round=round)
    return render(request, "contests/report_items.html", {"contest": contest, "round": round, "items": items})


@login_required
@require_GET
def report_items_xlsx(request, contest_id, round_id):
    contest, round = _managed_round(request, contest_id, round_id)
    items = reports.item_analysis(round=round)
    sheet = exports.Sheet(
        title=_("Item analysis"),
        heading=f"{contest.title} — {round.title}",
        filters=[
            (_("Upper and lower groups"), "27%"),
            (_("Minimum responses for flags"), reports.MIN_RESPONSES),
        ],
        columns=[
            _("Question"),
            _("Text"),
            _("Responses"),
            _("Facility"),
            _("Discrimination"),
            _("Options (share; * = key)"),
            _("Blank"),
            _("Flags"),
        ],
        rows=[
            [
                i.question_id,
                i.text,
                i.responses,
                i.facility,
                i.discrimination,
                "; ".join(
                    f"{'*' if o.is_key else ''}{chr(64 + o.position) if 0 < o.position < 27 else o.position}: {o.share or 0}"
                    for o in i.options
                ),
                i.blank,
                ", ".join(str(f) for f in i.flag_labels),
            ]
            for i in items
        ],
        widths=[10, 60, 10, 10, 12, 40, 8, 40],
    )
    return exports.xlsx_response(f"phan-tich-cau-hoi-{contest.slug}-vong-{round.number}.xlsx", [sheet])


# --- participation -------------------------------------------------------------------------------------


def _participation_args(request, contest):
    round = None
    if request.GET.get("round"):
        round = get_object_or_404(Round, pk=request.GET["round"], contest=contest)
    try:
        threshold = max(0, min(100, int(request.GET.get("threshold", reports.DEFAULT_THRESHOLD))))
    except ValueError:
        threshold = int(reports.DEFAULT_THRESHOLD)
    sort = request.GET.get("sort", "-rate")
    if sort.lstrip("-") not in reports.SORTS:
        sort = "-rate"
    return round, threshold, sort


@login_required
@require_GET
def report_participation(request, contest_id):
    contest = _managed_contest(request, contest_id)
    round, threshold, sort = _participation_args(request, contest)
    data = reports.participation(contest=contest, round=round, threshold=threshold, sort=sort)
    managed = set(managed_agencies(user=request.user).values_list("pk", flat=True))
    chart = charts.bar_rows_chart(
        [(r.agency.name, r.rate or 0, not r.below) for r in data.rows if r.rate is not None][:40],
        title=_("Participation rate by agency"),
        description=_(
            "Distinct participants as a percentage of the headcount; agencies under the threshold in red."
        ),
        chart_id="participation",
        maximum=100,
        suffix="%",
    )
    return render(
        request,
        "contests/report_participation.html",
        {
            "contest": contest,
            "round": round,
            "rounds": contest.rounds.filter(is_practice=False).order_by("number"),
            "data": data,
            "threshold": threshold,
            "sort": sort,
            "managed": managed,
            "chart": chart,
        },
    )


@login_required
@require_GET
def report_participation_xlsx(request, contest_id):
    contest = _managed_contest(request, contest_id)
    round, threshold, sort = _participation_args(request, contest)
    data = reports.participation(contest=contest, round=round, threshold=threshold, sort=sort)
    sheet = exports.Sheet(
        title=_("Participation by agency"),
        heading=_("Participation by agency: %(contest)s") % {"contest": contest.title},
        filters=[
            (_("Round"), round.title if round else _("all rounds")),
            (_("Threshold (%)"), threshold),
            (_("Sorted by"), sort),
            (_("Best"), ", ".join(r.agency.name for r in data.best)),
            (_("Worst"), ", ".join(r.agency.name for r in data.worst)),
        ],
        columns=[
            _("Agency"),
            _("Code"),
            _("Headcount"),
            _("Participants"),
            _("Rate (%)"),
            _("Under the threshold"),
        ],
        rows=[
            [r.agency.name, r.agency.code, r.headcount, r.participants, r.rate, r.below] for r in data.rows
        ],
        widths=[44, 16, 12, 12, 10, 12],
    )
    return exports.xlsx_response(f"tham-gia-{contest.slug}.xlsx", [sheet])


def _members_args(request, contest_id, agency_id):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), pk=contest_id)
    agency = get_object_or_404(Agency, pk=agency_id)
    if not can_manage_agency(user=request.user, agency=agency) or not contest_selectors.can_view_contest(
        user=request.user, contest=contest
    ):
        raise Http404
    round = None
    if request.GET.get("round"):
        round = get_object_or_404(Round, pk=request.GET["round"], contest=contest)
    return contest, agency, round


@login_required
@require_GET
def report_agency_members(request, contest_id, agency_id):
    contest, agency, round = _members_args(request, contest_id, agency_id)
    people = list(reports.non_participants(contest=contest, agency=agency, round=round))
    return render(
        request,
        "contests/report_agency_members.html",
        {
            "contest": contest,
            "agency": agency,
            "round": round,
            "people": people,
            "can_manage": award_selectors.can_manage_contest(user=request.user, contest=contest),
        },
    )


@login_required
@require_GET
def report_agency_members_xlsx(request, contest_id, agency_id):
    contest, agency, round = _members_args(request, contest_id, agency_id)
    people = reports.non_participants(contest=contest, agency=agency, round=round)
    sheet = exports.Sheet(
        title=_("Not taken part"),
        heading=_("Members who have not taken part: %(agency)s") % {"agency": agency.name},
        filters=[(_("Contest"), contest.title), (_("Round"), round.title if round else _("all rounds"))],
        columns=[_("Full name"), _("E-mail"), _("Position")],
        rows=([p.full_name, p.email, p.get_position_display()] for p in people.iterator()),
        widths=[32, 34, 24],
    )
    return exports.xlsx_response(f"chua-tham-gia-{agency.code}.xlsx", [sheet])


# --- collective prizes --------------------------------------------------------------------------------


def _collective_form(request, contest, prize=None):
    initial = {}
    if prize is not None:
        initial = {
            "name": prize.name,
            "agencies": list(prize.agencies.all()),
            "agency_kind": prize.agency_kind,
            "formula": prize.formula,
            "rate_mode": prize.rate_mode,
            "rate_weight": prize.rate_weight,
            "other_weight": prize.other_weight,
            "min_rate": prize.min_rate,
            "require_mandatory": prize.require_mandatory,
            "require_prize": prize.require_prize,
            "mandatory_emails": "\n".join(prize.mandatory_people.values_list("email", flat=True)),
            "tiers": "\n".join(f"{t.name}; {t.count}; {t.amount}" for t in prize.tiers.all()),
        }
        for q in prize.quotas.all():
            if q.position == User.Position.LEADER:
                initial["quota_leader"] = q.min_count
            elif q.position == User.Position.NON_LEADER:
                initial["quota_staff_percent"] = q.min_percent
    return award_forms.CollectivePrizeForm(
        request.POST or None, initial=initial, agencies=reports.audience_agencies(contest).order_by("path")
    )


def _save_collective(request, contest, form, prize=None):
    data = form.cleaned_data
    quotas = []
    if data.get("quota_leader"):
        quotas.append(awards.QuotaData(position=User.Position.LEADER, min_count=data["quota_leader"]))
    if data.get("quota_staff_percent") is not None:
        quotas.append(
            awards.QuotaData(position=User.Position.NON_LEADER, min_percent=data["quota_staff_percent"])
        )
    return awards.save_collective_prize(
        actor=request.user,
        contest=contest,
        prize=prize,
        name=data["name"],
        agencies=list(data["agencies"]),
        agency_kind=data["agency_kind"],
        formula=data["formula"],
        rate_mode=data["rate_mode"],
        rate_weight=data["rate_weight"],
        other_weight=data["other_weight"],
        min_rate=data["min_rate"],
        require_mandatory=data["require_mandatory"],
        require_prize=data["require_prize"],
        mandatory_people=data["mandatory_emails"],
        tiers=data["tiers"],
        quotas=quotas,
    )


@login_required
@require_http_methods(["GET", "POST"])
def award_collective(request, contest_id, prize_id=None):
    contest = _managed_contest(request, contest_id)
    prize = get_object_or_404(CollectivePrize, pk=prize_id, contest=contest) if prize_id else None
    form = _collective_form(request, contest, prize)
    if request.method == "POST" and form.is_valid():
        try:
            prize = _save_collective(request, contest, form, prize)
        except awards.AwardError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The collective prize is saved."))
            return redirect("contests:award-collective-detail", contest_id=contest.pk, prize_id=prize.pk)
    return render(
        request,
        "contests/award_collective.html",
        {"contest": contest, "prize": prize, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def award_collective_detail(request, contest_id, prize_id):
    contest = _managed_contest(request, contest_id)
    prize = get_object_or_404(CollectivePrize, pk=prize_id, contest=contest)
    if request.method == "POST":
        publication = awards.publish_collective(prize=prize, actor=request.user)
        messages.success(
            request,
            _("The collective ranking is published (SHA-256 %(hash)s).") % {"hash": publication.sha256},
        )
        return redirect("contests:winners-contest", slug=contest.slug)
    ranking = reports.collective_ranking(prize)
    return render(
        request,
        "contests/award_collective_detail.html",
        {
            "contest": contest,
            "prize": prize,
            "ranking": ranking,
            "gate_labels": {
                award_rules.GATE_RATE: _("participation rate"),
                award_rules.GATE_MANDATORY: _("mandatory people or quotas"),
                award_rules.GATE_PRIZE: _("no individual prize"),
            },
            "publications": list(prize.publications.all()[:5]),
        },
    )


@login_required
@require_GET
def award_collective_xlsx(request, contest_id, prize_id):
    contest = _managed_contest(request, contest_id)
    prize = get_object_or_404(CollectivePrize, pk=prize_id, contest=contest)
    ranking = reports.collective_ranking(prize)
    sheet = exports.Sheet(
        title=_("Collective"),
        heading=prize.name,
        filters=[
            (_("Contest"), contest.title),
            (_("Formula"), prize.get_formula_display()),
            (_("Participation rate"), prize.get_rate_mode_display()),
            (_("Minimum rate (%)"), prize.min_rate),
        ],
        columns=[
            _("Rank"),
            _("Agency"),
            _("Headcount"),
            _("Participants"),
            _("Rate (%)"),
            _("Value"),
            _("Prize"),
            _("Gates failed"),
            _("Quotas not met"),
        ],
        rows=[
            [
                row.rank,
                row.figures.name,
                row.figures.headcount,
                row.figures.participants_total,
                row.rate,
                row.value,
                ranking.tiers.get(row.figures.agency_id, ""),
                ", ".join(row.failed_gates),
                "; ".join(row.figures.quota_failures + tuple(row.figures.mandatory_missing)),
            ]
            for row in ranking.rows
        ],
        widths=[7, 44, 11, 12, 10, 10, 18, 20, 40],
    )
    return exports.xlsx_response(f"giai-tap-the-{contest.slug}-{prize.pk}.xlsx", [sheet])


# --- periodic report -----------------------------------------------------------------------------------


def _period(request):
    today = timezone.now().astimezone(VN).date()
    try:
        start = datetime.strptime(request.GET.get("from", ""), "%Y-%m-%d").date()
    except ValueError:
        start = today.replace(day=1)
    try:
        end = datetime.strptime(request.GET.get("to", ""), "%Y-%m-%d").date()
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return start, end


def _periodic_rows(request):
    owners = None if request.user.is_superuser else managed_agencies(user=request.user)
    if owners is not None and not owners.exists():
        raise PermissionDenied
    start, end = _period(request)
    rows = reports.periodic_report(
        start=datetime.combine(start, time.min, tzinfo=VN),
        end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=VN),
        owners=owners,
    )
    return start, end, rows


@login_required
@require_GET
def report_periodic(request):
    start, end, rows = _periodic_rows(request)
    return render(request, "contests/report_periodic.html", {"start": start, "end": end, "rows": rows})


@login_required
@require_GET
def report_periodic_xlsx(request):
    start, end, rows = _periodic_rows(request)
    sheet = exports.Sheet(
        title=_("Periodic report"),
        heading=_("Online understanding contests: periodic report"),
        filters=[(_("From"), start), (_("To"), end)],
        columns=[
            _("Organising agency"),
            _("Contest"),
            _("Rounds closed"),
            _("Attempts"),
            _("Participants"),
            _("Officials taking part"),
            _("Headcount"),
            _("Rate (%)"),
            _("Prizes"),
            _("Amount (VND)"),
        ],
        rows=[
            [
                r.contest.owner_agency.name,
                r.contest.title,
                r.rounds,
                r.attempts,
                r.participants,
                r.official_participants,
                r.headcount,
                r.rate,
                r.prizes,
                r.amount,
            ]
            for r in rows
        ],
        widths=[34, 50, 10, 10, 12, 14, 12, 10, 8, 14],
    )
    return exports.xlsx_response(f"bao-cao-dinh-ky-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", [sheet])


# --- public: winners, canonical JSON, certificates ---------------------------------------------------------


@require_GET
def winners_contest(request, slug):
    contest = _visible_contest(request, slug)
    rounds = []
    for round, publication in award_selectors.published_rounds(contest):
        round.contest = contest
        rounds.append(
            {
                "round": round,
                "publication": publication,
                "awards": award_selectors.published_awards(publication),
            }
        )
    collective = []
    for prize in contest.collective_prizes.all():
        latest = prize.publications.first()
        if latest is not None:
            collective.append({"prize": prize, "publication": latest})
    if not rounds and not collective:
        raise Http404
    return render(
        request,
        "contests/winners_contest.html",
        {
            "contest": contest,
            "rounds": rounds,
            "collective": collective,
            "place": award_selectors.public_place,
        },
    )


@require_GET
def winners_round(request, slug, number):
    contest, round, publication = _published_round(request, slug, number)
    return render(
        request,
        "contests/winners_round.html",
        {
            "contest": contest,
            "round": round,
            "publication": publication,
            "result": publication.result,
            "awards": award_selectors.published_awards(publication),
            "rules": chain.policy_in_words(publication.result.policy_obj),
            "actual_rows": award_selectors.actual_rows(
                contest=contest, actual=publication.result.prediction_actual
            ),
            "can_manage": award_selectors.can_manage_contest(user=request.user, contest=contest),
        },
    )


@require_GET
def winners_canonical(request, slug, number):
    """The canonical JSON of the published result set: its SHA-256 is the one shown."""
    _contest, round, publication = _published_round(request, slug, number)
    response = HttpResponse(
        award_selectors.stored_canonical(publication.result), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ket-qua-vong-{round.number}-{publication.sha256[:12]}.json"'
    )
    return response


@require_GET
def certificate_lookup(request):
    code = request.GET.get("code", "").strip()
    if code:
        return redirect(
            "contests:certificate-verify", code=code.upper().replace(" ", "").replace("-", "")[:20]
        )
    return render(request, "contests/certificate_lookup.html")


@require_GET
def certificate_verify(request, code):
    award = award_selectors.award_by_code(code)
    if award is None:
        return render(
            request, "contests/certificate_verify.html", {"code": code[:20], "award": None}, status=404
        )
    status = award_selectors.award_status(award)
    return render(
        request,
        "contests/certificate_verify.html",
        {
            "code": award.code,
            "award": award,
            "status": status,
            "place": award_selectors.public_place(award.user),
            "qr": certificates.qr_svg(certificates.verification_url(award), label=_("QR code of this page")),
        },
    )


@login_required
@require_GET
def certificate_pdf(request, code):
    award = award_selectors.award_by_code(code)
    if award is None:
        raise Http404
    if award.user_id != request.user.pk and not award_selectors.can_manage_contest(
        user=request.user, contest=award.round.contest
    ):
        raise Http404
    pdf = certificates.certificate_pdf(award)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-chung-nhan-{award.code}.pdf"'
    return response


@login_required
@require_GET
def certificate_mine(request):
    mine = award_selectors.my_awards(request.user)
    for award in mine:
        award.status = award_selectors.award_status(award)
    return render(request, "contests/certificate_mine.html", {"awards": mine})
