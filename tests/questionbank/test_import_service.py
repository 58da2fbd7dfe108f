"""The import service (questionbank.importing): checks against the database, all or nothing, bulk insert."""

import gc
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.utils import timezone, translation

from questionbank import importers, importing, services
from questionbank.models import ImportBatch, Option, Question, QuestionVersion, StatusChange, Tag
from questionbank.rules import OptionData, QuestionData

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "questionbank"
HEADER = [header for _key, header in importers.COLUMNS]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(text="Câu hỏi?", kind="", options=("Một", "Hai"), correct="A", topic="tthc", difficulty="", **extra):
    cells = list(options) + [""] * (6 - len(options))
    return [
        text,
        kind,
        *cells,
        correct,
        topic,
        difficulty,
        extra.get("explanation", ""),
        extra.get("legal_basis", ""),
        extra.get("tags", ""),
    ]


def check(content, *, agency, file_name="q.xlsx", default_topic=None):
    return importing.check_file(
        content=content, file_name=file_name, owner_agency=agency, default_topic=default_topic
    )


def run_import(content, *, actor, agency, file_name="q.xlsx", **kwargs):
    return importing.import_file(
        actor=actor, owner_agency=agency, file_name=file_name, content=content, **kwargs
    )


def errors_of(report):
    return [str(e) for e in report.errors]


# --- the happy path ---------------------------------------------------------------------------


def test_it_imports_the_template_rows_as_drafts(alice, tree, topics):
    report = run_import(
        (FIXTURES / "good.xlsx").read_bytes(),
        actor=alice,
        agency=tree["snv"],
        default_topic=topics["tthc"],
        sharing=Question.Sharing.SHARED,
    )
    assert report.total == 4
    questions = list(Question.objects.order_by("pk"))
    assert [q.topic.code for q in questions] == [
        "tthc-mot-cua",
        "tthc-dvc",
        "cong-vu",
        "tthc",
    ]  # last: default
    for question in questions:
        assert question.status == Question.Status.DRAFT and question.author == alice
        assert question.owner_agency == tree["snv"] and question.sharing == Question.Sharing.SHARED
        assert question.current_version.number == 1 and question.current_version.created_by == alice
        assert question.status_changes.get().to_status == Question.Status.DRAFT
    first = questions[0]
    options = list(first.current_version.options.order_by("position"))
    assert [(o.position, o.text, o.is_correct) for o in options][:2] == [
        (1, "Văn phòng UBND tỉnh", True),
        (2, "Sở Nội vụ", False),
    ]
    assert sorted(first.tags.values_list("name", flat=True)) == ["Nghị định 61", "một cửa"]
    assert "mot cua" in first.search_text and "nghi dinh 61/2018" in first.search_text
    assert questions[1].kind == "multiple" and questions[2].kind == "truefalse"


def test_the_bulk_insert_writes_what_create_question_writes(alice, tree, topics):
    data = QuestionData(
        kind="multiple",
        text="Những  kênh nào nộp hồ sơ?",
        options=[OptionData("Trực tiếp", True), OptionData("Bưu chính", True), OptionData("Fax")],
        difficulty="hard",
        explanation="Giải thích.",
        legal_basis="Điều 9",
        tags=["một cửa", "kênh"],
    )
    by_service = services.create_question(
        actor=alice, owner_agency=tree["snv"], topic=topics["dvc"], data=data, check_permission=False
    )
    content = xlsx_bytes(
        [
            row(
                text="Những kênh nào nộp hồ sơ (nhập)?",
                kind="multiple",
                options=("Trực tiếp", "Bưu chính", "Fax"),
                correct="A,B",
                topic="tthc-dvc",
                difficulty="hard",
                explanation="Giải thích.",
                legal_basis="Điều 9",
                tags="một cửa; kênh",
            )
        ]
    )
    run_import(content, actor=alice, agency=tree["snv"])
    imported = Question.objects.exclude(pk=by_service.pk).get()

    def shape(question):
        version = question.current_version
        return {
            "kind": question.kind,
            "difficulty": question.difficulty,
            "status": question.status,
            "sharing": question.sharing,
            "topic": question.topic_id,
            "author": question.author_id,
            "version": (
                version.number,
                version.kind,
                version.explanation,
                version.legal_basis,
                version.created_by_id,
            ),
            "options": [(o.position, o.text, o.is_correct) for o in version.options.order_by("position")],
            "tags": sorted(question.tags.values_list("name", flat=True)),
            "changes": list(question.status_changes.values_list("from_status", "to_status", "actor")),
            "search_text": question.search_text.replace(" (nhap)", ""),
        }

    assert shape(imported) == shape(by_service)
    assert Tag.objects.count() == 2  # existing tags were reused


