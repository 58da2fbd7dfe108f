"""What every reader shares: limits, columns, problems with their place, cleaning, decoding. Pure."""

import functools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from questionbank.text import clean_text, unaccent

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# A 10 MB .xlsx may unpack to gigabytes (a "zip bomb"); real banks stay far below this.
MAX_UNPACKED_BYTES = 120 * 1024 * 1024
# Only this many columns are read; the template has 14.
MAX_COLUMNS = 30
# The header may sit below a title: it is looked for in the first rows.
HEADER_SEARCH_ROWS = 10
LETTERS = "ABCDEF"
TRUE_FALSE_OPTIONS = ("Đúng", "Sai")

FORMATS = ("xlsx", "csv", "aiken", "gift")

# Template columns: (field, header). Exporters write the same.
COLUMNS = [
    ("text", "Nội dung câu hỏi"),
    ("kind", "Loại câu hỏi"),
    *[(f"option{n}", f"Phương án {letter}") for n, letter in enumerate(LETTERS, start=1)],
    ("correct", "Đáp án đúng"),
    ("topic", "Mã chủ đề"),
    ("difficulty", "Mức độ"),
    ("explanation", "Giải thích"),
    ("legal_basis", "Căn cứ pháp lý"),
    ("tags", "Thẻ"),
]
HEADERS = dict(COLUMNS)

# Header cells are matched after folding (lower case, no accents, punctuation as spaces).
_HEADER_ALIASES = {
    "text": ["noi dung cau hoi", "cau hoi", "noi dung", "question", "question text", "text"],
    "kind": ["loai cau hoi", "loai", "kind", "type", "question type", "question kind"],
    "correct": ["dap an dung", "dap an", "correct", "correct answer", "correct answers", "answer"],
    "topic": ["ma chu de", "chu de", "topic", "topic code"],
    "difficulty": ["muc do", "do kho", "difficulty"],
    "explanation": ["giai thich", "explanation"],
    "legal_basis": ["can cu phap ly", "can cu", "legal basis"],
    "tags": ["the", "tu khoa", "tags", "tag"],
    "ignore": ["stt", "so thu tu", "no", "number"],
}
for _n, _letter in enumerate(LETTERS, start=1):
    _HEADER_ALIASES[f"option{_n}"] = [
        f"phuong an {_letter.lower()}",
        f"lua chon {_letter.lower()}",
        f"dap an {_letter.lower()}",
        f"option {_letter.lower()}",
        _letter.lower(),
    ]
HEADER_LOOKUP = {alias: key for key, aliases in _HEADER_ALIASES.items() for alias in aliases}
REQUIRED_COLUMNS = ("text", "option1", "option2", "correct")

KIND_LABELS = {"single": "Một đáp án", "multiple": "Nhiều đáp án", "truefalse": "Đúng/Sai"}
DIFFICULTY_LABELS = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}
_KIND_VALUES = {
    "single": ["single", "single choice", "mot dap an", "mot dap an dung", "mot lua chon"],
    "multiple": ["multiple", "multiple choice", "nhieu dap an", "nhieu dap an dung", "nhieu lua chon"],
    "truefalse": ["truefalse", "true false", "dung sai"],
}
_DIFFICULTY_VALUES = {
    "easy": ["easy", "de"],
    "medium": ["medium", "trung binh", "vua"],
    "hard": ["hard", "kho"],
}
_KIND_LOOKUP = {alias: key for key, aliases in _KIND_VALUES.items() for alias in aliases}
_DIFFICULTY_LOOKUP = {alias: key for key, aliases in _DIFFICULTY_VALUES.items() for alias in aliases}

# An exported cell that a spreadsheet could take for a formula gets a leading
# apostrophe; reading removes exactly one (see exporters.neutralise).
FORMULA_PREFIXES = ("=", "+", "-", "@", "'")

