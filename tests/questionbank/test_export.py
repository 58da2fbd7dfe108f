"""Export to .xlsx and GIFT, and the round trip back through the import."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from questionbank import exporters, importers, importing
from questionbank.models import Question
from questionbank.rules import OptionData
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.login(email=user.email, password=PASSWORD)
        return client

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login


@pytest.fixture
def bank(make_question, topics):
    """Questions that exercise everything a file format could get wrong."""
    return [
        make_question(
            '=HYPERLINK("http://evil.example";"bấm") có phải công thức?',
            options=[
                OptionData("+84 912 345 678", True),
                OptionData("-5"),
                OptionData("@SUM(A1)"),
                OptionData("'trích'"),
            ],
            explanation="Dòng một\nDòng hai: {ngoặc} = ~ # \\ gạch",
            legal_basis="Điều 5 [sửa đổi] Nghị định 61/2018/NĐ-CP",
            tags=["một cửa", "Công thức"],
        ),
        make_question(
            "Những kênh nào nộp hồ sơ trực tuyến?",
            kind="multiple",
            options=[
                OptionData("Cổng DVC quốc gia", True),
                OptionData("Cổng DVC tỉnh", True),
                OptionData("Zalo"),
            ],
            difficulty="hard",
            topic=topics["dvc"],
            explanation="",
            legal_basis="",
            tags=[],
        ),
        make_question(
            "Công chức phải đeo thẻ khi thi hành công vụ.",
            kind="truefalse",
            options=[OptionData("Đúng", True), OptionData("Sai")],
            difficulty="easy",
            topic=topics["cong_vu"],
        ),
        make_question(
            "'Quy chế' văn hóa công sở có bắt buộc?",
            kind="truefalse",
            options=[OptionData("Có"), OptionData("Không", True)],
            topic=topics["cong_vu"],
        ),
        make_question(
            "<script>alert(1)</script> // không phải chú thích :: {x}",
            options=[
                OptionData("%50% ngân sách", False),
                OptionData("100%", True),
                OptionData("[html]<b>đậm</b>"),
            ],
        ),
        make_question(
            "[html]Bắt đầu như định dạng?",
            options=[OptionData("A", True), OptionData("B")],
            explanation="####không phải phản hồi chung",
        ),
    ]


def shape(question):
    version = question.current_version
    return (
        version.text,
        version.kind,
        [(o.text, o.is_correct) for o in version.options.order_by("position")],
        version.explanation,
        version.legal_basis,
        question.difficulty,
        question.topic.code,
        sorted(question.tags.values_list("name", flat=True)),
    )


@pytest.mark.parametrize(
    "url_name, file_name", [("export-xlsx", "export.xlsx"), ("export-gift", "export-gift.txt")]
)
def test_export_then_import_gives_identical_questions(url_name, file_name, as_user, alice, bob, tree, bank):
    response = as_user(alice).get(reverse(f"questionbank:{url_name}"))
    assert response.status_code == 200
    originals = sorted(shape(q) for q in Question.objects.all())
    # Imported by an organizer of a sibling branch, whose scope does not hold the originals.
    report = importing.import_file(
        actor=bob, owner_agency=tree["district"], file_name=file_name, content=response.content
    )
    assert report.errors == []
    copies = sorted(shape(q) for q in Question.objects.filter(owner_agency=tree["district"]))
    assert copies == originals and len(copies) == len(bank)


def test_the_exported_workbook_neutralises_formula_like_cells(as_user, alice, bank):
    response = as_user(alice).get(reverse("questionbank:export-xlsx"))
    assert response["Content-Disposition"].startswith('attachment; filename="cau-hoi-')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Câu hỏi"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    hostile = next(r for text, r in rows.items() if "HYPERLINK" in text)
    assert hostile[0].value.startswith("'=HYPERLINK") and hostile[0].data_type == "s"
    assert [c.value for c in hostile[2:6]] == ["'+84 912 345 678", "'-5", "'@SUM(A1)", "''trích'"]
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert hostile[8].value == "A" and hostile[13].value == "Công thức; một cửa"


def test_a_tag_holding_the_separator_is_split_on_the_way_back(make_question):
    """ ";" separates tags in a cell (the documented rule): the one thing a round trip can change."""
    question = make_question("Thẻ có dấu chấm phẩy?", tags=["Công thức; thử"])
    rows = exporters.export_rows(Question.objects.filter(pk=question.pk))
    parsed = importers.read_file(content=exporters.workbook_bytes(rows=rows), file_name="x.xlsx")
    assert parsed.rows[0].tags == ["Công thức", "thử"]


def test_the_gift_export_is_moodle_gift(as_user, alice, bank):
    response = as_user(alice).get(reverse("questionbank:export-gift"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "$CATEGORY: tthc-mot-cua" in text and "$CATEGORY: cong-vu" in text
    assert (
        "Công chức phải đeo thẻ khi thi hành công vụ. {TRUE####Bộ phận Một cửa tiếp nhận và trả kết quả.}"
        in text
    )
    assert "\t~%50%Cổng DVC quốc gia\n\t~%50%Cổng DVC tỉnh\n\t~%-100%Zalo\n" in text
    assert "####Dòng một\\nDòng hai\\: \\{ngoặc\\} \\= \\~ \\# \\\\ gạch" in text
    assert "// [difficulty:medium] [tag:Công thức] [tag:một cửa] [legal:Điều 5 [sửa đổi\\] Nghị định" in text
    assert "[plain][html]Bắt đầu như định dạng?" in text
    assert "\t~%0%%50% ngân sách\n" in text


def test_exports_follow_the_list_filters(as_user, alice, bank, topics):
    client = as_user(alice)
    response = client.get(reverse("questionbank:export-xlsx"), {"difficulty": "hard"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [r[0].value for r in book["Câu hỏi"].iter_rows(min_row=2)] == [
        "Những kênh nào nộp hồ sơ trực tuyến?"
    ]
    response = client.get(reverse("questionbank:export-gift"), {"topic": topics["cong_vu"].pk, "q": "the"})
    text = response.content.decode()
    assert "đeo thẻ" in text and "Những kênh" not in text and "Quy chế" not in text


def test_exports_hold_only_questions_the_user_may_read(as_user, bob, bank, make_question, tree):
    make_question("Câu hỏi dùng chung?", sharing=Question.Sharing.SHARED)
    response = as_user(bob).get(reverse("questionbank:export-gift"))
    text = response.content.decode()
    assert "Câu hỏi dùng chung?" in text and "đeo thẻ" not in text


def test_the_export_runs_a_fixed_number_of_queries(
    as_user, alice, bank, make_question, django_assert_max_num_queries
):
    client = as_user(alice)
    client.get(reverse("questionbank:export-xlsx"))  # warm the session
    for n in range(30):
        make_question(f"Câu hỏi thêm {n}?")
    with django_assert_max_num_queries(15):
        client.get(reverse("questionbank:export-xlsx"))


def test_neutralise_round_trips_every_prefix():
    for value in ["=1+1", "+1", "-1", "@x", "'x", "''x", "'=x", "x'=", "bình thường", ""]:
        assert importers.unneutralise(exporters.neutralise(value)) == value
    assert exporters.neutralise("=1+1") == "'=1+1" and exporters.neutralise("x") == "x"


def test_the_gift_header_is_translated():
    with translation.override("en"):
        assert exporters.export_header(3) == "Thi Tìm Hiểu — question bank export, 3 questions."