def test_tags_that_differ_only_by_case_reuse_the_existing_tag(alice, tree, topics):
    Tag.objects.create(name="Một cửa")
    run_import(xlsx_bytes([row(tags="một cửa; MỘT CỬA; mới")]), actor=alice, agency=tree["snv"])
    question = Question.objects.get()
    assert sorted(question.tags.values_list("name", flat=True)) == ["Một cửa", "mới"]
    assert Tag.objects.count() == 2


@pytest.mark.parametrize(
    "name, default",
    [
        ("good_aiken.txt", True),
        ("good_gift.txt", False),
        ("good.csv", True),
        ("good_bom_semicolon.csv", True),
    ],
)
def test_it_imports_every_format(name, default, alice, tree, topics):
    report = run_import(
        (FIXTURES / name).read_bytes(),
        actor=alice,
        agency=tree["snv"],
        file_name=name,
        default_topic=topics["cong_vu"] if default else None,
    )
    assert Question.objects.count() == report.total > 0


def test_aiken_questions_take_the_default_topic(alice, tree, topics):
    run_import(
        (FIXTURES / "good_aiken.txt").read_bytes(),
        actor=alice,
        agency=tree["snv"],
        file_name="good_aiken.txt",
        default_topic=topics["cong_vu"],
    )
    assert set(Question.objects.values_list("topic__code", flat=True)) == {"cong-vu"}


def test_a_gift_category_may_name_a_topic_by_name(alice, tree, topics):
    content = "$CATEGORY: $course$/top/Cải cách chế độ công vụ\n\nCâu? {=a ~b}\n".encode()
    run_import(content, actor=alice, agency=tree["snv"], file_name="q.gift")
    assert Question.objects.get().topic == topics["cong_vu"]


# --- all or nothing -------------------------------------------------------------------------------


def test_one_bad_row_imports_nothing(alice, tree, topics):
    with pytest.raises(importing.ImportFileError) as caught:
        run_import(
            (FIXTURES / "one_bad_row.xlsx").read_bytes(),
            actor=alice,
            agency=tree["snv"],
            default_topic=topics["tthc"],
        )
    assert [str(i) for i in caught.value.issues] == [
        "Row 4, column I (Đáp án đúng): 2 options are marked correct; a single-choice question has exactly one."
    ]
    assert Question.objects.count() == QuestionVersion.objects.count() == Option.objects.count() == 0
    assert StatusChange.objects.count() == Tag.objects.count() == 0


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        (row(correct=""), "Row 3, column I (Đáp án đúng): No option is marked correct."),
        (
            row(correct="G"),  # said once: not also "no option is marked correct"
            "Row 3, column I (Đáp án đúng): “G” is not an option letter (use A to F, several separated by commas).",
        ),
        (row(text=""), "Row 3, column A (Nội dung câu hỏi): The question text is empty."),
        (row(topic="khong-co"), "Row 3, column J (Mã chủ đề): Unknown topic “khong-co”."),
        (
            row(difficulty="rất khó"),
            "Row 3, column K (Mức độ): Unknown difficulty “rất khó” (use easy, medium or hard).",
        ),
        (row(kind="tự luận"), "Row 3, column B (Loại câu hỏi): Unknown question kind “tự luận”."),
        (
            row(text="x" * 2001),
            "Row 3, column A (Nội dung câu hỏi): The question text is longer than 2000 characters.",
        ),
        (
            row(options=("Một", "y" * 1001)),
            "Row 3, column D (Phương án B): Option 2 is longer than 1000 characters.",
        ),
        (row(options=("Một",)), "Row 3, column C (Phương án A): A question needs at least 2 options."),
        (row(options=("Một", "một")), "Row 3, column C (Phương án A): Two options have the same text."),
        (
            row(kind="Đúng/Sai", options=("Đúng", "Sai", "Chưa rõ")),
            "Row 3, column C (Phương án A): A true/false question has exactly two options.",
        ),
        (
            row(legal_basis="z" * 301),
            "Row 3, column M (Căn cứ pháp lý): The legal basis is longer than 300 characters.",
        ),
        (row(text="Câu hỏi tốt?"), "Row 3, column A (Nội dung câu hỏi): The same question as row 2."),
    ],
)
def test_every_problem_names_row_column_and_reason(bad_row, expected, alice, tree, topics):
    content = xlsx_bytes([row(text="Câu hỏi tốt?"), bad_row])
    report = check(content, agency=tree["snv"])
    assert errors_of(report) == [expected]
    with pytest.raises(importing.ImportFileError):
        run_import(content, actor=alice, agency=tree["snv"])
    assert Question.objects.count() == 0


