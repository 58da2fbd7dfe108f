"""Upload → preview → confirm pages, the template download, and who may use them."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services as account_services
from questionbank import importers
from questionbank.models import ImportBatch, Question
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "questionbank"
HEADER = [header for _key, header in importers.COLUMNS]
UPLOAD = reverse("questionbank:import-upload")


@pytest.fixture
def as_user(client):
    def login(user):
        client.login(email=user.email, password=PASSWORD)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login


def xlsx_upload(rows, name="cau-hoi.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def good_row(text="Cơ quan nào chủ trì?", correct="B", topic="tthc"):
    return [text, "", "Sở Tư pháp", "Sở Nội vụ", "", "", "", "", correct, topic, "", "", "", ""]


def post_upload(client, tree, upload, **extra):
    data = {"file": upload, "owner_agency": tree["snv"].pk, "sharing": "private", "file_format": "", **extra}
    return client.post(UPLOAD, data)


def make_batch(client, tree, rows):
    response = post_upload(client, tree, xlsx_upload(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk")


# --- upload ---------------------------------------------------------------------------------


def test_it_shows_the_upload_form(as_user, alice, tree):
    response = as_user(alice).get(UPLOAD)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert reverse("questionbank:import-template").encode() in response.content
    assert tree["snv"].name in response.content.decode()


def test_upload_creates_a_batch_and_redirects_to_the_preview(as_user, alice, tree, topics):
    client = as_user(alice)
    batch = make_batch(client, tree, [good_row()])
    assert batch.owner == alice and batch.owner_agency == tree["snv"] and batch.file_format == "xlsx"
    assert Question.objects.count() == 0


def test_an_oversized_upload_is_refused_by_the_form(as_user, alice, tree, monkeypatch):
    monkeypatch.setattr(importers.common, "MAX_BYTES", 100)
    response = post_upload(as_user(alice), tree, SimpleUploadedFile("big.csv", b"x" * 101))
    assert response.status_code == 200
    assert "The file is larger than" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_an_unsupported_upload_is_refused_by_the_form(as_user, alice, tree):
    response = post_upload(as_user(alice), tree, SimpleUploadedFile("cau-hoi.docx", b"PK\x03\x04"))
    assert "Unsupported file type" in response.content.decode() and ImportBatch.objects.count() == 0


def test_an_agency_outside_the_users_reach_is_not_a_choice(as_user, alice, tree):
    response = post_upload(as_user(alice), tree, xlsx_upload([good_row()]), owner_agency=tree["district"].pk)
    assert response.status_code == 200 and ImportBatch.objects.count() == 0
    assert "Select a valid choice" in response.content.decode()


# --- preview and confirm ------------------------------------------------------------------------


def test_the_preview_lists_errors_with_row_and_column_and_offers_no_confirm(as_user, alice, tree, topics):
    client = as_user(alice)
    batch = make_batch(
        client, tree, [good_row(), good_row(text="Câu lỗi?", correct=""), good_row(text="<b>x</b>?")]
    )
    response = client.get(reverse("questionbank:import-preview", args=[batch.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No option is marked correct." in page and "I (Đáp án đúng)" in page
    assert "&lt;b&gt;x&lt;/b&gt;?" in page and "<b>x</b>?" not in page  # HTML is text
    assert reverse("questionbank:import-confirm", args=[batch.pk]) not in page


def test_confirm_is_refused_while_there_are_errors(as_user, alice, tree, topics):
    client = as_user(alice)
    batch = make_batch(client, tree, [good_row(), good_row(text="Câu lỗi?", topic="khong-co")])
    response = client.post(reverse("questionbank:import-confirm", args=[batch.pk]), follow=True)
    assert "Nothing was imported: 1 problems must be fixed first." in response.content.decode()
    assert Question.objects.count() == 0


def test_fix_and_import(as_user, alice, tree, topics):
    """The organizer's path: template, fill, upload, see the error, fix, upload again, import."""
    client = as_user(alice)
    template = client.get(reverse("questionbank:import-template"))
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = book["Câu hỏi"]
    sheet.append(good_row(text="Câu một?", correct="E"))
    sheet.append(good_row(text="Câu hai?"))

    def upload_book():
        buffer = io.BytesIO()
        book.save(buffer)
        response = post_upload(client, tree, SimpleUploadedFile("cau-hoi.xlsx", buffer.getvalue()))
        return ImportBatch.objects.latest("pk"), client.get(response["Location"]).content.decode()

    _first, page = upload_book()
    assert "The correct answer E points at an empty option." in page and "Import 2 questions" not in page
    sheet["I2"] = "A"
    batch, page = upload_book()
    assert "Import 2 questions" in page
    response = client.post(reverse("questionbank:import-confirm", args=[batch.pk]), follow=True)
    assert "2 questions were imported as drafts" in response.content.decode()
    assert sorted(Question.objects.values_list("text", "status")) == [
        ("Câu hai?", "draft"),
        ("Câu một?", "draft"),
    ]
    # A second confirm (double click, back button) imports nothing more.
    response = client.post(reverse("questionbank:import-confirm", args=[batch.pk]), follow=True)
    assert "already been imported" in response.content.decode() and Question.objects.count() == 2


