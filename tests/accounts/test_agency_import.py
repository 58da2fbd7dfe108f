import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.models import Agency
from tests.factories import make_user

pytestmark = pytest.mark.django_db

HEADER = ["Tên cơ quan", "Mã", "Mã cơ quan cấp trên", "Biên chế", "Loại"]


def xlsx(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "agencies.xlsx"
    return buffer


GOOD = [
    ["UBND tỉnh Gia Lai", "gialai", "", 0, "province"],
    ["UBND phường Quy Nhơn", "p-quynhon", "gialai", 35, "commune"],  # parent first
    ["Sở Nội vụ", "snv", "gialai", 60, "department"],
    ["Phòng CCHC", "snv-cchc", "snv", "8", ""],
]


def test_it_imports_a_tree_in_any_row_order():
    rows = [GOOD[3], GOOD[1], GOOD[2], GOOD[0]]  # children before parents
    summary = services.import_agencies(fileobj=xlsx(rows))
    assert summary.created == 4
    cchc = Agency.objects.get(code="snv-cchc")
    assert cchc.parent.code == "snv" and cchc.headcount == 8
    assert cchc.path.startswith(Agency.objects.get(code="gialai").path)


def test_it_updates_existing_agencies_by_code():
    services.import_agencies(fileobj=xlsx(GOOD))
    summary = services.import_agencies(fileobj=xlsx([["Sở Nội vụ tỉnh Gia Lai", "snv", "gialai", 70, ""]]))
    assert summary.updated == 1 and summary.created == 0
    assert Agency.objects.get(code="snv").headcount == 70


@pytest.mark.parametrize(
    "rows, fragment",
    [
        ([["A", "a", "nope", 1, ""]], "Row 6, column C"),
        ([["A", "a", "", 1, ""], ["B", "a", "", 1, ""]], "already used on row 6"),
        ([["A", "a", "", -3, ""]], "negative"),
        ([["A", "a", "b", 1, ""], ["B", "b", "a", 1, ""]], "cycle"),
        ([["A", "a", "a", 1, ""]], "its own parent"),
        ([["A", "a b", "", 1, ""]], "not a valid code"),
        ([["", "a", "", 1, ""]], "name is empty"),
        ([["A", "a", "", "many", ""]], "not a whole number"),
        ([["A", "a", "", 1, "ministry"]], "unknown kind"),
        ([], "no agency rows"),
    ],
)
def test_a_broken_file_imports_nothing(rows, fragment, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(services.AgencyImportError) as exc_info:
        services.import_agencies(fileobj=xlsx([*GOOD, *rows]) if rows else xlsx([]))
    assert any(fragment in str(e) for e in exc_info.value.errors), exc_info.value.errors
    assert Agency.objects.count() == 0


def test_every_bad_row_is_reported(settings):
    settings.LANGUAGE_CODE = "en"
    rows = [["A", "a", "", -1, ""], ["", "b", "", 1, ""], ["C", "c", "", "x", ""]]
    with pytest.raises(services.AgencyImportError) as exc_info:
        services.import_agencies(fileobj=xlsx(rows))
    text = " ".join(exc_info.value.errors)
    assert "Row 2" in text and "Row 3" in text and "Row 4" in text


def test_a_file_that_is_not_xlsx_is_refused(settings):
    settings.LANGUAGE_CODE = "en"
    fake = io.BytesIO(b"name,code\nA,a\n")
    with pytest.raises(services.AgencyImportError) as exc_info:
        services.import_agencies(fileobj=fake)
    assert "not an Excel" in exc_info.value.errors[0]


def test_a_cycle_through_existing_agencies_is_refused(settings):
    settings.LANGUAGE_CODE = "en"
    services.import_agencies(fileobj=xlsx(GOOD))
    with pytest.raises(services.AgencyImportError) as exc_info:
        services.import_agencies(fileobj=xlsx([["UBND tỉnh", "gialai", "snv-cchc", 0, ""]]))
    assert "cycle" in exc_info.value.errors[0]
    assert Agency.objects.get(code="gialai").parent is None


def test_the_command_imports_and_reports(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx(GOOD).getvalue())
    call_command("import_agencies", str(path))
    assert Agency.objects.count() == 4
    bad = tmp_path / "b.xlsx"
    bad.write_bytes(xlsx([["X", "x", "missing", 1, ""]]).getvalue())
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_agencies", str(bad))
    assert Agency.objects.count() == 4


def test_the_admin_import_page(client, tree):
    root = make_user("root@example.vn", superuser=True, complete=False)
    client.force_login(root)
    url = "/admin/accounts/agency/import/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": xlsx([["X", "x", "missing", 1, ""]])}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "missing" in response.content.decode()
    response = client.post(url, {"file": xlsx(GOOD)})
    assert response.status_code == 302
    assert Agency.objects.filter(code="p-quynhon").exists()


def test_the_admin_import_page_needs_staff(client, charlie):
    client.force_login(charlie)
    response = client.get("/admin/accounts/agency/import/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