def test_too_many_options_in_a_text_format(alice, tree, topics):
    content = "Câu?\n" + "".join(f"{letter}. {letter.lower()}\n" for letter in "ABCDEFG") + "ANSWER: A\n"
    report = check(content.encode(), agency=tree["snv"], file_name="q.txt", default_topic=topics["tthc"])
    assert errors_of(report) == ["Line 2 (option A): A question has at most 6 options."]


def test_a_row_without_topic_needs_a_default_topic(alice, tree, topics):
    report = check(xlsx_bytes([row(topic="")]), agency=tree["snv"])
    assert errors_of(report) == [
        "Row 2, column J (Mã chủ đề): No topic: fill in the topic code, or choose a default topic when uploading."
    ]
    assert check(xlsx_bytes([row(topic="")]), agency=tree["snv"], default_topic=topics["tthc"]).ok


def test_every_bad_row_is_reported_not_only_the_first(alice, tree, topics):
    report = check(
        xlsx_bytes([row(correct=""), row(text="Khác?", topic="?"), row(text="")]), agency=tree["snv"]
    )
    assert [i.place.line for i in report.errors] == [2, 3, 4]


# --- duplicates ----------------------------------------------------------------------------------


DUPLICATE = "Row 2, column A (Nội dung câu hỏi): A question with the same text is already in the bank"


@pytest.mark.parametrize(
    "owner, sharing, status, duplicate",
    [
        ("snv", "private", "draft", True),  # own agency
        ("snv_unit", "private", "approved", True),  # a sub-agency
        ("province", "private", "draft", True),  # an ancestor
        ("district", "shared", "approved", True),  # shared by anyone
        ("district", "private", "approved", False),  # a sibling's private question
        ("snv", "private", "retired", False),  # retired questions do not count
    ],
)
def test_duplicates_follow_the_owner_scope(owner, sharing, status, duplicate, tree, topics, make_question):
    make_question("Cơ quan nào tiếp nhận hồ sơ?", owner=tree[owner], sharing=sharing, status=status)
    # Case, spacing, punctuation and Unicode form do not make a question new.
    report = check(xlsx_bytes([row(text="cơ quan NÀO  tiếp nhận hồ sơ")]), agency=tree["snv"])
    assert any(e.startswith(DUPLICATE) for e in errors_of(report)) is duplicate


def test_within_file_duplicates_name_the_first_line_in_text_formats(tree, topics):
    content = "Câu một?\nA. a\nB. b\nANSWER: A\n\nCÂU MỘT\nA. a\nB. b\nANSWER: B\n".encode()
    report = check(content, agency=tree["snv"], file_name="q.txt", default_topic=topics["tthc"])
    assert errors_of(report) == ["Line 6 (question text): The same question as on line 1."]


# --- cost -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 300])
def test_the_import_runs_a_bounded_number_of_queries(
    count, alice, tree, topics, django_assert_max_num_queries
):
    content = xlsx_bytes([row(text=f"Câu hỏi số {n}?", tags=f"thẻ {n % 7}; chung") for n in range(count)])
    # SQLite caps parameters per statement, so inserts go in batches: the bound grows
    # with count / batch size, never with count (create_question per row would be ~10 × count).
    with django_assert_max_num_queries(40):
        run_import(content, actor=alice, agency=tree["snv"])
    assert Question.objects.count() == count
    assert Question.objects.filter(current_version__isnull=True).count() == 0


# --- permissions and the two-step batch ----------------------------------------------------------------


