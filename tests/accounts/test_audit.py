"""The audit log's model and service (accounts.audit): one entry per call,
JSON-safe snapshots, only the changed fields kept, and nothing that changes
or deletes an entry — not the ORM, not the admin, not SQL on PostgreSQL.
Roles granted and revoked in the admin are entries too."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from accounts import audit
from accounts.models import AppendOnlyError, AuditEntry, Membership, User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(alice, tree):
    return audit.record(
        actor=alice,
        action="contest.update",
        obj=tree["snv"],
        contest=7,
        summary="Cuộc thi 2021",
        before={"title": "Cũ", "min_age": 18},
        after={"title": "Mới", "min_age": 18},
    )


@pytest.fixture
def root():
    return make_user("root@example.vn", superuser=True)


@pytest.fixture
def admin_client(root):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(email=root.email, password=PASSWORD)
    return client


# --- record and snapshot ----------------------------------------------------------------------


def test_it_records_who_what_and_only_the_changed_fields(entry, alice, tree):
    stored = AuditEntry.objects.get()
    assert stored == entry
    assert stored.actor == alice and stored.actor_name == alice.full_name
    assert stored.action == "contest.update" and stored.summary == "Cuộc thi 2021"
    assert (stored.object_type, stored.object_id) == ("agency", str(tree["snv"].pk))
    assert stored.contest_id == 7
    assert stored.before == {"title": "Cũ"} and stored.after == {"title": "Mới"}
    assert stored.at is not None


def test_it_takes_the_contest_from_the_object_and_the_agency_from_the_contest(tree):
    class Contest:  # what record reads of a contests.Contest
        pk = 12
        owner_agency_id = tree["snv"].pk

    class Round:
        pk = 3
        contest_id = 12

        class _meta:
            model_name = "round"

    assert audit.record(actor=None, action="round.close", obj=Round()).contest_id == 12
    stored = audit.record(actor=None, action="contest.publish", contest=Contest())
    assert stored.contest_id == 12 and stored.agency == tree["snv"]
    assert stored.actor is None and stored.actor_name == ""  # the system (a command)


def test_it_refuses_an_unknown_action():
    with pytest.raises(ValueError, match="ACTIONS"):
        audit.record(actor=None, action="contest.rename")
    assert not AuditEntry.objects.exists()


def test_a_snapshot_is_plain_json(charlie, tree):
    charlie.date_of_birth = date(1990, 5, 17)
    state = audit.snapshot(charlie, ["full_name", "date_of_birth", "agency", "kind", "groups"])
    assert state == {
        "full_name": charlie.full_name,
        "date_of_birth": "1990-05-17",
        "agency": tree["commune"].pk,
        "kind": "official",
        "groups": [],
    }
    assert audit.json_value(Decimal("1.50")) == "1.50"
    # Aware times in the site's time zone (Asia/Ho_Chi_Minh), to the microsecond.
    assert audit.json_value(datetime(2021, 5, 2, 17, 0, 0, 123000, tzinfo=UTC)) == (
        "2021-05-03T00:00:00.123000+07:00"
    )
    assert audit.json_value({"ids": {3, 1}, "when": date(2021, 5, 3)}) == {
        "ids": [1, 3],
        "when": "2021-05-03",
    }


def test_it_shows_values_for_people(entry):
    assert audit.diff_rows(entry) == [("title", "Cũ", "Mới")]
    assert audit.display_value("2021-05-03T00:00:00+07:00") == "03/05/2021 00:00:00"
    assert audit.display_value(None) == "—"
    assert audit.display_value([1, 2]) == "1; 2"


def test_a_rolled_back_transaction_leaves_no_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="contest.close", contest=1)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.exists()


# --- append-only --------------------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted(entry):
    entry.summary = "Sửa lại"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="Sửa lại")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():  # a new instance with its pk inserts
        AuditEntry(pk=entry.pk, action="contest.close", summary="Sửa lại").save()
    assert AuditEntry.objects.get().summary == "Cuộc thi 2021"


def test_deleting_the_person_keeps_the_entry_and_the_name(entry, alice):
    name = alice.full_name
    alice.delete()
    stored = AuditEntry.objects.get()
    assert stored.actor is None and stored.actor_name == name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_updates_and_deletes(entry, charlie):
    for sql in (
        "UPDATE accounts_auditentry SET summary = 'x'",
        f"UPDATE accounts_auditentry SET actor_id = {charlie.pk}",  # someone else did it
        "DELETE FROM accounts_auditentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    with connection.cursor() as cursor:  # what SET_NULL does when a user is deleted
        cursor.execute("UPDATE accounts_auditentry SET actor_id = NULL, agency_id = NULL")
    assert AuditEntry.objects.get().summary == "Cuộc thi 2021"


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_lists_entries_and_changes_none(admin_client, entry):
    page = admin_client.get("/admin/accounts/auditentry/")
    assert page.status_code == 200 and "Cuộc thi 2021" in page.content.decode()
    assert b'value="delete_selected"' not in page.content
    view = admin_client.get(f"/admin/accounts/auditentry/{entry.pk}/change/")
    assert view.status_code == 200 and b'name="summary"' not in view.content
    assert admin_client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"summary": "x"}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.get().summary == "Cuộc thi 2021"


def test_granting_changing_and_revoking_a_role_in_the_admin_are_recorded(admin_client, root, charlie, tree):
    response = admin_client.post(
        "/admin/accounts/membership/add/",
        {"user": charlie.pk, "agency": tree["commune"].pk, "role": "organizer"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=charlie)
    grant = AuditEntry.objects.get(action="role.grant")
    assert grant.actor == root and grant.agency == tree["commune"]
    assert (grant.object_type, grant.object_id) == ("membership", str(membership.pk))
    assert grant.before is None
    assert grant.after == {"user": charlie.pk, "agency": tree["commune"].pk, "role": "organizer"}

    response = admin_client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": charlie.pk, "agency": tree["commune"].pk, "role": "reviewer"},
    )
    assert response.status_code == 302
    change = AuditEntry.objects.get(action="role.change")
    assert change.before == {"role": "organizer"} and change.after == {"role": "reviewer"}

    response = admin_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Membership.objects.exists()
    revoke = AuditEntry.objects.get(action="role.revoke")
    assert revoke.before == {"user": charlie.pk, "agency": tree["commune"].pk, "role": "reviewer"}
    assert revoke.after is None and revoke.object_id == str(membership.pk)


def _user_form(user, memberships, *, add=None, delete=()):
    """POST data of the admin's user page with its membership inline."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
        "gender": user.gender,
        "phone": user.phone,
        "kind": user.kind,
        "agency": user.agency_id or "",
        "position": user.position,
        "province_code": user.province_code or "",
        "ward_code": user.ward_code or "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": str(len(memberships) + (1 if add else 0)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(memberships):
        data.update(
            {
                f"memberships-{i}-id": m.pk,
                f"memberships-{i}-user": user.pk,
                f"memberships-{i}-agency": m.agency_id,
                f"memberships-{i}-role": m.role,
            }
        )
        if m.pk in delete:
            data[f"memberships-{i}-DELETE"] = "on"
    if add:
        n = len(memberships)
        data.update({f"memberships-{n}-user": user.pk, f"memberships-{n}-agency": add[0].pk})
        data[f"memberships-{n}-role"] = add[1]
    return data


def test_roles_granted_and_revoked_on_the_user_page_are_recorded(admin_client, bob, tree):
    url = f"/admin/accounts/user/{bob.pk}/change/"
    old = list(bob.memberships.all())
    response = admin_client.post(url, _user_form(bob, old, add=(tree["commune"], "author")))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    added = Membership.objects.get(user=bob, role="author")
    grant = AuditEntry.objects.get()
    assert grant.action == "role.grant" and grant.object_id == str(added.pk)
    assert grant.after["role"] == "author" and grant.agency == tree["commune"]

    response = admin_client.post(url, _user_form(bob, [*old, added], delete={added.pk}))
    assert response.status_code == 302
    revoke = AuditEntry.objects.get(action="role.revoke")
    assert revoke.object_id == str(added.pk) and revoke.before["role"] == "author"
    assert AuditEntry.objects.count() == 2  # saving the unchanged roles recorded nothing


def test_deleting_a_user_revokes_their_roles_in_the_log(admin_client, bob):
    response = admin_client.post(f"/admin/accounts/user/{bob.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not User.objects.filter(pk=bob.pk).exists()
    revoke = AuditEntry.objects.get()
    assert revoke.action == "role.revoke" and revoke.before["role"] == "organizer"
