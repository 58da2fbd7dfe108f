"""Spreadsheets (xlsx, csv) → rows: the header is mapped to fields, every cell cleaned. Pure."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _

from questionbank.importers import common, xlsx
from questionbank.importers.common import (
    HEADER_LOOKUP,
    HEADER_SEARCH_ROWS,
    HEADERS,
    LETTERS,
    MAX_COLUMNS,
    REQUIRED_COLUMNS,
    TRUE_FALSE_OPTIONS,
    FileRefused,
    Issue,
    Place,
    Row,
    clean_value,
    decode_text,
    difficulty_code,
    fold,
    kind_code,
    split_tags,
    too_many_rows_error,
    unneutralise,
)

# --- spreadsheets (xlsx, csv) ---------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    text: str
    note: str = ""  # "formula", "date", "error"
    raw: str = ""


def read_xlsx(content, parsed):
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("This is an old Excel 97–2003 (.xls) file; open it in Excel and save it as .xlsx.")
        )
    buffer = io.BytesIO(content)
    if not zipfile.is_zipfile(buffer):
        raise FileRefused(_not_xlsx_message(content))
    unreadable = _("The Excel file could not be read; save it again as .xlsx and retry.")
    try:
        with zipfile.ZipFile(buffer) as archive:
            # Checked before anything is unpacked: a small file may hold a "zip bomb".
            if sum(info.file_size for info in archive.infolist()) > common.MAX_UNPACKED_BYTES:
                raise FileRefused(
                    _("The Excel file is too large once unpacked; split it into several files.")
                )
            try:
                workbook = xlsx.open_workbook(archive)
            except ValueError:
                raise FileRefused(unreadable)
            path = _data_sheet(workbook)
            if path is None:
                raise FileRefused(_("The Excel file has no worksheet."))
            # The declared size first: a huge sheet is refused before any row is read.
            declared = workbook.declared_rows(path) or 0
            if declared > common.MAX_ROWS + HEADER_SEARCH_ROWS + 1:
                raise FileRefused(too_many_rows_error())
            records = []
            # The declaration may lie (either way): every row present is read, and counted.
            for line, cells in workbook.rows(path, max_columns=MAX_COLUMNS):
                if not cells:
                    continue
                values = [_table_cell(cells.get(column)) for column in range(1, max(cells) + 1)]
                if not any(v.text for v in values):
                    continue
                records.append((line, values))
                if len(records) > common.MAX_ROWS + HEADER_SEARCH_ROWS:
                    raise FileRefused(too_many_rows_error())
    except FileRefused:
        raise
    except (zipfile.BadZipFile, ParseError, KeyError, ValueError, OSError, EOFError):
        raise FileRefused(unreadable)
    _read_table(records, parsed)


def _not_xlsx_message(content):
    try:
        decode_text(content)
    except FileRefused:
        return _(
            "This file is not an Excel workbook (.xlsx) although its name says so; save it again as .xlsx."
        )
    return _(
        "This file is not an Excel workbook (.xlsx) although its name says so: it is a text file. "
        "If it is a CSV, Aiken or GIFT file, give it a .csv or .txt name."
    )


def _data_sheet(workbook):
    """The sheet named "Câu hỏi" (or "Questions"), else the first one; its path in the zip."""
    for name, path in workbook.sheets:
        if fold(name) in ("cau hoi", "questions"):
            return path
    return workbook.sheets[0][1] if workbook.sheets else None


_EMPTY = _Cell("")


def _table_cell(cell):
    if cell is None:
        return _EMPTY
    if cell.note == "formula":
        return _Cell(clean_value(cell.value), note="formula", raw=cell.value)
    if cell.note:
        return _Cell(clean_value(cell.value), note=cell.note, raw=cell.value)
    return _Cell(unneutralise(clean_value(cell.value)))


def read_csv(content, parsed):
    text = decode_text(content, csv_hint=True)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    records = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        for line, values in enumerate(reader, start=1):
            cells = [_Cell(unneutralise(clean_value(v))) for v in values[:MAX_COLUMNS]]
            if not any(c.text for c in cells):
                continue
            records.append((line, cells))
            if len(records) > common.MAX_ROWS + HEADER_SEARCH_ROWS:
                raise FileRefused(too_many_rows_error())
    except csv.Error:
        raise FileRefused(_("The CSV file could not be read (unbalanced quotes?); save it again from Excel."))
    _read_table(records, parsed)


def _column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_table(records, parsed):
    """Rows of cells (xlsx or csv) → Rows, with the header mapped to fields."""
    header_at = None
    for position, (_line, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        if any(HEADER_LOOKUP.get(fold(c.text)) == "text" for c in cells):
            header_at = position
            break
    if header_at is None:
        raise FileRefused(
            _("No header row found. The first row must hold the template's column names (“%(text)s”, …).")
            % {"text": HEADERS["text"]}
        )
    header_line, header_cells = records[header_at]
    data = records[header_at + 1 :]
    if len(data) > common.MAX_ROWS:
        raise FileRefused(too_many_rows_error())
    columns = {}  # field → (index, letter, label)
    for index, cell in enumerate(header_cells):
        if not cell.text:
            continue
        key = HEADER_LOOKUP.get(fold(cell.text))
        letter = _column_letter(index)
        if key == "ignore":
            continue
        if key is None:
            parsed.warnings.append(
                Issue(
                    _("This column is not part of the template and is ignored."),
                    Place(header_line, letter, cell.text, cell=True),
                )
            )
            continue
        if key in columns:
            raise FileRefused(
                _("Columns %(first)s and %(second)s are both “%(label)s”; keep only one.")
                % {"first": columns[key][1], "second": letter, "label": cell.text}
            )
        columns[key] = (index, letter, cell.text)
    missing = [HEADERS[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise FileRefused(
            _("The header has no column “%(column)s”; start from the template.") % {"column": missing[0]}
        )
    places = {key: (letter, label) for key, (_index, letter, label) in columns.items()}
    for line, cells in data:
        parsed.rows.append(_table_row(line, cells, columns, places))


def _table_row(line, cells, columns, places):
    row = Row(line=line, table=True, columns=places)

    def cell(key):
        if key not in columns:
            return _Cell("")
        index = columns[key][0]
        return cells[index] if index < len(cells) else _Cell("")

    for key in columns:
        value = cell(key)
        if not value.note:
            continue
        if value.note == "formula":
            row.warnings.append(
                Issue(
                    _(
                        "The cell holds a formula; its text “%(formula)s” is imported as written, never calculated."
                    )
                    % {"formula": value.raw[:80]},
                    row.place(key),
                )
            )
        elif value.note == "date":
            row.warnings.append(
                Issue(
                    _("The cell holds a date; it is imported as the text “%(text)s”. Check it.")
                    % {"text": value.text},
                    row.place(key),
                )
            )
        elif value.note == "error":
            row.errors.append(
                Issue(
                    _("The cell shows a spreadsheet error (%(value)s); type the text instead.")
                    % {"value": value.raw},
                    row.place(key),
                )
            )
    row.text = cell("text").text
    row.kind = kind_code(cell("kind").text)
    row.topic = cell("topic").text
    row.difficulty = difficulty_code(cell("difficulty").text)
    row.explanation = cell("explanation").text
    row.legal_basis = cell("legal_basis").text
    row.tags = split_tags(cell("tags").text)

    texts = [cell(f"option{n}").text for n in range(1, len(LETTERS) + 1)]
    last_filled = max((i for i, t in enumerate(texts) if t), default=-1)
    for i in range(last_filled):
        if not texts[i]:
            row.errors.append(
                Issue(
                    _(
                        "Option %(letter)s is empty but a later option is filled; fill the options from A without gaps."
                    )
                    % {"letter": LETTERS[i]},
                    row.place(f"option{i + 1}"),
                )
            )
    if row.kind == "truefalse" and last_filled == -1:
        texts = [*TRUE_FALSE_OPTIONS, "", "", "", ""]
        last_filled = 1
    # An error cell was reported above; its text ("#N/A") is not read as letters.
    letters, letter_errors = (
        ([], []) if cell("correct").note == "error" else parse_letters(cell("correct").text)
    )
    for message in letter_errors:
        row.errors.append(Issue(message, row.place("correct")))
    for letter in letters:
        index = LETTERS.index(letter)
        if index > last_filled or not texts[index]:
            row.errors.append(
                Issue(
                    _("The correct answer %(letter)s points at an empty option.") % {"letter": letter},
                    row.place("correct"),
                )
            )
    kept = [(LETTERS[i], t) for i, t in enumerate(texts[: last_filled + 1]) if t]
    row.options = [t for _letter, t in kept]
    row.correct = [letter in letters for letter, _t in kept]
    # Option places follow the kept options (a gap was reported above).
    originals = [row.place(f"option{LETTERS.index(letter) + 1}") for letter, _t in kept]
    for n, original in enumerate(originals, start=1):
        row.places[f"option{n}"] = original
    return row


_LETTER_SEPARATOR_RE = re.compile(r"[\s,;/+&]+")


def parse_letters(value):
    """ "B" / "A,C" / "a; c" / "AC" → (["A", "C"], errors)."""
    value = (value or "").strip().upper()
    if not value:
        return [], []
    tokens = [t for t in _LETTER_SEPARATOR_RE.split(value) if t]
    if len(tokens) == 1 and len(tokens[0]) > 1 and all(ch in LETTERS for ch in tokens[0]):
        tokens = list(tokens[0])
    letters, errors = [], []
    for token in tokens:
        if len(token) == 1 and token in LETTERS:
            if token not in letters:
                letters.append(token)
        else:
            errors.append(
                _("“%(value)s” is not an option letter (use A to F, several separated by commas).")
                % {"value": token}
            )
    return letters, errors
