"""Exports: .xlsx (openpyxl write-only, so memory stays flat however many
rows) and PDF (fpdf2 with the DejaVu Sans font shipped in static/fonts/, which
covers Vietnamese).

Spreadsheet cells that a spreadsheet program would take for a formula (text
starting with =, +, -, @, a tab or a carriage return) are written as text
with a leading apostrophe, so a participant named "=HYPERLINK(…)" stays a
name. The first rows of every sheet state the report and the filters it was
made with; the table header follows, with an autofilter.
"""

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from contests import charts

# fpdf2 subsets the font with fontTools, which logs every glyph table at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


def neutralise(value):
    """Text a spreadsheet would evaluate becomes inert text (leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_value(value, yes_no=None):
    """A value as a spreadsheet cell: text neutralised, times in Vietnam time
    without a zone (Excel has none), booleans as words."""
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is int or kind is Decimal or kind is float:
        return value
    if value is None:
        return ""
    if kind is bool:
        yes, no = yes_no or (_("yes"), _("no"))
        return yes if value else no
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(VN)
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return neutralise(str(value))


@dataclass
class Sheet:
    title: str
    heading: str
    columns: list
    rows: object  # an iterable of lists (may be a generator)
    filters: list = field(default_factory=list)  # [(label, value)]
    widths: list = field(default_factory=list)


def write_xlsx(target, sheets):
    """Write `sheets` to a file object; returns the number of data rows."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    written = 0
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.title[:31])
        for n, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(n)].width = width
        header_row = 3 + len(sheet.filters) + 1
        ws.freeze_panes = f"A{header_row + 1}"  # write-only: set before the first row
        title = WriteOnlyCell(ws, value=neutralise(sheet.heading))
        title.font = Font(bold=True, size=13)
        ws.append([title])
        ws.append([_("Generated"), cell_value(timezone.now())])
        for label, value in sheet.filters:
            ws.append([neutralise(str(label)), cell_value(value)])
        ws.append([])
        header = []
        for name in sheet.columns:
            cell = WriteOnlyCell(ws, value=neutralise(str(name)))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        count = 0
        yes_no = (str(_("yes")), str(_("no")))
        for row in sheet.rows:
            ws.append([cell_value(v, yes_no) for v in row])
            count += 1
        last_col = get_column_letter(max(len(sheet.columns), 1))
        ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + count}"
        written += count
    workbook.save(target)
    return written


def xlsx_response(filename, sheets):
    """A streamed download: the workbook is written to a temporary file (rows
    never all in memory) and sent in chunks."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes (and so deletes) it
    write_xlsx(handle, sheets)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


# --- PDF ------------------------------------------------------------------------------------------


class ReportPDF(FPDF):
    """A4 with DejaVu Sans, a running title and page numbers."""

    def __init__(self, title, *, orientation="P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.report_title = title
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", size=10)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("Thi Tìm Hiểu")
        self.alias_nb_pages()

    def header(self):
        self.set_font("DejaVu", "B", 9)
        self.set_text_color(95, 91, 102)
        self.cell(0, 6, self.report_title, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(95, 91, 102)
        stamp = timezone.now().astimezone(VN).strftime("%d/%m/%Y %H:%M")
        self.cell(0, 8, f"{stamp} · {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text, size=14):
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, 7, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)
        self.ln(1)

    def paragraph(self, text, size=10):
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def data_table(self, columns, rows, *, widths=None, align=None):
        self.set_font("DejaVu", "", 9)
        with self.table(
            col_widths=widths,
            text_align=align or "LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=(240, 236, 232)),
            line_height=5,
            first_row_as_headings=True,
        ) as table:
            head = table.row()
            for name in columns:
                head.cell(str(name))
            for row in rows:
                line = table.row()
                for value in row:
                    line.cell("" if value is None else str(value))
        self.ln(2)

    def column_chart(self, values, labels, *, height=45, every=1):
        """The same geometry as the page's SVG chart (contests.charts)."""
        width = self.epw
        x0, y0 = self.l_margin, self.get_y()
        scale = 4.0  # chart units per mm
        bars, peak, (left, top, plot_w, plot_h) = charts.column_geometry(
            values, labels, width=width * scale, height=height * scale
        )
        self.set_draw_color(95, 91, 102)
        self.line(
            x0 + left / scale,
            y0 + (top + plot_h) / scale,
            x0 + (left + plot_w) / scale,
            y0 + (top + plot_h) / scale,
        )
        self.set_fill_color(179, 38, 30)
        self.set_font("DejaVu", "", 7)
        self.text(x0, y0 + (top + 8) / scale, str(int(peak)))
        for i, bar in enumerate(bars):
            if bar.height > 0:
                self.rect(
                    x0 + bar.x / scale, y0 + bar.y / scale, bar.width / scale, bar.height / scale, style="F"
                )
            if i % every == 0:
                self.text(x0 + bar.x / scale, y0 + (top + plot_h + 12) / scale, bar.label)
        self.set_y(y0 + height + 2)
        self.set_font("DejaVu", "", 10)
        self.set_fill_color(255, 255, 255)

    def bar_rows(self, rows, *, maximum=None, suffix=""):
        """Horizontal bars: rows = [(label, value)]."""
        width = self.epw
        label_w, value_w = 60, 18
        plot_w = width - label_w - value_w
        peak = maximum or max([float(v or 0) for _l, v in rows] + [1.0])
        self.set_fill_color(179, 38, 30)
        self.set_font("DejaVu", "", 8)
        for label, value in rows:
            y = self.get_y()
            self.cell(label_w, 5, str(label)[:40])
            w = plot_w * float(value or 0) / peak
            if w > 0:
                self.rect(self.l_margin + label_w, y + 1, w, 3, style="F")
            self.set_x(self.l_margin + label_w + plot_w)
            self.cell(value_w, 5, f"{value}{suffix}", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font("DejaVu", "", 10)
        self.set_fill_color(255, 255, 255)


def pdf_response(pdf, filename, *, inline=False):
    response = HttpResponse(bytes(pdf.output()), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
