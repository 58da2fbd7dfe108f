"""Spreadsheet exports (PDF documents are pdf.py).

The .xlsx files are written by the small streaming writer below, one pass,
row by row, straight into a deflated zip in a temporary file: memory stays
flat however many rows. openpyxl's write-only mode does the same, but it took
20 times the CPU (about 27 s against 1.3 s for the 60,000-row results of the
benchmark round, bench/bench_awards.py), too slow for the 30-second target on
a busy server. The writer produces only what the reports need (inline text,
numbers, dates, a bold header, column widths, a frozen header, an
autofilter); the tests read every export back with openpyxl.

Spreadsheet cells that a spreadsheet program would take for a formula (text
starting with =, +, -, @, a tab or a carriage return) are written as text
with a leading apostrophe, so a participant named "=HYPERLINK(…)" stays a
name. The first rows of every sheet state the report and the filters it was
made with; the table header follows, with an autofilter.
"""

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from contests.rules.timer import CONTEST_TZ

# fpdf2 subsets the font with fontTools, which logs every glyph table at INFO.

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
            value = value.astimezone(CONTEST_TZ)
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


# --- the .xlsx writer ------------------------------------------------------------------------

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
EXCEL_EPOCH = datetime(1899, 12, 30)
STYLE_DATETIME, STYLE_DATE, STYLE_BOLD, STYLE_TITLE = 1, 2, 3, 4
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES_XML = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(n):
    """1 → A, 27 → AA."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value):
    return xml_escape(_ILLEGAL_XML.sub("", value))


def _cell_xml(ref, value, style=0):
    """One <c> element ("" for an empty cell). `value` comes from cell_value()."""
    s = f' s="{style}"' if style else ""
    kind = type(value)
    if kind is str:
        if not value:
            return ""
        return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{_text(value)}</t></is></c>'
    if kind is int:
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if kind is Decimal:
        return f'<c r="{ref}"{s}><v>{format(value, "f")}</v></c>'
    if kind is float:
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if kind is datetime:
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{style or STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if kind is date:
        serial = (value - EXCEL_EPOCH.date()).days
        return f'<c r="{ref}" s="{style or STYLE_DATE}"><v>{serial}</v></c>'
    return _cell_xml(ref, str(value), style)


def _row_xml(number, values, letters, style=0):
    cells = "".join(_cell_xml(f"{letters[i]}{number}", v, style) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _sheet_names(sheets):
    names, seen = [], set()
    for n, sheet in enumerate(sheets, start=1):
        name = _BAD_SHEET_CHARS.sub(" ", sheet.title).strip()[:31] or f"Sheet{n}"
        while name.casefold() in seen:
            name = f"{name[:28]}({n})"
        seen.add(name.casefold())
        names.append(name)
    return names


def write_xlsx(target, sheets):
    """Write `sheets` as an .xlsx to a binary file object, streaming the rows.
    Returns the number of data rows written."""
    sheets = list(sheets)
    names = _sheet_names(sheets)
    yes_no = (str(_("yes")), str(_("no")))
    generated = cell_value(timezone.now())
    written = 0
    filters = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        for index, sheet in enumerate(sheets, start=1):
            width = max(len(sheet.columns), 2)
            letters = [column_letter(n) for n in range(1, width + 1)]
            header_row = 3 + len(sheet.filters) + 1
            with package.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                out.write(XML_HEAD + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">')
                out.write(
                    '<sheetViews><sheetView workbookViewId="0">'
                    f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft" '
                    'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                )
                if sheet.widths:
                    out.write("<cols>")
                    for n, w in enumerate(sheet.widths, start=1):
                        out.write(f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>')
                    out.write("</cols>")
                out.write("<sheetData>")
                out.write(_row_xml(1, [neutralise(sheet.heading)], letters, STYLE_TITLE))
                out.write(_row_xml(2, [str(_("Generated")), generated], letters))
                for n, (label, value) in enumerate(sheet.filters, start=3):
                    out.write(_row_xml(n, [neutralise(str(label)), cell_value(value, yes_no)], letters))
                out.write(
                    _row_xml(header_row, [neutralise(str(c)) for c in sheet.columns], letters, STYLE_BOLD)
                )
                number, chunk = header_row, []
                for row in sheet.rows:
                    number += 1
                    chunk.append(_row_xml(number, [cell_value(v, yes_no) for v in row], letters))
                    if len(chunk) >= 1000:
                        out.write("".join(chunk))
                        chunk = []
                out.write("".join(chunk))
                ref = f"A{header_row}:{letters[len(sheet.columns) - 1] if sheet.columns else 'A'}{number}"
                out.write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>')
                out.flush()
                out.detach()
            filters.append(ref)
            written += number - header_row
        _write_package_parts(package, names, filters)
    return written


def _write_package_parts(package, names, filters):
    sheets = "".join(
        f'<sheet name="{xml_escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"'{xml_escape(name.replace(chr(39), chr(39) * 2))}'!{_absolute(ref)}</definedName>"
        for n, (name, ref) in enumerate(zip(names, filters, strict=True))
    )
    package.writestr(
        "xl/workbook.xml",
        XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets>'
        f"<definedNames>{defined}</definedNames></workbook>",
    )
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(names) + 1)
    )
    package.writestr(
        "xl/_rels/workbook.xml.rels",
        XML_HEAD + f'<Relationships xmlns="{PACKAGE_RELS}">{relations}'
        f'<Relationship Id="rId{len(names) + 1}" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>',
    )
    package.writestr("xl/styles.xml", STYLES_XML)
    package.writestr(
        "_rels/.rels",
        XML_HEAD + f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(names) + 1)
    )
    package.writestr(
        "[Content_Types].xml",
        XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )


def _absolute(ref):
    """A1:N8 → $A$1:$N$8."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


def xlsx_response(filename, sheets):
    """A streamed download: the workbook is written to a temporary file (rows
    never all in memory) and sent in chunks."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes (and so deletes) it
    write_xlsx(handle, sheets)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
