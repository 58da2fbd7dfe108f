"""PDF documents (fpdf2 with the DejaVu Sans font shipped in static/fonts/,
which covers Vietnamese): report pages with tables and charts, winners lists
and certificates build on `ReportPDF`."""

import logging
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace

from contests.documents import charts
from contests.rules.timer import CONTEST_TZ

logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


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
        stamp = timezone.now().astimezone(CONTEST_TZ).strftime("%d/%m/%Y %H:%M")
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
        """The same geometry as the page's SVG chart (contests.documents.charts)."""
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