_FOLD_RE = re.compile(r"[^a-z0-9]+")
_TAG_SEPARATOR_RE = re.compile(r"[;\n]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HTML_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


@dataclass(frozen=True)
class Place:
    """Where a value came from: a spreadsheet row and column, or a line of a text file."""

    line: int | None = None
    column: str = ""  # spreadsheet column letter ("I"); empty when unknown or in a text file
    label: str = ""  # the column's header, or the field's name in a text format
    cell: bool = False  # a spreadsheet row (xlsx, csv) rather than a text line


@dataclass(frozen=True)
class Issue:
    message: str
    place: Place | None = None

    def __str__(self):
        place = self.place
        values = {"message": self.message}
        if place is None or place.line is None:
            return self.message
        values.update(row=place.line, line=place.line, column=place.column, label=place.label)
        if place.cell and place.column:
            return _("Row %(row)d, column %(column)s (%(label)s): %(message)s") % values
        if place.cell:
            return _("Row %(row)d (%(label)s): %(message)s") % values
        if place.label:
            return _("Line %(line)d (%(label)s): %(message)s") % values
        return _("Line %(line)d: %(message)s") % values


@dataclass
class Row:
    """One question as read from a file, before any database check."""

    line: int
    text: str = ""
    kind: str = "single"
    options: list = field(default_factory=list)  # texts, in order
    correct: list = field(default_factory=list)  # one bool per option
    topic: str = ""  # topic code, or a GIFT category
    difficulty: str = "medium"
    explanation: str = ""
    legal_basis: str = ""
    tags: list = field(default_factory=list)
    places: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    table: bool = False  # read from a spreadsheet (xlsx, csv)
    # Spreadsheets: field → (column letter, header), shared by every row of the file.
    columns: dict = field(default_factory=dict)

    def place(self, key):
        """Where `key` ("text", "option2", "correct", "topic", …) came from."""
        if key in self.places:
            return self.places[key]
        if self.table:
            letter, label = self.columns.get(key, ("", HEADERS.get(key, key)))
            return Place(self.line, letter, label, cell=True)
        return self.places.get("text") or Place(self.line)


@dataclass
class ParsedFile:
    file_format: str
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing of it is used."""


def size_error():
    return _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)}


def too_many_rows_error():
    return _("The file has more than %(max)d questions; split it into several files.") % {"max": MAX_ROWS}


def unsupported_type_error(file_name):
    name = (file_name or "").lower()
    if name.endswith(".xls"):
        return _("Old Excel files (.xls) are not supported; open the file in Excel and save it as .xlsx.")
    return _(
        "Unsupported file type. Upload an Excel workbook (.xlsx), a CSV file (.csv) or an Aiken or GIFT text file (.txt)."
    )


# --- shared cleaning ------------------------------------------------------------


def clean_value(value):
    """NFC, trimmed, without control characters (line breaks kept)."""
    if not value:
        return ""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(_CONTROL_RE.sub("", value.replace("\t", " ")))


def unneutralise(value):
    """Reverse the export's formula guard: "'=x" → "=x", "''x" → "'x"."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def has_html(value):
    return bool(_HTML_TAG_RE.search(value or ""))


@functools.lru_cache(maxsize=512)  # headers, kinds and levels repeat on every row
def fold(value):
    """Lower case, accent-free, punctuation as single spaces: "Đúng/Sai" → "dung sai"."""
    return " ".join(_FOLD_RE.sub(" ", unaccent(value)).split())


def kind_code(value):
    """The kind code for a cell ("Nhiều đáp án" → "multiple"); the cell itself when unknown."""
    if not value:
        return "single"
    return _KIND_LOOKUP.get(fold(value), value)


def difficulty_code(value):
    if not value:
        return "medium"
    return _DIFFICULTY_LOOKUP.get(fold(value), value)


def split_tags(value):
    return [t for t in (clean_value(part) for part in _TAG_SEPARATOR_RE.split(value or "")) if t]


# --- text decoding ----------------------------------------------------------------


def decode_text(content, *, csv_hint=False):
    """Bytes → str: UTF-8 (with or without BOM) or UTF-16 with a BOM. Raises FileRefused."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRefused(_not_utf8_message(csv_hint))
    else:
        if _looks_binary(content):
            raise FileRefused(_binary_message(content))
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileRefused(_not_utf8_message(csv_hint))
    if "\x00" in text:
        raise FileRefused(_binary_message(content))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(content):
    head = content[:4096]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls > len(head) // 20


def _binary_message(content):
    if content.startswith(b"PK\x03\x04"):
        return _(
            "This is a zip archive (perhaps an Excel workbook), not a text file; upload it with its .xlsx name."
        )
    return _("The file is not a text file (it contains binary data).")


def _not_utf8_message(csv_hint):
    if csv_hint:
        return _(
            "The file is not UTF-8 text. In Excel use “Save as” → “CSV UTF-8 (comma delimited)”, or upload the .xlsx file."
        )
    return _("The file is not UTF-8 text; save it with the UTF-8 encoding and try again.")


def sniff_text_format(text):
    """ "gift" or "aiken" for a text file, "" when it looks like neither."""
    if re.search(r"(?m)^\s*\$CATEGORY:", text) or re.search(r"\{\s*(=|~|TRUE\b|FALSE\b|T\s*\}|F\s*\})", text):
        return "gift"
    if re.search(r"(?mi)^\s*(ANSWER|ĐÁP ÁN)\s*:", text):
        return "aiken"
    return ""
