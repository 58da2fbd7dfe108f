"""A round's results and winners as files for organisers: the full results
workbook (every entry with its criteria) and the winners list (xlsx, PDF).
Access as every report: organisers over the contest's owning agency. They
hold personal data: each download is an entry of the audit log."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import audit
from config.http import parse_id
from contests.documents import xlsx as exports
from contests.documents.pdf import ReportPDF, pdf_response
from contests.models import Block, RoundResult, Standing
from contests.results import checks
from contests.results import selectors as award_selectors
from contests.rules import chain_words
from contests.rules.timer import CONTEST_TZ
from contests.setup import access


@login_required
@require_GET
def report_results_xlsx(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    version = request.GET.get("version")
    result = (
        get_object_or_404(RoundResult, round=round, version=parse_id(version))
        if parse_id(version)
        else award_selectors.current_result(round)
    )
    if result is None:
        raise Http404
    labels = chain_words.criterion_labels()
    # Criteria whose value is not already a column of its own.
    extra = [c for c in result.policy["chain"] if c not in chain_words.RESULT_FACTS]
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
                out += [chain_words.trace_text(c, trace.get(c)) for c in extra]
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
    filename = f"ket-qua-{contest.slug}-vong-{round.number}-v{result.version}.xlsx"
    audit.record(
        actor=request.user, action="export.results_xlsx", obj=result, contest=contest, summary=filename
    )
    return exports.xlsx_response(filename, [sheet])


def _winner_rows(round):
    """(title, [row]) of the published winners, else of the proposal. The last
    column flags the published winners whose identity nobody has checked."""
    publication = award_selectors.latest_publication(round)
    if publication is not None:
        latest = checks.latest_checks(round)
        rows = [
            [
                a.block.name if a.block else "",
                a.tier_name,
                a.rank,
                a.user.full_name or a.user.email,
                award_selectors.public_place(a.user),
                a.amount,
                a.code,
                checks.check_label(latest.get(a.user_id)),
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
                    "",
                ]
            )
    return None, rows


@login_required
@require_GET
def report_winners_xlsx(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
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
            _("Identity checked"),
        ],
        rows=rows,
        widths=[14, 20, 7, 30, 36, 14, 16, 16],
    )
    filename = f"giai-thuong-{contest.slug}-vong-{round.number}.xlsx"
    audit.record(
        actor=request.user, action="export.winners_xlsx", obj=round, contest=contest, summary=filename
    )
    return exports.xlsx_response(filename, [sheet])


@login_required
@require_GET
def report_winners_pdf(request, contest_id, round_id):
    contest, round = access.managed_round(request, contest_id, round_id)
    publication, rows = _winner_rows(round)
    pdf = ReportPDF(f"{contest.title} — {round.title}", orientation="L")
    pdf.add_page()
    pdf.heading(_("Winners: %(round)s") % {"round": round.title})
    if publication:
        pdf.paragraph(
            _("Published on %(date)s. Results version %(v)d, SHA-256 %(hash)s.")
            % {
                "date": publication.published_at.astimezone(CONTEST_TZ).strftime("%d/%m/%Y %H:%M"),
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
            _("Identity checked"),
        ],
        [
            [b, t, r, n, p, f"{a:,}".replace(",", ".") if a != "" else "", c, k]
            for b, t, r, n, p, a, c, k in rows
        ],
        widths=(25, 30, 12, 50, 58, 28, 32, 22),
    )
    filename = f"giai-thuong-{contest.slug}-vong-{round.number}.pdf"
    audit.record(
        actor=request.user, action="export.winners_pdf", obj=round, contest=contest, summary=filename
    )
    return pdf_response(pdf, filename)
