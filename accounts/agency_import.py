"""Reading and checking an agency spreadsheet. No ORM calls here.

Columns (first row is a header and is skipped): name, code, parent code,
headcount, kind (optional: province, department, district, commune, unit,
other).
"""

import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
KINDS = {"province", "department", "district", "commune", "unit", "other", ""}
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class AgencyRow:
    line: int
    name: str
    code: str
    parent_code: str
    headcount: int
    kind: str


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_rows(fileobj):
    """Parse the workbook. Returns (rows, errors)."""
    import openpyxl

    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > MAX_BYTES:
        return [], [_("The file is larger than 5 MB.")]
    if not zipfile.is_zipfile(fileobj):
        return [], [_("This is not an Excel (.xlsx) file.")]
    fileobj.seek(0)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many types for broken files
        return [], [_("The Excel file could not be read; save it again as .xlsx and retry.")]
    sheet = workbook.worksheets[0]
    rows, errors = [], []
    for line, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if line - 1 > MAX_ROWS:
            return [], [_("The file has more than %(max)d rows.") % {"max": MAX_ROWS}]
        values = list(values) + [None] * 5
        name, code, parent_code, headcount, kind = (values[i] for i in range(5))
        if all(_text(v) == "" for v in (name, code, parent_code, headcount, kind)):
            continue
        row_errors = []
        name, code, parent_code, kind = _text(name), _text(code), _text(parent_code), _text(kind).lower()
        if not name:
            row_errors.append(_("Row %(row)d, column A (name): the name is empty.") % {"row": line})
        if not _CODE_RE.match(code):
            row_errors.append(
                _("Row %(row)d, column B (code): “%(code)s” is not a valid code (letters, digits, - and _).")
                % {"row": line, "code": code}
            )
        if parent_code and not _CODE_RE.match(parent_code):
            row_errors.append(
                _("Row %(row)d, column C (parent code): “%(code)s” is not a valid code.")
                % {"row": line, "code": parent_code}
            )
        count = None
        if isinstance(headcount, bool):
            count = None
        elif isinstance(headcount, int):
            count = headcount
        elif isinstance(headcount, float) and headcount.is_integer():
            count = int(headcount)
        elif isinstance(headcount, str) and re.fullmatch(r"-?\d+", headcount.strip()):
            count = int(headcount.strip())
        elif headcount in (None, ""):
            count = 0
        if count is None:
            row_errors.append(
                _("Row %(row)d, column D (headcount): “%(value)s” is not a whole number.")
                % {"row": line, "value": _text(headcount)}
            )
        elif count < 0:
            row_errors.append(
                _("Row %(row)d, column D (headcount): the headcount cannot be negative.") % {"row": line}
            )
        if kind not in KINDS:
            row_errors.append(
                _("Row %(row)d, column E (kind): unknown kind “%(kind)s”.") % {"row": line, "kind": kind}
            )
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(AgencyRow(line, name, code, parent_code, count, kind))
    if not rows and not errors:
        errors.append(_("The file has no agency rows."))
    return rows, errors


def check_rows(rows, *, existing_parents):
    """Tree checks across rows: duplicates, unknown parents, cycles.

    `existing_parents` maps each agency code already in the database to its
    parent code ("" for a root).
    """
    errors = []
    seen = {}
    for row in rows:
        if row.code in seen:
            errors.append(
                _("Row %(row)d, column B (code): code “%(code)s” is already used on row %(first)d.")
                % {"row": row.line, "code": row.code, "first": seen[row.code]}
            )
        else:
            seen[row.code] = row.line
    parents = dict(existing_parents)
    parents.update({row.code: row.parent_code for row in rows})
    for row in rows:
        if row.parent_code and row.parent_code not in parents:
            errors.append(
                _("Row %(row)d, column C (parent code): no agency has the code “%(code)s”.")
                % {"row": row.line, "code": row.parent_code}
            )
        if row.parent_code == row.code:
            errors.append(
                _("Row %(row)d, column C (parent code): an agency cannot be its own parent.")
                % {"row": row.line}
            )
    if errors:
        return errors
    for row in rows:
        visited = {row.code}
        current = parents.get(row.code, "")
        while current:
            if current in visited:
                errors.append(
                    _("Row %(row)d: the parent codes form a cycle through “%(code)s”.")
                    % {"row": row.line, "code": current}
                )
                break
            visited.add(current)
            current = parents.get(current, "")
    return errors
