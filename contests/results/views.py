"""Organiser pages of results and prizes, mounted at /contests/results/:
ranking rules, prize tables, a round's results (finalise, read the traces,
disqualify, record a board decision, publish), versions, collective prizes.
Reports and exports are in report_views.py, the public pages (winners,
certificates) in winners_views.py.

Who may see what: organisers over the contest's owning agency. Anyone else
gets 404 (403 for a published public contest, whose existence is public);
anonymous visitors go to the login page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from config.http import parse_id
from contests.models import Block, Round, RoundResult, Standing
from contests.models.prize import MAX_COMPLAINT_DAYS
from contests.results import checks, tables
from contests.results import forms as award_forms
from contests.results import selectors as award_selectors
from contests.results import services as awards
from contests.rules import chain, chain_words
from contests.rules import prizes as award_rules
from contests.setup import access

PAGE_SIZE = 50

REASON_LABELS = {
    award_rules.REASON_STAFF: gettext_lazy("organiser staff"),
    award_rules.REASON_AUTHOR: gettext_lazy("author or reviewer of the contest's questions"),
    award_rules.REASON_PROFILE: gettext_lazy("incomplete profile"),
    award_rules.REASON_HELD: gettext_lazy("already holds a prize at least as high in this contest"),
}

# --- access helpers -----------------------------------------------------------------------------


def _refused(request, error):
    for message in error.messages:
        messages.error(request, message)


def _reason_label(reason):
    return REASON_LABELS.get(reason, reason)


# --- contest overview, ranking rules, prize tables ---------------------------------------------------


@login_required
@require_GET
def award_contest(request, contest_id):
    contest = access.managed_contest(request, contest_id)
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
    for table in tables:
        table.minimum_words = award_rules.minimum_in_words(table.minimum)
    return render(
        request,
        "contests/award_contest.html",
        {
            "contest": contest,
            "rounds": rounds,
            "rules": chain_words.policy_in_words(base),
            "tables": tables,
            "collective": list(contest.collective_prizes.all()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def award_policy(request, contest_id, round_id=None):
    contest = access.managed_contest(request, contest_id)
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
            tables.save_result_policy(
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
    preview = chain_words.policy_in_words(current) if not form.is_bound else []
    return render(
        request,
        "contests/award_policy.html",
        {"contest": contest, "round": round, "form": form, "preview": preview},
        status=400 if form.is_bound and form.errors else 200,
    )


def _scope_from(request, contest):
    """(scope form, round, block) of a prize table page: ?round= and ?block= on
    GET, the form's hidden fields on POST (empty = every round / every block).
    A round or block of another contest is 404 on GET; on POST the form
    carries the error and nothing is saved."""
    source = request.POST if request.method == "POST" else request.GET
    scope = award_forms.PrizeScopeForm(source, contest=contest)
    if scope.is_valid():
        return scope, scope.cleaned_data["round"], scope.cleaned_data["block"]
    if request.method != "POST":
        raise Http404
    return scope, None, None


@login_required
@require_http_methods(["GET", "POST"])
def award_prizes(request, contest_id):
    contest = access.managed_contest(request, contest_id)
    scope, chosen_round, chosen_block = _scope_from(request, contest)
    context = {
        "contest": contest,
        "scope": scope,
        "chosen_round": chosen_round,
        "chosen_block": chosen_block,
        "rounds": contest.rounds.filter(is_practice=False).order_by("number"),
        "blocks": contest.blocks.all(),
    }
    if scope.errors:
        return render(request, "contests/award_prizes.html", context, status=400)
    table = (
        contest.prize_tables.filter(round=chosen_round, block=chosen_block).prefetch_related("tiers").first()
    )
    if table is not None:
        options_initial = {
            "one_per_contest": table.one_per_contest,
            "exclude_staff": table.exclude_staff,
            "require_complete_profile": table.require_complete_profile,
            "boundary_ties": table.boundary_ties,
            "min_score": table.min_score,
            "require_all_correct": table.require_all_correct,
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
                tables.TierData(
                    name=f.cleaned_data["name"],
                    count=f.cleaned_data["count"],
                    amount=f.cleaned_data.get("amount") or 0,
                    points=f.cleaned_data.get("points") or 0,
                )
                for f in tiers.forms
                if f.cleaned_data.get("name")
            ]
            try:
                tables.save_prize_table(
                    actor=request.user,
                    contest=contest,
                    round=chosen_round,
                    block=chosen_block,
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
    context |= {"table": table, "options": options, "tiers": tiers}
    return render(request, "contests/award_prizes.html", context, status=status)


# --- a round's results --------------------------------------------------------------------------------


def _trace_rows(standing, criteria):
    """[(label, value)] of a standing's trace, in chain order, for templates."""
    labels = chain_words.criterion_labels()
    trace = standing.record.get("trace", {})
    return [(labels[c], chain_words.trace_text(c, trace.get(c))) for c in criteria if c in trace]


