"""A small streaming reader of .xlsx cells. Pure: no ORM, nothing evaluated.

openpyxl's read-only mode builds several Python objects per cell and, for a
sheet without a <dimension> (openpyxl's own write-only files), parses the
whole sheet once more just to size it: a 5,000-row file took seconds. This
reader streams the sheet XML (the C expat parser behind ElementTree) and keeps
only what the import needs: each cell's text, and whether it was a formula,
a date or an error. openpyxl still provides the number-format and formula
helpers, and writes the template.

Refusals raise `ValueError` with a reason for the caller to word; the zip's
unpacked size is checked by the caller before anything here runs.
"""

import posixpath
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_REF_RE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class XlsxCell:
    value: str  # the cell's text as it would be shown, never computed
    note: str = ""  # "formula" (value is the formula's text), "date", "error"


_LOCAL_NAMES = {}


def _local(tag):
    """ "{namespace}c" → "c" (transitional and strict OOXML use different namespaces)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1]
    return name


def _attr(element, name):
    """An attribute by local name (relationship ids come in two namespaces)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


# Tags of the sheet data as they appear in transitional and strict OOXML (and without a namespace):
# compared as strings in the per-cell loop, which runs 70,000 times for a 5,000-row file.
_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)


def _tags(name):
    return frozenset({f"{{{namespace}}}{name}" for namespace in _NAMESPACES} | {name})


_ROW, _C, _F, _V, _IS = (_tags(name) for name in ("row", "c", "f", "v", "is"))


def _parse(archive, path, events=("end",)):
    with archive.open(path) as source:
        yield from iterparse(source, events=events)


