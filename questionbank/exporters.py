"""Writing questions out: the .xlsx template (empty or filled) and GIFT text.

The writers take plain `ExportRow` values; `export_rows` builds them from a
queryset in a fixed number of queries. What is written reads back through
`questionbank.importers` to the same questions (text, options, correct flags,
explanation, legal basis, difficulty, topic, tags). Images are not exported.
"""

import io
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from questionbank import importers
from questionbank.importers import COLUMNS, DIFFICULTY_LABELS, KIND_LABELS, LETTERS, TRUE_FALSE_OPTIONS
from questionbank.models import Option, Topic

DATA_SHEET = "Câu hỏi"
HELP_SHEET = "Hướng dẫn"
TOPICS_SHEET = "Chủ đề"
_WIDTHS = {"text": 60, "kind": 14, "correct": 12, "topic": 16, "difficulty": 12, "explanation": 40}
_ILLEGAL_XLSX_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class ExportRow:
    text: str
    kind: str = "single"
    options: list = field(default_factory=list)  # (text, is_correct)
    topic_code: str = ""
    difficulty: str = "medium"
    explanation: str = ""
    legal_basis: str = ""
    tags: list = field(default_factory=list)


def neutralise(value):
    """A cell a spreadsheet could take for a formula gets a leading apostrophe.

    `importers.unneutralise` removes exactly one, so a round trip keeps the text.
    """
    value = _ILLEGAL_XLSX_RE.sub("", value or "")
    if value.startswith(importers.FORMULA_PREFIXES):
        return "'" + value
    return value


def table_values(row):
    """The cells of one question, in template column order."""
    values = {
        "text": row.text,
        "kind": KIND_LABELS.get(row.kind, row.kind),
        "correct": ",".join(LETTERS[i] for i, (_text, correct) in enumerate(row.options) if correct),
        "topic": row.topic_code,
        "difficulty": DIFFICULTY_LABELS.get(row.difficulty, row.difficulty),
        "explanation": row.explanation,
        "legal_basis": row.legal_basis,
        "tags": "; ".join(row.tags),
    }
    for n, (text, _correct) in enumerate(row.options, start=1):
        values[f"option{n}"] = text
    return [neutralise(values.get(key, "")) for key, _header in COLUMNS]


# --- xlsx -------------------------------------------------------------------------


