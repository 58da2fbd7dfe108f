"""Report pages and exports, under /contests/results/ beside the results
pages (contests/reports/urls.py): a round's summary and item analysis; participation by agency and the members who have not taken
part; the periodic report (a round's results and winners files are
downloads.py). Access as every organiser page (setup.access): organisers over the
contest's owning agency (an agency's members: organisers over that agency;
the periodic report: organisers, over the contests their agencies own).
"""

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import audit
from accounts.models import Agency
from accounts.selectors import can_manage_agency, managed_agencies
from contests.documents import charts
from contests.documents import xlsx as exports
from contests.documents.pdf import ReportPDF, pdf_response
from contests.models import Contest, Round
from contests.reports import selectors as reports
from contests.rules import collective as formulas
from contests.rules.timer import CONTEST_TZ
from contests.setup import access, audience, rules_text

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
    contest, round = access.managed_round(request, contest_id, round_id)
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
    contest, round = access.managed_round(request, contest_id, round_id)
    summary = reports.round_summary(round)
    return exports.xlsx_response(
        f"tong-hop-{contest.slug}-vong-{round.number}.xlsx", _summary_sheets(contest, round, summary)
    )


@login_required
@require_GET
def report_round_pdf(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    summary = reports.round_summary(round)
    pdf = ReportPDF(f"{contest.title} — {round.title}")
    pdf.add_page()
    pdf.heading(_("Round summary: %(round)s") % {"round": round.title})
    pdf.paragraph(
        _("%(opens)s to %(closes)s (Vietnam time).")
        % {
            "opens": round.opens_at.astimezone(CONTEST_TZ).strftime("%d/%m/%Y %H:%M"),
            "closes": round.closes_at.astimezone(CONTEST_TZ).strftime("%d/%m/%Y %H:%M"),
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
                    f"{b.counts[k]} ({formulas.percent(b.counts[k], b.total) or 0}%)"
                    for k, _l in reports.BUCKETS
                ]
                for b in summary.buckets
            ],
        )
    return pdf_response(pdf, f"tong-hop-{contest.slug}-vong-{round.number}.pdf")


@login_required
@require_GET
def report_items(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    items = reports.item_analysis(round=round)
    return render(request, "contests/report_items.html", {"contest": contest, "round": round, "items": items})


@login_required
@require_GET
def report_items_xlsx(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
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
    contest = access.managed_contest(request, contest_id)
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
            "counting": rules_text.counting_in_words(contest),
        },
    )


@login_required
@require_GET
def report_participation_xlsx(request, contest_id):
    contest = access.managed_contest(request, contest_id)
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
            (_("Counting"), rules_text.counting_in_words(contest)),
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
    if not can_manage_agency(user=request.user, agency=agency) or not audience.can_view_contest(
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
            "counting": rules_text.counting_in_words(contest),
            "can_manage": audience.can_manage_contest(user=request.user, contest=contest),
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
        filters=[
            (_("Contest"), contest.title),
            (_("Round"), round.title if round else _("all rounds")),
            (_("Counting"), rules_text.counting_in_words(contest)),
        ],
        columns=[_("Full name"), _("E-mail"), _("Position"), _("Agency")],
        rows=([p.full_name, p.email, p.get_position_display(), p.agency.name] for p in people.iterator()),
        widths=[32, 34, 24, 40],
    )
    filename = f"chua-tham-gia-{agency.code}.xlsx"
    audit.record(
        actor=request.user,
        action="export.agency_members_xlsx",
        obj=agency,
        contest=contest,
        agency=agency,
        summary=f"{agency.name} — {round.title if round else _('all rounds')} — {filename}",
    )
    return exports.xlsx_response(filename, [sheet])


# --- periodic report -----------------------------------------------------------------------------------


def _period(request):
    today = timezone.now().astimezone(CONTEST_TZ).date()
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
        start=datetime.combine(start, time.min, tzinfo=CONTEST_TZ),
        end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=CONTEST_TZ),
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