def _with_traces(standings, criteria):
    for s in standings:
        if s is not None:
            s.trace_rows = _trace_rows(s, criteria)
    return standings


def _proposal_rows(proposals, issued):
    """Template rows for the proposed winners of each block; `issued` maps a
    user id to the award (and so the certificate) already published for them."""
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
                    "award": issued.get(proposed.candidate.user_id),
                }
            )
        minimum = p.table.minimum if p.table is not None else award_rules.Minimum()
        passed = [
            {
                "standing": p.standings.get(x.candidate.user_id),
                "reason": award_rules.below_minimum_reason(minimum)
                if x.reason == award_rules.REASON_BELOW_MINIMUM
                else _reason_label(x.reason),
            }
            for x in p.proposal.passed_over
        ]
        out.append(
            {
                "block": p.block,
                "table": p.table,
                "rows": rows,
                "passed": passed,
                "proposal": p.proposal,
                "minimum": award_rules.minimum_in_words(minimum),
                "empty_places": p.proposal.places - p.proposal.filled,
            }
        )
    return out


@login_required
@require_GET
def award_round(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    now = timezone.now()
    result = award_selectors.current_result(round)
    publication = award_selectors.latest_publication(round)
    context = {
        "contest": contest,
        "round": round,
        "result": result,
        "closed": now >= round.closes_at,
        "versions": award_selectors.result_versions(round),
        "publication": publication,
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
        # This version's winners, once published: the organisers print their certificates from here.
        published = publication is not None and publication.result_id == result.pk
        issued = {a.user_id: a for a in publication.awards.all()} if published else {}  # one per person
        context["proposals"] = _proposal_rows(proposals, issued)
        if published:  # each winner's latest identity check (results/checks.py)
            latest = checks.latest_checks(round)
            for block in context["proposals"]:
                for row in block["rows"]:
                    row["check"] = latest.get(row["standing"].user_id)
            context["complaint_open"] = not publication.is_final(now)
        context["published"] = published
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
        context["rules"] = chain_words.policy_in_words(result.policy_obj)
        context["actual_rows"] = award_selectors.actual_rows(contest=contest, actual=result.prediction_actual)
        query = request.GET.get("q", "").strip()
        found = Standing.objects.filter(result=result).select_related("user", "user__agency", "block")
        if query:
            found = found.filter(
                Q(user__full_name__icontains=query)
                | Q(user__email__iexact=query)
                | Q(user__pk=parse_id(query) or 0)
            )
            context["found"] = _with_traces(list(found.order_by("position")[:PAGE_SIZE]), criteria)
        context["query"] = query
    return render(request, "contests/award_round.html", context)


@login_required
@require_POST
def award_finalise(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
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
    contest, round = access.managed_round(request, contest_id, round_id)
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
    contest, round = access.managed_round(request, contest_id, round_id)
    result = award_selectors.current_result(round)
    if result is None:
        raise Http404
    ids = [parse_id(k.removeprefix("place_")) for k in request.POST if k.startswith("place_")]
    ids = [i for i in ids if i is not None]
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
    contest, round = access.managed_round(request, contest_id, round_id)
    days = request.POST.get("complaint_days", "").strip() or "0"
    try:
        if not (days.isascii() and days.isdigit()):
            raise awards.AwardError(
                _("The complaint window is a whole number of days from 0 (none) to %(max)d.")
                % {"max": MAX_COMPLAINT_DAYS}
            )
        publication = awards.publish_round(
            round=round,
            actor=request.user,
            note=request.POST.get("note", "")[:2000],
            complaint_days=int(days),
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
    contest, round = access.managed_round(request, contest_id, round_id)
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
            "chosen_block": chosen,
            "page": page,
            "verified": verified,
            "labels": chain_words.criterion_labels(),
            "chain": result.policy["chain"],
        },
    )


# --- traces, as people read them -----------------------------------------------------------------------------


# --- collective prizes --------------------------------------------------------------------------------