def workbook_bytes(*, rows=(), topics=()):
    """The template workbook; with `rows`, an export. `topics` is [(code, name)] for the topics sheet."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4D6")
    for index, (key, _header) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(key, 22)
    sheet.freeze_panes = "B2"
    letters = {key: get_column_letter(i) for i, (key, _h) in enumerate(COLUMNS, start=1)}
    last = importers.common.MAX_ROWS + 1
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_LABELS.values()) + '"', allow_blank=True)
    kinds.add(f"{letters['kind']}2:{letters['kind']}{last}")
    levels = DataValidation(
        type="list", formula1='"' + ",".join(DIFFICULTY_LABELS.values()) + '"', allow_blank=True
    )
    levels.add(f"{letters['difficulty']}2:{letters['difficulty']}{last}")
    sheet.data_validations.append(kinds)
    sheet.data_validations.append(levels)
    if topics:
        codes = DataValidation(
            type="list", formula1=f"'{TOPICS_SHEET}'!$A$2:$A${len(topics) + 1}", allow_blank=True
        )
        codes.add(f"{letters['topic']}2:{letters['topic']}{last}")
        sheet.data_validations.append(codes)
    header = []
    for _key, title in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(table_values(row))

    help_sheet = workbook.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 100
    for line in _instructions():
        help_sheet.append([_bold_cell(help_sheet, line[0], bold), *line[1:]] if line else [])

    topic_sheet = workbook.create_sheet(TOPICS_SHEET)
    topic_sheet.column_dimensions["A"].width = 24
    topic_sheet.column_dimensions["B"].width = 70
    topic_sheet.append(
        [_bold_cell(topic_sheet, "Mã chủ đề", bold), _bold_cell(topic_sheet, "Tên chủ đề", bold)]
    )
    for code, name in topics:
        topic_sheet.append([neutralise(code), neutralise(name)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold_cell(sheet, value, font):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _instructions():
    """The instructions sheet: fixed Vietnamese text (the template is a Vietnamese document)."""
    limit = f"{importers.common.MAX_ROWS:,}".replace(",", ".")
    size = importers.common.MAX_BYTES // (1024 * 1024)
    return [
        ("HƯỚNG DẪN NHẬP CÂU HỎI VÀO NGÂN HÀNG",),
        (),
        (
            "Cách làm",
            "Điền mỗi câu hỏi vào một dòng của trang “Câu hỏi”, bắt đầu từ dòng 2. Giữ nguyên dòng tiêu đề.",
        ),
        (
            "",
            "Tải tệp lên trang Nhập câu hỏi, xem trước các lỗi, sửa rồi tải lại; khi không còn lỗi thì xác nhận.",
        ),
        ("", "Chỉ cần một dòng có lỗi là không câu hỏi nào được nhập; câu hỏi được nhập ở trạng thái nháp."),
        ("", f"Tối đa {limit} câu hỏi và {size} MB mỗi tệp. Có thể lưu thành CSV UTF-8 với cùng các cột."),
        (),
        ("Cột", "Cách điền"),
        ("Nội dung câu hỏi", "Bắt buộc. Tối đa 2.000 ký tự."),
        ("Loại câu hỏi", "Một đáp án (mặc định khi để trống), Nhiều đáp án, hoặc Đúng/Sai."),
        (
            "Phương án A … F",
            "Ít nhất 2, tối đa 6 phương án, điền liền nhau từ A. Mỗi phương án tối đa 1.000 ký tự.",
        ),
        ("", "Câu Đúng/Sai: để trống thì hai phương án là “Đúng” (A) và “Sai” (B)."),
        ("Đáp án đúng", "Chữ cái của phương án đúng, ví dụ B. Câu nhiều đáp án: A,C."),
        ("Mã chủ đề", "Mã trong trang “Chủ đề”. Để trống thì dùng chủ đề mặc định chọn khi tải lên."),
        ("Mức độ", "Dễ, Trung bình (mặc định khi để trống) hoặc Khó."),
        ("Giải thích", "Không bắt buộc. Tối đa 4.000 ký tự."),
        ("Căn cứ pháp lý", "Không bắt buộc. Tối đa 300 ký tự."),
        ("Thẻ", "Không bắt buộc. Nhiều thẻ cách nhau bằng dấu chấm phẩy (;)."),
        (),
        ("Lưu ý", "Ô bắt đầu bằng =, +, - hoặc @ luôn được coi là chữ, không bao giờ là công thức."),
        ("", "Khi xuất, các ô như vậy có thêm dấu nháy đơn (') ở đầu; khi nhập, dấu nháy này được bỏ đi."),
        ("", "Không nhập trùng: câu hỏi đã có trong ngân hàng (hoặc lặp lại trong tệp) sẽ bị báo lỗi."),
        ("", "Mã HTML được lưu và hiển thị như chữ thường. Hình ảnh không nhập/xuất qua tệp này."),
    ]


# --- GIFT ---------------------------------------------------------------------------

_GIFT_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "~": "\\~",
        "=": "\\=",
        "#": "\\#",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)
_GIFT_FORMAT_START_RE = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def gift_escape(value):
    return (value or "").translate(_GIFT_SPECIAL)


def _gift_text(value):
    """A text part, escaped; "[plain]" in front when it would read as a comment or a format marker."""
    escaped = gift_escape(value)
    if escaped.startswith("//") or _GIFT_FORMAT_START_RE.match(escaped):
        return "[plain]" + escaped
    return escaped


def _marker(key, value):
    value = value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n").replace("\r", "")
    return f"[{key}:{value}]"


def _weight(count):
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def gift_document(rows, *, header=""):
    """GIFT for Moodle and for our own import; grouped under `$CATEGORY:` by topic code."""
    out = []
    if header:
        out.extend(f"// {line}" for line in header.splitlines())
        out.append("")
    category = None
    for row in sorted(rows, key=lambda r: r.topic_code):  # stable: keeps the order within a topic
        if row.topic_code != category:
            category = row.topic_code
            out.extend([f"$CATEGORY: {category}", ""])
        markers = [_marker("difficulty", row.difficulty)]
        texts = [text for text, _correct in row.options]
        correct = [flag for _text, flag in row.options]
        as_true_false = row.kind == "truefalse" and tuple(texts) == TRUE_FALSE_OPTIONS
        if row.kind == "truefalse" and not as_true_false:
            markers.append(_marker("kind", "truefalse"))
        markers.extend(_marker("tag", tag) for tag in row.tags)
        if row.legal_basis:
            markers.append(_marker("legal", row.legal_basis))
        out.append("// " + " ".join(markers))
        text = _gift_text(row.text)
        explanation = f"####{_gift_text(row.explanation)}" if row.explanation else ""
        if as_true_false:
            verdict = "TRUE" if correct[0] else "FALSE"
            out.extend([f"{text} {{{verdict}{explanation}}}", ""])
            continue
        answers = []
        right = sum(correct)
        for option_text, is_correct in row.options:
            escaped = _gift_text(option_text)
            if row.kind == "multiple":
                weight = _weight(right) if is_correct else "-100"
                answers.append(f"\t~%{weight}%{escaped}\n")
            elif is_correct:
                answers.append(f"\t={escaped}\n")
            else:
                # "%…%" at the start of a wrong answer would read as a weight: give it one.
                answers.append(f"\t~%0%{escaped}\n" if option_text.startswith("%") else f"\t~{escaped}\n")
        feedback = f"\t{explanation}\n" if explanation else ""
        out.extend([f"{text} {{\n" + "".join(answers) + feedback + "}", ""])
    return "\n".join(out)


# --- from the database ----------------------------------------------------------------


def export_rows(questions):
    """ExportRows for a queryset of questions, in its order, in a fixed number of queries."""
    questions = questions.select_related("topic", "current_version").prefetch_related(
        Prefetch("current_version__options", queryset=Option.objects.order_by("position")),
        "tags",
    )
    rows = []
    for question in questions.iterator(chunk_size=1000):
        version = question.current_version
        if version is None:
            continue
        rows.append(
            ExportRow(
                text=version.text,
                kind=version.kind,
                options=[(o.text, o.is_correct) for o in version.options.all()],
                topic_code=question.topic.code,
                difficulty=question.difficulty,
                explanation=version.explanation,
                legal_basis=version.legal_basis,
                tags=sorted(t.name for t in question.tags.all()),
            )
        )
    return rows


def topic_codes():
    return list(Topic.objects.values_list("code", "name"))


def export_header(count):
    return _("Thi Tìm Hiểu — question bank export, %(count)d questions.") % {"count": count}
