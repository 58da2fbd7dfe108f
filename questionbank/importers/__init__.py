"""Reading question files into plain rows. Pure: no ORM calls.

Formats: Excel (.xlsx) and CSV with the template's columns (`tables`, with the
streaming cell reader in `xlsx`), and Moodle's text formats Aiken and GIFT
(`text_formats`). `read_file` returns a `ParsedFile`: the rows, plus the
problems that concern the whole file. Each row remembers where every field
came from (row and column, or line), so the import service can name the
place of every problem it finds later.

Hostile input: the size is checked before anything is parsed, and an .xlsx's
unpacked size and declared row count before any row is read; spreadsheets are
read without evaluating anything (a formula cell is imported as the text of
the formula, with a warning); every text is NFC-normalised and stripped of
control characters; HTML stays text. Limits live in `common` (MAX_BYTES,
MAX_ROWS, MAX_UNPACKED_BYTES) and are read when used.
"""

from django.utils.translation import gettext as _

from questionbank.importers import common
from questionbank.importers.common import (
    COLUMNS,
    DIFFICULTY_LABELS,
    FORMATS,
    FORMULA_PREFIXES,
    HEADERS,
    KIND_LABELS,
    LETTERS,
    TRUE_FALSE_OPTIONS,
    FileRefused,
    Issue,
    ParsedFile,
    Place,
    Row,
    clean_value,
    decode_text,
    has_html,
    size_error,
    sniff_text_format,
    too_many_rows_error,
    unneutralise,
    unsupported_type_error,
)
from questionbank.importers.tables import read_csv, read_xlsx
from questionbank.importers.text_formats import read_aiken, read_gift

__all__ = [
    "COLUMNS",
    "DIFFICULTY_LABELS",
    "FORMATS",
    "FORMULA_PREFIXES",
    "HEADERS",
    "KIND_LABELS",
    "LETTERS",
    "TRUE_FALSE_OPTIONS",
    "FileRefused",
    "Issue",
    "ParsedFile",
    "Place",
    "Row",
    "clean_value",
    "detect_format",
    "has_html",
    "is_too_big",
    "read_file",
    "size_error",
    "too_many_rows_error",
    "unneutralise",
    "unsupported_type_error",
]

_READERS = {"xlsx": read_xlsx, "csv": read_csv, "aiken": read_aiken, "gift": read_gift}


def is_too_big(size):
    """Checked on the size alone, before a byte of the file is read."""
    return size > common.MAX_BYTES


def detect_format(file_name, content=b""):
    """ "xlsx", "csv", "aiken" or "gift" from the name (and, for .txt, the text); "" if unknown."""
    name = (file_name or "").lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".gift", ".gift.txt", "-gift.txt")):
        return "gift"
    if name.endswith((".aiken", ".aiken.txt", "-aiken.txt")):
        return "aiken"
    if name.endswith(".txt"):
        try:
            text = decode_text(content)
        except FileRefused:
            return "aiken"  # the reader reports what is wrong with the bytes
        return sniff_text_format(text) or "aiken"
    return ""


def read_file(*, content, file_name, file_format=""):
    """Parse `content` (bytes). Never raises for bad input: problems are in the result."""
    file_format = file_format or detect_format(file_name, content)
    parsed = ParsedFile(file_format=file_format)
    if is_too_big(len(content)):
        parsed.errors.append(Issue(size_error()))
        return parsed
    if file_format not in FORMATS:
        parsed.errors.append(Issue(unsupported_type_error(file_name)))
        return parsed
    if not content.strip():
        parsed.errors.append(Issue(_("The file is empty.")))
        return parsed
    try:
        _READERS[file_format](content, parsed)
    except FileRefused as exc:
        parsed.rows = []
        parsed.errors.append(Issue(str(exc)))
    if not parsed.errors and not parsed.rows:
        parsed.errors.append(Issue(_("The file has no questions.")))
    return parsed
