"""The audit log of a contest: what the setup services, the early close and
the downloads of personal data record, and the organisers' page and xlsx."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry
from contests.models import Round
from contests.quiz import closing
from contests.setup import services, views
from contests.setup.services import ContestError, RuleData
from tests.contests.conftest import CLOSES, NOW
from tests.contests.setup.builders_org import make_round, monday
from tests.factories import PASSWORD

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def audit_url(contest, name="organize-audit"):
    return reverse(f"contests:{name}", kwargs={"contest_id": contest.pk})


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# --- what the services record -------------------------------------------------------------------


def test_building_a_contest_records_each_step(org_ready_contest):
    actions = list(
        AuditEntry.objects.filter(contest_id=org_ready_contest.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["contest.create", "block.create", "block.create", "round.create"]
    created = entries("round.create")[0]
    assert created.before is None
    assert created.after["title"] == "Tuần 1" and created.after["opens_at"] == "2021-05-03T00:00:00+07:00"
    assert created.after["draw_rules"] == ["4 × cong-vu", "6 × tthc"]
    assert created.actor is None and created.agency_id == org_ready_contest.owner_agency_id


def test_it_records_a_contest_update_with_the_changed_fields_only(org_contest, alice, tree):
    old_title = org_contest.title
    services.update_contest(actor=alice, contest=org_contest, title="Cuộc thi mới", min_age=18)
    [entry] = entries("contest.update")
    assert entry.actor == alice and entry.actor_name == alice.full_name
    assert entry.contest_id == org_contest.pk and entry.agency == tree["snv"]
    assert (entry.object_type, entry.object_id) == ("contest", str(org_contest.pk))
    assert entry.before == {"title": old_title, "min_age": None}
    assert entry.after == {"title": "Cuộc thi mới", "min_age": 18}


def test_it_records_publishing_and_closing(org_ready_contest, alice):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    [published] = entries("contest.publish")
    assert published.before == {"status": "draft", "published_at": None}
    assert published.after["status"] == "published" and published.after["published_at"]
    services.close_contest(actor=alice, contest=org_ready_contest)
    [closed] = entries("contest.close")
    assert closed.before == {"status": "published"} and closed.after == {"status": "closed"}


def test_it_records_a_round_update_with_its_draw_rules(org_ready_contest, org_bank, alice):
    round = Round.objects.get(contest=org_ready_contest)
    services.update_round(
        actor=alice,
        round=round,
        closes_at=monday(2) - timedelta(hours=1),
        draw_rules=[RuleData(topic=org_bank["tthc"], count=10)],
    )
    [entry] = entries("round.update")
    assert entry.object_id == str(round.pk) and entry.contest_id == org_ready_contest.pk
    assert entry.before == {
        "closes_at": "2021-05-09T23:59:59+07:00",
        "draw_rules": ["4 × cong-vu", "6 × tthc"],
    }
    assert entry.after == {"closes_at": "2021-05-09T23:00:00+07:00", "draw_rules": ["10 × tthc"]}
    assert "Round 1" in entry.summary


def test_a_refused_change_leaves_no_entry(org_ready_contest, alice, bob):
    round = Round.objects.get(contest=org_ready_contest)
    before = AuditEntry.objects.count()
    with pytest.raises(ContestError):  # closes before it opens
        services.update_round(actor=alice, round=round, closes_at=round.opens_at - timedelta(days=1))
    with pytest.raises(ContestError):  # not bob's contest
        services.update_contest(actor=bob, contest=org_ready_contest, title="Của Bob")
    services.publish_contest(actor=alice, contest=org_ready_contest)
    with pytest.raises(ContestError):  # the last round of a published contest
        services.delete_round(actor=alice, round=round)
    assert AuditEntry.objects.count() == before + 1  # the publication only
    assert entries("contest.publish") and not entries("round.update") and not entries("round.delete")


def test_it_records_a_block_deleted_and_a_round_deleted(org_ready_contest, org_bank, alice):
    block = org_ready_contest.blocks.get(code="nguoi-dan")
    services.delete_block(actor=alice, block=block)
    [entry] = entries("block.delete")
    assert entry.object_id == str(block.pk) and entry.summary == "Người dân"
    assert entry.before["code"] == "nguoi-dan" and entry.before["participant_kind"] == "citizen"
    assert entry.after is None
    round = make_round(org_ready_contest, number=2, rules=[RuleData(topic=org_bank["tthc"], count=10)])
    services.delete_round(actor=alice, round=round)
    [deleted] = entries("round.delete")
    assert deleted.object_id == str(round.pk) and deleted.before["number"] == 2


@time_machine.travel(NOW, tick=False)
def test_it_records_a_round_closed_early(round, alice):
    closing.close_round(actor=alice, round=round)
    [entry] = entries("round.close")
    assert entry.actor == alice and entry.contest_id == round.contest_id
    assert CLOSES.isoformat() == "2026-03-16T03:00:00+00:00"
    assert entry.before == {  # times in Vietnam time
        "closes_at": "2026-03-16T10:00:00+07:00",
        "closed_early_at": None,
        "closed_early_by": None,
    }
    assert entry.after == {
        "closes_at": "2026-03-10T10:00:00+07:00",
        "closed_early_at": "2026-03-10T10:00:00+07:00",
        "closed_early_by": alice.pk,
    }
    assert "0 attempts in progress ended" in entry.summary


@time_machine.travel(NOW, tick=False)
def test_a_refused_close_leaves_no_entry(round, alice):
    Round.objects.filter(pk=round.pk).update(opens_at=NOW + timedelta(days=1))
    round.refresh_from_db()
    with pytest.raises(ContestError):
        closing.close_round(actor=alice, round=round)
    assert not entries("round.close")


def test_downloading_members_is_recorded(client, org_ready_contest, alice, tree):
    login(client, alice)
    url = reverse(
        "contests:report-agency-members-xlsx",
        kwargs={"contest_id": org_ready_contest.pk, "agency_id": tree["snv"].pk},
    )
    assert client.get(url).status_code == 200
    [entry] = entries("export.agency_members_xlsx")
    assert entry.actor == alice and entry.contest_id == org_ready_contest.pk
    assert entry.agency == tree["snv"] and "chua-tham-gia-snv.xlsx" in entry.summary


# --- the page -------------------------------------------------------------------------------------


def test_it_shows_the_log_newest_first_with_what_changed(client, org_ready_contest, alice):
    block = org_ready_contest.blocks.get(code="cbccvc")
    services.update_block(actor=alice, block=block, name="Cán bộ")
    services.update_contest(actor=alice, contest=org_ready_contest, title="Cuộc thi mới")
    login(client, alice)
    response = client.get(audit_url(org_ready_contest))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        page.index("Contest settings changed") < page.index("Block changed") < page.index("Contest created")
    )
    assert "<del>Cuộc thi tìm hiểu CCHC 2021</del> → <ins>Cuộc thi mới</ins>" in page
    assert "<del>CBCCVC</del> → <ins>Cán bộ</ins>" in page
    assert alice.full_name in page and "the system" in page
    assert response.context["page"].paginator.count == 6


def test_it_names_related_objects_and_choices(client, org_ready_contest, alice, tree):
    block = org_ready_contest.blocks.get(code="cbccvc")
    services.update_block(actor=alice, block=block, agencies=[tree["snv"]], participant_kind="")
    login(client, alice)
    page = client.get(audit_url(org_ready_contest)).content.decode()
    assert "<del>—</del> → <ins>Sở Nội vụ</ins>" in page
    assert "<del>Officials</del> → <ins>Anyone in the audience</ins>" in page


def test_it_filters_by_kind_and_pages(client, org_ready_contest, alice, monkeypatch):
    login(client, alice)
    response = client.get(audit_url(org_ready_contest), {"kind": "block"})
    assert [e.action for e in response.context["entries"]] == ["block.create", "block.create"]
    assert [k for k, _label in response.context["kinds"]] == ["contest", "block", "round"]
    everything = client.get(audit_url(org_ready_contest), {"kind": "nonsense"})
    assert len(everything.context["entries"]) == 4
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 3)
    second = client.get(audit_url(org_ready_contest), {"page": 2})
    assert [e.action for e in second.context["entries"]] == ["contest.create"]


def test_it_is_linked_from_the_contest_page(client, org_contest, alice):
    login(client, alice)
    page = client.get(reverse("contests:organize-detail", kwargs={"contest_id": org_contest.pk}))
    assert audit_url(org_contest) in page.content.decode()


def test_it_is_for_the_contests_organisers_only(client, org_contest, contest, bob):
    login(client, bob)
    assert client.get(audit_url(org_contest)).status_code == 404  # a draft: not revealed
    assert client.get(audit_url(contest)).status_code == 403  # published and public
    assert client.get(audit_url(contest, "organize-audit-xlsx")).status_code == 403
    assert not entries("export.audit_xlsx")


def test_it_sends_anonymous_visitors_to_log_in(client, org_contest):
    for name in ("organize-audit", "organize-audit-xlsx"):
        response = client.get(audit_url(org_contest, name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_only_answers_get(client, org_contest, alice):
    login(client, alice)
    assert client.post(audit_url(org_contest)).status_code == 405
    assert client.post(audit_url(org_contest, "organize-audit-xlsx")).status_code == 405
    assert not entries("export.audit_xlsx")


def test_the_xlsx_has_every_entry_and_its_download_is_recorded(client, org_ready_contest, alice):
    services.update_contest(actor=alice, contest=org_ready_contest, title="=Cuộc thi mới")
    login(client, alice)
    response = client.get(audit_url(org_ready_contest, "organize-audit-xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('nhat-ky-cchc-2021.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(("When", "Who", "Action", "Code", "Object", "Summary", "Before", "After"))
    body = rows[header + 1 :]
    assert [r[3] for r in body] == [
        "export.audit_xlsx",
        "contest.update",
        "round.create",
        "block.create",
        "block.create",
        "contest.create",
    ]
    update = body[1]
    assert update[1] == alice.full_name and update[2] == "Contest settings changed"
    assert update[6] == '{"title": "Cuộc thi tìm hiểu CCHC 2021"}'
    assert update[7] == '{"title": "=Cuộc thi mới"}'  # JSON text, not a formula
    [export] = entries("export.audit_xlsx")
    assert export.actor == alice and export.contest_id == org_ready_contest.pk


def test_it_speaks_vietnamese(client, org_contest, alice):
    services.update_contest(actor=alice, contest=org_contest, title="Cuộc thi mới")
    login(client, alice)
    page = client.get(audit_url(org_contest), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Nhật ký thao tác" in page and "Sửa thông tin cuộc thi" in page and "Loại thao tác" in page