def test_only_authors_of_the_agency_may_import(bob, charlie, tree, topics):
    for person in (bob, charlie):
        with pytest.raises(services.PermissionDenied):
            run_import(xlsx_bytes([row()]), actor=person, agency=tree["snv"])
        with pytest.raises(services.PermissionDenied):
            importing.create_batch(actor=person, owner_agency=tree["snv"], file_name="q.xlsx", content=b"x")
    assert Question.objects.count() == ImportBatch.objects.count() == 0


def test_dry_run_writes_nothing(alice, tree, topics):
    report = run_import(xlsx_bytes([row()]), actor=alice, agency=tree["snv"], dry_run=True)
    assert report.ok and Question.objects.count() == 0


def test_a_batch_is_previewed_confirmed_once_and_emptied(alice, tree, topics):
    batch = importing.create_batch(
        actor=alice,
        owner_agency=tree["snv"],
        file_name="q.xlsx",
        content=xlsx_bytes([row(), row(text="Hai?")]),
    )
    assert batch.file_format == "xlsx"
    assert importing.preview_batch(batch=batch).total == 2 and Question.objects.count() == 0
    assert importing.confirm_batch(actor=alice, batch=batch) == 2
    batch.refresh_from_db()
    assert batch.imported_count == 2 and batch.imported_at is not None and bytes(batch.content) == b""
    with pytest.raises(importing.ImportFileError, match="already been imported"):
        importing.confirm_batch(actor=alice, batch=batch)
    assert Question.objects.count() == 2


def test_confirm_rechecks_against_the_bank_as_it_is_now(alice, tree, topics, make_question):
    batch = importing.create_batch(
        actor=alice, owner_agency=tree["snv"], file_name="q.xlsx", content=xlsx_bytes([row(text="Mới?")])
    )
    make_question("Mới?")  # someone added the same question meanwhile
    with pytest.raises(importing.ImportFileError):
        importing.confirm_batch(actor=alice, batch=batch)
    assert Question.objects.count() == 1
    assert ImportBatch.objects.get().imported_at is None


def test_someone_else_cannot_confirm_or_cancel_a_batch(alice, bob, tree, topics):
    batch = importing.create_batch(
        actor=alice, owner_agency=tree["snv"], file_name="q.xlsx", content=xlsx_bytes([row()])
    )
    with pytest.raises(services.PermissionDenied):
        importing.confirm_batch(actor=bob, batch=batch)
    with pytest.raises(services.PermissionDenied):
        importing.cancel_batch(actor=bob, batch=batch)
    assert Question.objects.count() == 0 and ImportBatch.objects.count() == 1


def test_the_upload_refuses_oversized_and_unknown_files(alice, tree):
    with pytest.raises(importing.ImportFileError, match="larger than 10 MB"):
        importing.create_batch(
            actor=alice,
            owner_agency=tree["snv"],
            file_name="q.xlsx",
            content=b"x" * (importers.common.MAX_BYTES + 1),
        )
    with pytest.raises(importing.ImportFileError, match="Unsupported file type"):
        importing.create_batch(actor=alice, owner_agency=tree["snv"], file_name="q.docx", content=b"x")


def test_abandoned_batches_are_deleted_after_a_day(alice, tree):
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        old = importing.create_batch(actor=alice, owner_agency=tree["snv"], file_name="q.txt", content=b"Q")
        done = importing.create_batch(actor=alice, owner_agency=tree["snv"], file_name="q.txt", content=b"Q")
        ImportBatch.objects.filter(pk=done.pk).update(imported_at=timezone.now())
    with time_machine.travel(timezone.now() - timedelta(hours=2), tick=False):
        recent = importing.create_batch(
            actor=alice, owner_agency=tree["snv"], file_name="q.txt", content=b"Q"
        )
    importing.create_batch(actor=alice, owner_agency=tree["snv"], file_name="q.txt", content=b"Q")
    remaining = set(ImportBatch.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and {done.pk, recent.pk} <= remaining


def test_the_collector_pause_is_undone_even_on_errors(alice, tree, topics):
    assert gc.isenabled()
    with pytest.raises(importing.ImportFileError):
        run_import(xlsx_bytes([row(correct="")]), actor=alice, agency=tree["snv"])
    assert gc.isenabled()
    gc.disable()
    try:
        check(xlsx_bytes([row()]), agency=tree["snv"])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
