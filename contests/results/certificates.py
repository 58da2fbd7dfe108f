"""Certificates of individual prizes: a PDF per award with a QR code to its
public verification page.

The certificate's code (Award.code: 12 characters from a 32-letter alphabet
drawn with `secrets`, about 2^60 possibilities) is what the verification page
looks up; a forged or mistyped code finds nothing. The QR code is drawn as
vector squares (no image files), in the PDF and as inline SVG on the page.
"""

import logging

import qrcode
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from contests.documents.pdf import ReportPDF
from contests.models import Award
from contests.results import selectors as award_selectors
from contests.rules.timer import CONTEST_TZ

logger = logging.getLogger(__name__)


def verification_url(award):
    return settings.SITE_URL + reverse("contests:certificate-verify", kwargs={"code": award.code})


def qr_matrix(text):
    """The QR code of `text` as rows of booleans (dark = True), with a quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _runs(matrix):
    """(x, y, length) of each horizontal run of dark modules."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield start, y, x - start
            else:
                x += 1


def qr_svg(text, *, label):
    """Inline SVG of the QR code (a single path; no style attributes)."""
    matrix = qr_matrix(text)
    size = len(matrix)
    path = "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in _runs(matrix))
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" role="img" '
        f'aria-label="{escape(label)}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" '
        f'fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


def draw_qr(pdf, text, *, x, y, size):
    matrix = qr_matrix(text)
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for mx, my, n in _runs(matrix):
        pdf.rect(x + mx * module, y + my * module, n * module, module, style="F")


def certificate_pdf(award):
    """The certificate of one award, as PDF bytes (A4 landscape)."""
    round = award.round
    contest = round.contest
    user = award.user
    published = award.publication.published_at.astimezone(CONTEST_TZ)
    pdf = ReportPDF(_("Certificate"), orientation="L")
    pdf.header = lambda: None  # a certificate has no running header or page numbers
    pdf.footer = lambda: None
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_draw_color(179, 38, 30)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)
    pdf.set_y(24)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, contest.owner_agency.name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_text_color(179, 38, 30)
    pdf.set_font("DejaVu", "B", 30)
    pdf.cell(0, 14, _("CERTIFICATE"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 7, _("The organising board of the contest"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_x(30)
    pdf.multi_cell(237, 7, contest.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 8, _("certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(0, 12, user.full_name or user.email, align="C", new_x="LMARGIN", new_y="NEXT")
    place = award_selectors.public_place(user)
    pdf.set_font("DejaVu", "", 12)
    if place:
        pdf.cell(0, 7, place, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_text_color(179, 38, 30)
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(0, 10, award.tier_name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 12)
    where = round.title if award.block is None else f"{round.title} · {award.block.name}"
    pdf.cell(0, 7, where, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_x(150)
    pdf.cell(
        120,
        6,
        _("Issued on %(date)s") % {"date": published.strftime("%d/%m/%Y")},
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_x(150)
    pdf.cell(120, 6, _("THE ORGANISING BOARD"), align="C")
    url = verification_url(award)
    draw_qr(pdf, url, x=24, y=150, size=36)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_xy(62, 166)
    pdf.cell(0, 4, _("Certificate code: %(code)s") % {"code": award.code}, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(62, 170)
    pdf.cell(0, 4, _("Check it at: %(url)s") % {"url": url}, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(62, 174)
    pdf.cell(0, 4, _("Results SHA-256: %(hash)s") % {"hash": award.publication.sha256[:32] + "…"})
    return bytes(pdf.output())


def certificate_url(award):
    return settings.SITE_URL + reverse("contests:certificate-verify", kwargs={"code": award.code})


def send_winner_emails(*, publication_id, now=None):
    """One e-mail to each winner not yet told (in Vietnamese, the site's language)."""
    sent = 0
    awards = Award.objects.filter(publication_id=publication_id, emailed_at__isnull=True).select_related(
        "user", "round", "round__contest", "block"
    )
    with translation.override(settings.LANGUAGE_CODE):
        for award in awards:
            if not award.user.email:
                continue
            subject = _("Congratulations: %(prize)s, %(round)s") % {
                "prize": award.tier_name,
                "round": award.round.title,
            }
            body = _(
                "Dear %(name)s,\n\nThe organising board of “%(contest)s” has published the winners of "
                "%(round)s. You have won: %(prize)s.\n\nYour certificate can be downloaded after logging in, "
                "and anyone can check it with its code %(code)s at:\n%(url)s\n\nThe organising board"
            ) % {
                "name": award.user.full_name or award.user.email,
                "contest": award.round.contest.title,
                "round": award.round.title,
                "prize": award.tier_name,
                "code": award.code,
                "url": certificate_url(award),
            }
            try:
                send_mail(subject, body, None, [award.user.email])
            except Exception:  # one failed address must not stop the others
                logger.exception("winner e-mail to award %s failed", award.pk)
                continue
            Award.objects.filter(pk=award.pk).update(emailed_at=now or timezone.now())
            sent += 1
    return sent