def test_cancel_discards_the_batch(as_user, alice, tree, topics):
    client = as_user(alice)
    batch = make_batch(client, tree, [good_row()])
    response = client.post(reverse("questionbank:import-cancel", args=[batch.pk]))
    assert response.status_code == 302 and not ImportBatch.objects.exists()


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("import-upload", []),
        ("import-template", []),
        ("import-preview", [1]),
        ("import-confirm", [1]),
        ("import-cancel", [1]),
        ("export-xlsx", []),
        ("export-gift", []),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, name, args, db):
    url = reverse(f"questionbank:{name}", args=args)
    response = client.post(url) if name in ("import-confirm", "import-cancel") else client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("name", ["import-upload", "import-template", "export-xlsx", "export-gift"])
def test_people_without_a_bank_role_get_403(as_user, charlie, name):
    assert as_user(charlie).get(reverse(f"questionbank:{name}")).status_code == 403


def test_a_reviewer_may_not_import(as_user, rita):
    assert as_user(rita).get(UPLOAD).status_code == 403


def test_an_organizer_of_another_agency_cannot_see_or_confirm_someone_elses_batch(
    as_user, client, alice, bob, tree, topics
):
    batch = make_batch(as_user(alice), tree, [good_row()])
    client.logout()
    other = as_user(bob)
    assert other.get(reverse("questionbank:import-preview", args=[batch.pk])).status_code == 404
    assert other.post(reverse("questionbank:import-confirm", args=[batch.pk])).status_code == 404
    assert other.post(reverse("questionbank:import-cancel", args=[batch.pk])).status_code == 404
    assert Question.objects.count() == 0 and ImportBatch.objects.filter(pk=batch.pk).exists()


def test_an_uploader_who_lost_the_role_gets_403(as_user, alice, tree, topics):
    client = as_user(alice)
    batch = make_batch(client, tree, [good_row()])
    account_services.revoke_role(user=alice, agency=tree["snv"], role="organizer")
    account_services.revoke_role(user=alice, agency=tree["snv"], role="author")
    assert client.get(reverse("questionbank:import-preview", args=[batch.pk])).status_code == 403
    assert client.post(reverse("questionbank:import-confirm", args=[batch.pk])).status_code == 403
    assert Question.objects.count() == 0


@pytest.mark.parametrize(
    "name, args, method",
    [
        ("import-upload", [], "put"),
        ("import-template", [], "post"),
        ("import-preview", [1], "post"),
        ("import-confirm", [1], "get"),
        ("import-cancel", [1], "get"),
        ("export-xlsx", [], "post"),
        ("export-gift", [], "delete"),
    ],
)
def test_wrong_methods_get_405(as_user, alice, name, args, method):
    client = as_user(alice)
    assert getattr(client, method)(reverse(f"questionbank:{name}", args=args)).status_code == 405


# --- the template ------------------------------------------------------------------------------------


def test_the_template_has_the_columns_instructions_and_topic_codes(as_user, alice, topics):
    response = as_user(alice).get(reverse("questionbank:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Câu hỏi", "Hướng dẫn", "Chủ đề"]
    assert [c.value for c in book["Câu hỏi"][1]] == HEADER
    assert book["Hướng dẫn"]["A1"].value == "HƯỚNG DẪN NHẬP CÂU HỎI VÀO NGÂN HÀNG"
    assert ("tthc-mot-cua", "Cơ chế một cửa") in [
        (r[0].value, r[1].value) for r in book["Chủ đề"].iter_rows(min_row=2)
    ]
    # The empty template reads back as "no questions", not as a broken file.
    parsed = importers.read_file(content=response.content, file_name="t.xlsx")
    assert [str(e) for e in parsed.errors] == ["The file has no questions."]
