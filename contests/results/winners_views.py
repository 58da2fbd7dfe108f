"""Public pages of results, mounted with the results pages at
/contests/results/ (see award_urls.py): the published winners of a round and
of a contest, the canonical JSON of a published result set, certificate
verification (anyone), a certificate's PDF (its winner and the contest's
organisers) and a person's own prizes. Nothing before publication (404).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from contests.models import Round
from contests.results import certificates
from contests.results import selectors as award_selectors
from contests.rules import chain_words
from contests.setup import access, audience

# --- access helpers ---------------------------------------------------------------------------------


def _published_round(request, slug, number, version=None):
    """The round and its newest published version (or the one asked for)."""
    contest = access.visible_contest(request, slug)
    round = get_object_or_404(Round, contest=contest, number=number)
    round.contest = contest
    if version is None:
        publication = award_selectors.latest_publication(round)
    else:
        publication = award_selectors.publication_version(round, version)
    if publication is None:
        raise Http404
    return contest, round, publication


# --- public: winners, canonical JSON, certificates ---------------------------------------------------------


@require_GET
def winners_contest(request, slug):
    contest = access.visible_contest(request, slug)
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
    return _winners_round(request, *_published_round(request, slug, number))


@require_GET
def winners_round_version(request, slug, number, version):
    """An earlier published version: it stays public, with what changed."""
    return _winners_round(request, *_published_round(request, slug, number, version))


def _winners_round(request, contest, round, publication):
    history = award_selectors.publications(round)
    return render(
        request,
        "contests/winners_round.html",
        {
            "contest": contest,
            "round": round,
            "publication": publication,
            "result": publication.result,
            "awards": award_selectors.published_awards(publication),
            "rules": chain_words.policy_in_words(publication.result.policy_obj),
            "actual_rows": award_selectors.actual_rows(
                contest=contest, actual=publication.result.prediction_actual
            ),
            "can_manage": audience.can_manage_contest(user=request.user, contest=contest),
            "history": history,
            "newest": history[0],
            "changes": award_selectors.publication_changes(publication),
            "complaint_open": not publication.is_final(timezone.now()),
        },
    )


@require_GET
def winners_canonical(request, slug, number):
    """The newest published version's results.json: its SHA-256 is the one shown."""
    return _canonical(*_published_round(request, slug, number))


@require_GET
def winners_canonical_version(request, slug, number, version):
    return _canonical(*_published_round(request, slug, number, version))


def _canonical(contest, round, publication):
    # Publications made before bundles existed serve their result set (format 1).
    content = publication.bundle.encode("utf-8") or award_selectors.stored_canonical(publication.result)
    response = HttpResponse(content, content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="ket-qua-{contest.slug}-vong-{round.number}-v{publication.version}.json"'
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
    withdrawn = award_selectors.withdrawal(award) if status == "withdrawn" else None
    return render(
        request,
        "contests/certificate_verify.html",
        {
            "code": award.code,
            "award": award,
            "status": status,
            "withdrawn": withdrawn,
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
    if award.user_id != request.user.pk and not audience.can_manage_contest(
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
