"""Organiser pages of collective prizes (giải tập thể): the prize's formula,
gates, quotas and tiers; its live ranking; publishing the frozen ranking; the
xlsx download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import audit
from accounts.models import User
from contests.documents import xlsx as exports
from contests.models import CollectivePrize
from contests.results import collective
from contests.results import forms as award_forms
from contests.results.services import AwardError
from contests.rules import collective as formulas
from contests.setup import access, audience, rules_text


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
        request.POST or None, initial=initial, agencies=audience.audience_agencies(contest).order_by("path")
    )


def _save_collective(request, contest, form, prize=None):
    data = form.cleaned_data
    quotas = []
    if data.get("quota_leader"):
        quotas.append(collective.QuotaData(position=User.Position.LEADER, min_count=data["quota_leader"]))
    if data.get("quota_staff_percent") is not None:
        quotas.append(
            collective.QuotaData(position=User.Position.NON_LEADER, min_percent=data["quota_staff_percent"])
        )
    return collective.save_collective_prize(
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
    contest = access.managed_contest(request, contest_id)
    prize = get_object_or_404(CollectivePrize, pk=prize_id, contest=contest) if prize_id else None
    form = _collective_form(request, contest, prize)
    if request.method == "POST" and form.is_valid():
        try:
            prize = _save_collective(request, contest, form, prize)
        except AwardError as error:
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
    contest = access.managed_contest(request, contest_id)
    prize = get_object_or_404(CollectivePrize, pk=prize_id, contest=contest)
    if request.method == "POST":
        publication = collective.publish_collective(prize=prize, actor=request.user)
        messages.success(
            request,
            _("The collective ranking is published (SHA-256 %(hash)s).") % {"hash": publication.sha256},
        )
        return redirect("contests:winners-contest", slug=contest.slug)
    ranking = collective.collective_ranking(prize)
    return render(
        request,
        "contests/award_collective_detail.html",
        {
            "contest": contest,
            "prize": prize,
            "ranking": ranking,
            "counting": rules_text.counting_in_words(contest),
            "gate_labels": {
                formulas.GATE_RATE: _("participation rate"),
                formulas.GATE_MANDATORY: _("mandatory people or quotas"),
                formulas.GATE_PRIZE: _("no individual prize"),
            },
            "publications": list(prize.publications.all()[:5]),
        },
    )


@login_required
@require_GET
def award_collective_xlsx(request, contest_id, prize_id):
    contest = access.managed_contest(request, contest_id)
    prize = get_object_or_404(CollectivePrize, pk=prize_id, contest=contest)
    ranking = collective.collective_ranking(prize)
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
    filename = f"giai-tap-the-{contest.slug}-{prize.pk}.xlsx"
    # The sheet names the mandatory people who did not take part: personal data.
    audit.record(
        actor=request.user,
        action="export.collective_xlsx",
        obj=prize,
        contest=contest,
        summary=f"{prize.name} — {filename}",
    )
    return exports.xlsx_response(filename, [sheet])