def _rels(archive, part):
    """Relationship id → target path of `part` (e.g. xl/workbook.xml)."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    if rels_path not in archive.namelist():
        return {}
    targets = {}
    for _event, element in _parse(archive, rels_path):
        if _local(element.tag) == "Relationship":
            target = element.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            targets[element.get("Id")] = (target, element.get("Type", ""))
    return targets


class Workbook:
    """The parts of a workbook the import reads: sheet names, shared strings, date styles."""

    def __init__(self, archive):
        self.archive = archive
        names = archive.namelist()
        workbook_path = "xl/workbook.xml"
        for _event, element in _parse(archive, "_rels/.rels") if "_rels/.rels" in names else ():
            if _local(element.tag) == "Relationship" and element.get("Type", "").endswith("/officeDocument"):
                workbook_path = element.get("Target", workbook_path).lstrip("/")
        if workbook_path not in names:
            raise ValueError("no workbook part")
        rels = _rels(archive, workbook_path)
        self.sheets = []  # (name, path)
        self.date1904 = False
        for _event, element in _parse(archive, workbook_path):
            tag = _local(element.tag)
            if tag == "sheet":
                target = rels.get(_attr(element, "id"))
                if target and target[0] in names:
                    self.sheets.append((element.get("name", ""), target[0]))
            elif tag == "workbookPr":
                self.date1904 = element.get("date1904", "0") in ("1", "true")
        by_type = {kind.rsplit("/", 1)[-1]: target for target, kind in rels.values()}
        self.shared_strings = self._shared_strings(by_type.get("sharedStrings"))
        self.date_styles, self.timedelta_styles = self._date_styles(by_type.get("styles"))

    def _shared_strings(self, path):
        if not path or path not in self.archive.namelist():
            return []
        strings = []
        for _event, element in _parse(self.archive, path):
            if _local(element.tag) == "si":
                strings.append(_rich_text(element))
                element.clear()
        return strings

    def _date_styles(self, path):
        """Indexes of the cell styles whose number format shows a date (or a duration)."""
        if not path or path not in self.archive.namelist():
            return set(), set()
        custom, formats, in_cell_xfs = {}, [], False
        for event, element in _parse(self.archive, path, events=("start", "end")):
            tag = _local(element.tag)
            if tag == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
            elif event == "end" and tag == "xf" and in_cell_xfs:
                number = int(element.get("numFmtId", "0"))
                formats.append(custom.get(number) or BUILTIN_FORMATS.get(number, "General"))
        dates = {i for i, fmt in enumerate(formats) if is_date_format(fmt)}
        durations = {i for i, fmt in enumerate(formats) if is_timedelta_format(fmt)}
        return dates, durations

    def declared_rows(self, path):
        """The last row of the sheet's <dimension>, or None. Reads only the sheet's head."""
        for _event, element in _parse(self.archive, path, events=("start",)):
            tag = _local(element.tag)
            if tag == "dimension":
                last = element.get("ref", "").replace("$", "").split(":")[-1]
                digits = re.sub(r"^[A-Z]+", "", last)
                return int(digits) if digits.isdigit() else None
            if tag == "sheetData":
                return None
        return None

    def rows(self, path, *, max_columns):
        """(row number, {column index: XlsxCell}) for every row present in the sheet."""
        shared_formulas = {}
        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        with self.archive.open(path) as source:
            yield from self._rows(source, max_columns, shared_formulas, epoch)

    def _rows(self, source, max_columns, shared_formulas, epoch):
        row_number = 0
        for _event, element in iterparse(source):
            if element.tag not in _ROW:
                continue
            row_number = int(element.get("r") or row_number + 1)
            cells, column = {}, 0
            for cell in element:
                if cell.tag not in _C:
                    continue
                reference = cell.get("r", "")
                match = _REF_RE.match(reference)
                column = column_index_from_string(match.group(1)) if match else column + 1
                if column > max_columns:
                    continue
                coordinate = reference or f"A{row_number}"
                value = self._cell(cell, coordinate, shared_formulas, epoch)
                if value is not None:
                    cells[column] = value
            element.clear()
            yield row_number, cells

    def _cell(self, cell, coordinate, shared_formulas, epoch):
        kind = cell.get("t", "n")
        formula, value, inline = None, None, None
        for child in cell:
            tag = child.tag
            if tag in _V:
                value = child.text
            elif tag in _F:
                formula = child
            elif tag in _IS:
                inline = child
        if formula is not None:
            return _formula(formula, coordinate, shared_formulas)
        if kind == "inlineStr":
            return XlsxCell(_rich_text(inline)) if inline is not None else None
        if value is None:
            return None
        if kind == "s":
            try:
                return XlsxCell(self.shared_strings[int(value)])
            except (ValueError, IndexError):
                return XlsxCell("#REF!", note="error")
        if kind in ("str", "inlineStr"):
            return XlsxCell(value)
        if kind == "b":
            return XlsxCell("TRUE" if value.strip() in ("1", "true") else "FALSE")
        if kind == "e":
            return XlsxCell(value, note="error")
        if kind == "d":
            return XlsxCell(value[:10], note="date")
        try:
            number = float(value)
        except ValueError:
            return XlsxCell(value)
        style = int(cell.get("s", "0") or 0)
        if style in self.date_styles or style in self.timedelta_styles:
            try:
                moment = from_excel(number, epoch, timedelta=style in self.timedelta_styles)
            except (OverflowError, ValueError):
                return XlsxCell(value, note="error")
            return XlsxCell(_show_date(moment), note="date")
        return XlsxCell(str(int(number)) if number.is_integer() else repr(number))


def _rich_text(element):
    """The text of a shared or inline string: its <t>, or its runs' <t>; phonetic runs skipped."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _formula(element, coordinate, shared_formulas):
    """A formula cell as the formula's text ("=SUM(A1:A3)"); never calculated."""
    kind = element.get("t", "")
    text = element.text
    if kind == "shared":
        index = element.get("si")
        if text:
            shared_formulas[index] = (text, coordinate)
        elif index in shared_formulas:
            master_text, master_coordinate = shared_formulas[index]
            try:
                text = Translator("=" + master_text, origin=master_coordinate).translate_formula(coordinate)[
                    1:
                ]
            except (TranslatorError, ValueError):
                text = None
    if kind == "dataTable" or not text:
        return XlsxCell("#FORMULA", note="error")
    return XlsxCell("=" + text, note="formula")


def _show_date(moment):
    if isinstance(moment, datetime):
        return moment.strftime("%d/%m/%Y") if moment.time() == time(0) else moment.strftime("%d/%m/%Y %H:%M")
    if isinstance(moment, date):
        return moment.strftime("%d/%m/%Y")
    if isinstance(moment, time):
        return moment.strftime("%H:%M")
    return str(moment)  # a duration


def open_workbook(archive):
    """A Workbook, or ValueError when the archive is not a readable workbook."""
    try:
        return Workbook(archive)
    except (KeyError, ParseError, ValueError, OSError) as exc:
        raise ValueError(str(exc)) from exc
