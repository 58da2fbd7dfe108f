"""Reading question files (questionbank.importers): every format, good and bad, and hostile files.

No database: the readers are pure. Messages are checked in English.
"""

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from questionbank import importers
from questionbank.importers import xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "questionbank"
HEADER = [header for _key, header in importers.COLUMNS]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fixture(name):
    return (FIXTURES / name).read_bytes()


def read(name, content=None, file_format=""):
    return importers.read_file(
        content=fixture(name) if content is None else content, file_name=name, file_format=file_format
    )


def xlsx_bytes(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Câu hỏi"
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(
    text="Câu hỏi?", kind="", a="Một", b="Hai", c="", d="", e="", f="", correct="A", topic="tthc", **extra
):
    values = [
        text,
        kind,
        a,
        b,
        c,
        d,
        e,
        f,
        correct,
        topic,
        extra.get("difficulty", ""),
        extra.get("explanation", ""),
    ]
    return [*values, extra.get("legal_basis", ""), extra.get("tags", "")]


def messages(issues):
    return [str(i) for i in issues]


# --- xlsx ----------------------------------------------------------------------------------


def test_it_reads_the_good_workbook():
    parsed = read("good.xlsx")
    assert parsed.errors == [] and parsed.file_format == "xlsx"
    first, multiple, true_false, bare = parsed.rows
    assert first.line == 2 and first.kind == "single" and first.topic == "tthc-mot-cua"
    assert first.options == ["Văn phòng UBND tỉnh", "Sở Nội vụ", "Sở Tư pháp", "Công an tỉnh"]
    assert first.correct == [True, False, False, False]
    assert first.tags == ["một cửa", "Nghị định 61"]
    assert first.legal_basis == "Điều 7 Nghị định 61/2018/NĐ-CP" and first.difficulty == "medium"
    assert multiple.kind == "multiple" and multiple.correct == [True, True, False, True]
    assert multiple.difficulty == "hard"
    # A true/false row with no options gets "Đúng" / "Sai".
    assert true_false.kind == "truefalse" and true_false.options == ["Đúng", "Sai"]
    assert true_false.correct == [False, True] and true_false.difficulty == "easy"
    # Blank kind and difficulty take the defaults; a lower-case letter is fine.
    assert bare.kind == "single" and bare.difficulty == "medium" and bare.correct == [True, False]


def test_it_names_row_and_column_of_a_bad_answer_letter():
    parsed = importers.read_file(content=xlsx_bytes([row(correct="G")]), file_name="q.xlsx")
    (problem,) = parsed.rows[0].errors
    assert str(problem).startswith("Row 2, column I (Đáp án đúng): “G” is not an option letter")


def test_it_reports_an_answer_pointing_at_an_empty_option_and_gaps():
    parsed = importers.read_file(
        content=xlsx_bytes([row(correct="C"), row(c="", d="Bốn")]), file_name="q.xlsx"
    )
    assert "Row 2, column I (Đáp án đúng): The correct answer C points at an empty option." in messages(
        parsed.rows[0].errors
    )
    assert messages(parsed.rows[1].errors) == [
        "Row 3, column E (Phương án C): Option C is empty but a later option is filled; "
        "fill the options from A without gaps."
    ]


def test_it_maps_reordered_and_english_headers_and_warns_about_unknown_columns():
    header = ["Correct", "Question", "Option A", "Option B", "Topic code", "Ghi chú"]
    parsed = importers.read_file(
        content=xlsx_bytes([["B", "Câu hỏi?", "Một", "Hai", "tthc", "x"]], header=header), file_name="q.xlsx"
    )
    (only,) = parsed.rows
    assert (only.text, only.options, only.correct, only.topic) == (
        "Câu hỏi?",
        ["Một", "Hai"],
        [False, True],
        "tthc",
    )
    assert messages(parsed.warnings) == [
        "Row 1, column F (Ghi chú): This column is not part of the template and is ignored."
    ]


def test_it_refuses_a_sheet_without_the_required_columns():
    parsed = importers.read_file(
        content=xlsx_bytes([["x", "y"]], header=["Nội dung câu hỏi", "Phương án A"]), file_name="q.xlsx"
    )
    assert messages(parsed.errors) == ["The header has no column “Phương án B”; start from the template."]
    parsed = importers.read_file(content=xlsx_bytes([["x", "y"]], header=["Foo", "Bar"]), file_name="q.xlsx")
    assert "No header row found" in messages(parsed.errors)[0]


def test_formula_cells_are_read_as_their_text_never_calculated():
    parsed = read("formulas.xlsx")
    hyperlink, signs = parsed.rows
    assert hyperlink.text == '=HYPERLINK("http://evil.example/","Bấm vào đây")'
    assert hyperlink.options == ["=1+1", "2"]
    assert messages(hyperlink.warnings) == [
        "Row 2, column A (Nội dung câu hỏi): The cell holds a formula; its text "
        '“=HYPERLINK("http://evil.example/","Bấm vào đây")” is imported as written, never calculated.',
        "Row 2, column C (Phương án A): The cell holds a formula; its text “=1+1” is imported as written, never calculated.",
    ]
    # Text that starts like a formula stays text; a number cell becomes its digits.
    assert signs.options == ["-5", "+5", "@SUM(A1)"]


def test_error_and_date_cells_are_reported():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(row(a="#REF!", b="x"))
    sheet["C2"].data_type = "e"
    sheet.append(row())
    sheet["C3"].value = __import__("datetime").date(2021, 7, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = importers.read_file(content=buffer.getvalue(), file_name="q.xlsx")
    assert messages(parsed.rows[0].errors) == [
        "Row 2, column C (Phương án A): The cell shows a spreadsheet error (#REF!); type the text instead."
    ]
    assert parsed.rows[1].options[0] == "01/07/2021"
    assert "holds a date" in messages(parsed.rows[1].warnings)[0]


def test_a_text_file_named_xlsx_gets_a_clear_error():
    parsed = read("text_renamed.xlsx")
    assert parsed.rows == []
    assert messages(parsed.errors) == [
        "This file is not an Excel workbook (.xlsx) although its name says so: it is a text file. "
        "If it is a CSV, Aiken or GIFT file, give it a .csv or .txt name."
    ]


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel 97–2003 (.xls)"),
        (bytes(range(256)) * 4, "not an Excel workbook"),
        (b"PK\x03\x04" + b"\x00" * 100, "not an Excel workbook"),
    ],
)
def test_it_refuses_files_that_are_not_workbooks(content, fragment):
    parsed = importers.read_file(content=content, file_name="q.xlsx")
    assert fragment in messages(parsed.errors)[0] and parsed.rows == []


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    parsed = importers.read_file(content=buffer.getvalue(), file_name="q.xlsx")
    assert messages(parsed.errors) == ["The Excel file could not be read; save it again as .xlsx and retry."]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(importers.common, "MAX_UNPACKED_BYTES", 10_000)
    parsed = read("good.xlsx")
    assert messages(parsed.errors) == [
        "The Excel file is too large once unpacked; split it into several files."
    ]


def test_it_refuses_more_than_the_row_limit(monkeypatch):
    monkeypatch.setattr(importers.common, "MAX_ROWS", 3)
    parsed = importers.read_file(
        content=xlsx_bytes([row(text=f"Câu {n}?") for n in range(4)]), file_name="q.xlsx"
    )
    assert messages(parsed.errors) == ["The file has more than 3 questions; split it into several files."]
    assert parsed.rows == []
    parsed = importers.read_file(
        content=xlsx_bytes([row(text=f"Câu {n}?") for n in range(3)]), file_name="q.xlsx"
    )
    assert parsed.errors == [] and len(parsed.rows) == 3


def test_a_huge_declared_dimension_is_refused_before_reading_rows(monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.cell(row=9000, column=1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    seen = []
    monkeypatch.setattr(xlsx.Workbook, "rows", lambda self, path, max_columns: seen.append(path) or iter(()))
    parsed = importers.read_file(content=buffer.getvalue(), file_name="q.xlsx")
    assert messages(parsed.errors) == ["The file has more than 5000 questions; split it into several files."]
    assert seen == []


def test_a_lying_dimension_does_not_hide_rows():
    """A workbook that declares A1:N2 but holds more rows: every row is read."""
    content = xlsx_bytes([row(text=f"Câu {n}?") for n in range(5)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, replaced = re.subn(rb'<dimension ref="A1:N6"\s*/>', b'<dimension ref="A1:N2"/>', data)
                assert replaced == 1
            target.writestr(item, data)
    parsed = importers.read_file(content=buffer.getvalue(), file_name="q.xlsx")
    assert len(parsed.rows) == 5


def test_an_oversized_file_is_refused_before_parsing():
    parsed = importers.read_file(content=b"x" * (importers.common.MAX_BYTES + 1), file_name="q.xlsx")
    assert messages(parsed.errors) == ["The file is larger than 10 MB."]


def test_decomposed_vietnamese_is_normalised_to_nfc():
    parsed = read("nfd.csv")
    (only,) = parsed.rows
    assert unicodedata.is_normalized("NFC", only.text)
    assert only.text == "Bộ phận Một cửa cấp tỉnh được tổ chức tại cơ quan nào?"
    assert (
        only.kind == "single" and only.difficulty == "medium"
    )  # "Một đáp án", "Trung bình" matched after NFC


def test_an_exported_apostrophe_guard_is_removed_once():
    parsed = importers.read_file(
        content=xlsx_bytes([row(text="'=A1 là gì?", a="'-5", b="''quoted", c="'plain")]), file_name="q.xlsx"
    )
    (only,) = parsed.rows
    assert only.text == "=A1 là gì?" and only.options == ["-5", "'quoted", "'plain"]


def test_control_characters_are_dropped_and_html_is_kept_as_text():
    content = ",".join(HEADER) + "\nCâu\x07\x1b <script>alert(1)</script>?,,A,B,,,,,A,tthc,,,,\n"
    parsed = importers.read_file(content=content.encode(), file_name="q.csv")
    assert parsed.rows[0].text == "Câu <script>alert(1)</script>?"


# --- csv ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["good.csv", "good_bom_semicolon.csv"])
def test_it_reads_csv_with_or_without_bom_and_either_delimiter(name):
    parsed = read(name)
    assert parsed.errors == []
    assert [r.text for r in parsed.rows] == [r.text for r in read("good.xlsx").rows]
    assert [r.correct for r in parsed.rows] == [r.correct for r in read("good.xlsx").rows]
    assert parsed.rows[0].text.startswith("Bộ phận") and "\ufeff" not in parsed.rows[0].place("text").label


def test_a_csv_that_is_not_utf8_gets_a_clear_error():
    parsed = read("windows1258.csv")
    assert messages(parsed.errors) == [
        "The file is not UTF-8 text. In Excel use “Save as” → “CSV UTF-8 (comma delimited)”, or upload the .xlsx file."
    ]


def test_a_utf16_csv_with_bom_is_read():
    content = "\ufeff" + (FIXTURES / "good.csv").read_text(encoding="utf-8")
    parsed = importers.read_file(content=content.encode("utf-16-le"), file_name="q.csv")
    assert parsed.errors == [] and len(parsed.rows) == 4


def test_csv_cells_that_look_like_formulas_stay_text():
    content = ",".join(HEADER) + "\n" + "\"=cmd|'/C calc'!A0\",,@x,+1,,,,,A,tthc,,,,\n"
    parsed = importers.read_file(content=content.encode(), file_name="q.csv")
    assert parsed.rows[0].text == "=cmd|'/C calc'!A0" and parsed.rows[0].options == ["@x", "+1"]


def test_a_csv_with_multiline_cells_keeps_the_row_number():
    content = (
        ",".join(HEADER) + '\n"Dòng một\nDòng hai",,A1,B1,,,,,A,tthc,,,,\nCâu hai,,A2,B2,,,,,Z,tthc,,,,\n'
    )
    parsed = importers.read_file(content=content.encode(), file_name="q.csv")
    assert parsed.rows[0].text == "Dòng một\nDòng hai"
    assert messages(parsed.rows[1].errors)[0].startswith("Row 3, column I (Đáp án đúng)")


# --- Aiken ----------------------------------------------------------------------------------


def test_it_reads_aiken():
    parsed = read("good_aiken.txt")
    assert parsed.file_format == "aiken" and parsed.errors == []
    first, second = parsed.rows
    assert first.options == ["Sở Tư pháp", "Sở Nội vụ", "Sở Tài chính"] and first.correct == [
        False,
        True,
        False,
    ]
    assert first.topic == "" and first.kind == "single" and second.line == 7


def test_bad_aiken_names_the_lines():
    parsed = read("bad_aiken.txt")
    assert [messages(r.errors) for r in parsed.rows] == [
        ["Line 1 (answer): The question has no “ANSWER:” line after its options."],
        ["Line 8 (answer): The answer E is not one of the options."],
    ]


def test_aiken_refuses_several_letters():
    parsed = importers.read_file(content="Câu?\nA. x\nB. y\nANSWER: A, B\n".encode(), file_name="q.aiken.txt")
    assert "must be followed by one option letter" in messages(parsed.rows[0].errors)[0]


def test_binary_garbage_named_txt_gets_a_clear_error():
    parsed = read("binary.txt")
    assert messages(parsed.errors) == ["The file is not a text file (it contains binary data)."]


def test_a_txt_that_is_neither_aiken_nor_gift_is_read_as_aiken_and_fails_clearly():
    parsed = importers.read_file(content=b"Just some notes\nwithout questions\n", file_name="notes.txt")
    assert parsed.file_format == "aiken"
    assert messages(parsed.rows[0].errors) == [
        "Line 1 (answer): The question has no “ANSWER:” line after its options."
    ]


# --- GIFT -----------------------------------------------------------------------------------


def test_it_reads_gift():
    parsed = read("good_gift.txt")
    assert parsed.file_format == "gift" and parsed.errors == []
    single, true_false, multiple, escaped = parsed.rows
    assert single.text == "Cơ chế một cửa áp dụng tại đâu\\?"  # "\?" is not a GIFT escape: kept
    assert single.topic == "tthc" and single.difficulty == "easy" and single.tags == ["một cửa"]
    assert single.legal_basis == "Nghị định 61/2018/NĐ-CP"
    assert (
        single.correct == [True, False, False]
        and single.explanation == "Xem Điều 3 Nghị định 61: phạm vi áp dụng."
    )
    assert true_false.topic == "cong-vu" and true_false.kind == "truefalse"
    assert true_false.options == ["Đúng", "Sai"] and true_false.correct == [True, False]
    assert multiple.kind == "multiple" and multiple.correct == [True, True, False]
    assert escaped.topic == "tthc-dvc"  # a [topic:…] comment beats the category
    assert escaped.text == "Ký tự đặc biệt { } = ~ # được giữ nguyên?" and escaped.options == ["Có", "Không"]


def test_bad_gift_names_the_lines_and_the_unsupported_kinds():
    parsed = read("bad_gift.txt")
    assert [messages(r.errors) for r in parsed.rows] == [
        [
            "Line 3 (options): An essay question (empty answers) cannot be imported. "
            "Only multiple-choice and true/false questions can be imported."
        ],
        [
            "Line 5 (options): A short-answer question (only “=” answers) cannot be imported. "
            "Only multiple-choice and true/false questions can be imported."
        ],
        ["Line 7 (question text): A “{” has no matching “}” (write \\{ or \\} for a literal brace)."],
        [],
    ]
    assert parsed.rows[3].topic == "khong-co-chu-de"


@pytest.mark.parametrize(
    "answers, fragment",
    [("{#1822:5}", "A numerical question"), ("{=Canada -> Ottawa =Italy -> Rome}", "A matching question")],
)
def test_other_gift_question_types_are_refused(answers, fragment):
    parsed = importers.read_file(content=f"Câu? {answers}\n".encode(), file_name="q.gift")
    assert messages(parsed.rows[0].errors)[0].startswith(f"Line 1 (options): {fragment} cannot be imported.")


def test_gift_html_questions_from_moodle_become_text():
    content = "::Q::[html]<p>Thủ tục <b>hành chính</b> &amp; một cửa</p>{=<p>Có</p> ~Không}\n"
    parsed = importers.read_file(content=content.encode(), file_name="moodle.gift")
    (only,) = parsed.rows
    assert only.text == "Thủ tục hành chính & một cửa"
    assert "HTML formatting was removed" in messages(only.warnings)[0]
    assert only.options == ["Có", "Không"]


def test_gift_missing_word_and_per_answer_feedback():
    content = "Cơ quan {~Sở Tư pháp#sai =Sở Nội vụ#đúng} chủ trì.\n"
    parsed = importers.read_file(content=content.encode(), file_name="q.gift")
    (only,) = parsed.rows
    assert only.text == "Cơ quan _____ chủ trì." and only.options == ["Sở Tư pháp", "Sở Nội vụ"]
    assert messages(only.warnings) == ["Line 1 (options): Feedback on answers is not kept."]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.xlsx", "xlsx"),
        ("a.CSV", "csv"),
        ("a.gift", "gift"),
        ("a-gift.txt", "gift"),
        ("a.txt", "aiken"),
        ("a.docx", ""),
        ("a.xls", ""),
    ],
)
def test_it_detects_the_format(name, expected):
    content = b"Q {=a ~b}" if "gift" in name else b"Q\nA. a\nB. b\nANSWER: A\n"
    assert importers.detect_format(name, content) == expected


def test_an_unsupported_extension_gets_a_clear_error():
    assert messages(importers.read_file(content=b"x", file_name="cau-hoi.xls").errors) == [
        "Old Excel files (.xls) are not supported; open the file in Excel and save it as .xlsx."
    ]
    assert "Unsupported file type" in messages(importers.read_file(content=b"x", file_name="a.pdf").errors)[0]


def excel_like_workbook(sheet_rows, *, shared=(), styles="", dimension="A1:N3"):
    """A minimal .xlsx written the way Excel writes it (shared strings, styles, shared formulas)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Hướng dẫn" sheetId="1" r:id="rId2"/><sheet name="Câu hỏi" sheetId="2" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{main}">' + "".join(shared) + "</sst>",
        "xl/styles.xml": f'<styleSheet xmlns="{main}">{styles}</styleSheet>',
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><dimension ref="{dimension}"/><sheetData>'
            + "".join(sheet_rows)
            + "</sheetData></worksheet>"
        ),
        "xl/worksheets/sheet2.xml": f'<worksheet xmlns="{main}"><sheetData/></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_it_reads_what_excel_writes():
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{title}</t></is></c>' for i, title in enumerate(HEADER)
    )
    shared = [
        "<si><t>Câu hỏi có định dạng?</t></si>",
        # Rich text runs are joined; the phonetic guide (rPh) is not text.
        '<si><r><t>Phương án </t></r><r><rPr><b/></rPr><t xml:space="preserve">đậm</t></r><rPh><t>x</t></rPh></si>',
    ]
    styles = '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>'
    rows = [
        f'<row r="1">{header}</row>',
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" s="1"><v>44378</v></c>'
        '<c r="E2" t="b"><v>1</v></c><c r="F2"><f t="shared" ref="F2:F3" si="0">SUM(A1:B1)</f><v>3</v></c>'
        '<c r="I2" t="str"><v>A</v></c><c r="J2" t="inlineStr"><is><t>tthc</t></is></c></row>',
        # Row 3 is absent; row 4 uses the shared formula of F2 without its own text.
        '<row r="4"><c r="A4" t="inlineStr"><is><t>Câu hai?</t></is></c><c r="C4"><v>2019</v></c>'
        '<c r="D4"><v>0.5</v></c><c r="E4" t="inlineStr"><is><t>ba</t></is></c><c r="F4"><f t="shared" si="0"/><v>7</v></c><c r="I4" t="e"><v>#N/A</v></c></row>',
    ]
    parsed = importers.read_file(
        content=excel_like_workbook(rows, shared=shared, styles=styles, dimension="A1:N4"), file_name="q.xlsx"
    )
    assert parsed.errors == []
    first, second = parsed.rows
    assert first.text == "Câu hỏi có định dạng?" and first.line == 2
    assert first.options == ["Phương án đậm", "01/07/2021", "TRUE", "=SUM(A1:B1)"]
    assert [i.place.column for i in first.warnings] == ["D", "F"]  # the date, the formula
    assert second.line == 4 and second.options[:2] == ["2019", "0.5"]
    assert second.options[3] == "=SUM(A3:B3)"  # the shared formula, shifted: text, never a value
    assert messages(second.errors) == [
        "Row 4, column I (Đáp án đúng): The cell shows a spreadsheet error (#N/A); type the text instead."
    ]


def test_a_broken_sheet_is_refused_clearly():
    content = excel_like_workbook(['<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>'])
    parsed = importers.read_file(content=content, file_name="q.xlsx")
    assert messages(parsed.errors) == ["The Excel file could not be read; save it again as .xlsx and retry."]


def test_an_entity_expansion_bomb_is_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">'
        + "".join(
            f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
        )
        + "]>"
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    content = excel_like_workbook([])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = (laughs + f'<sst xmlns="{main}"><si><t>&lol9;</t></si></sst>').encode()
            target.writestr(item, data)
    parsed = importers.read_file(content=buffer.getvalue(), file_name="q.xlsx")
    assert messages(parsed.errors) == ["The Excel file could not be read; save it again as .xlsx and retry."]
