"""accounts.backends: the cheaper user load must return exactly what the ORM
returns, and every check Django makes on a session must still apply."""

import asyncio
from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts import backends
from accounts.models import User
from tests.factories import PASSWORD, make_user


def fields_of(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


@pytest.fixture
def official(tree):
    user = make_user("official@example.vn", agency=tree["commune"], roles=["organizer"])
    user.last_login = datetime(2026, 11, 26, 8, 30, 15, 123456, tzinfo=UTC)
    user.save(update_fields=["last_login"])
    return user


def test_loaded_user_equals_the_orm_user_field_by_field(official):
    loaded = backends.load_user(official.pk)
    expected = User.objects.get(pk=official.pk)
    assert fields_of(loaded) == fields_of(expected)
    # Types, not only values: an aware datetime and a date, as the ORM gives them.
    assert timezone.is_aware(loaded.last_login)
    assert loaded.date_of_birth == expected.date_of_birth
    assert type(loaded.date_of_birth) is type(expected.date_of_birth)
    assert loaded.agency_id == official.agency_id and loaded.agency == official.agency
    # A real, saved instance: it can be changed and saved like any other.
    assert loaded._state.adding is False and loaded._state.db == "default"
    loaded.full_name = "Tên mới"
    loaded.save(update_fields=["full_name"])
    assert User.objects.get(pk=official.pk).full_name == "Tên mới"


def test_loading_an_absent_or_malformed_id_gives_none(db):
    assert backends.load_user(987654) is None
    assert backends.load_user("not-a-number") is None


@pytest.mark.parametrize("backend", [backends.ModelBackend, backends.AuthenticationBackend])
def test_inactive_users_are_not_loaded_by_either_backend(official, backend):
    assert backend().get_user(official.pk).pk == official.pk
    User.objects.filter(pk=official.pk).update(is_active=False)
    assert backend().get_user(official.pk) is None


# aget_user runs the load in another thread, hence on another connection: the
# row must be committed for it to see it.
def aget_user(pk):
    async def load():
        try:
            return await backends.AuthenticationBackend().aget_user(pk)
        finally:  # the worker thread's connection would outlive the test database
            await sync_to_async(connections.close_all)()

    return asyncio.run(load())


@pytest.mark.django_db(transaction=True)
def test_aget_user_loads_active_users_only(tree):
    official = make_user("async@example.vn", agency=tree["snv"])
    user = aget_user(official.pk)
    assert fields_of(user) == fields_of(User.objects.get(pk=official.pk))
    User.objects.filter(pk=official.pk).update(is_active=False)
    assert aget_user(official.pk) is None


def test_logging_in_through_the_form_stores_the_fast_backend(client, db):
    make_user("form@example.vn")
    response = client.post(reverse("account_login"), {"login": "form@example.vn", "password": PASSWORD})
    assert response.status_code == 302
    # The first backend that accepts the credentials is stored; both are ours.
    assert client.session[BACKEND_SESSION_KEY] in (
        "accounts.backends.ModelBackend",
        "accounts.backends.AuthenticationBackend",
    )
    assert client.get(reverse("api:my-attempts")).status_code == 200


def test_a_password_change_elsewhere_ends_the_session(client, official):
    client.force_login(official)
    assert client.get(reverse("api:my-attempts")).status_code == 200
    official.set_password("a-new-password-2026")
    official.save()
    response = client.get(reverse("api:my-attempts"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert SESSION_KEY not in client.session  # flushed, as Django does


def test_a_deactivated_or_deleted_user_is_logged_out(client, official, tree):
    client.force_login(official)
    User.objects.filter(pk=official.pk).update(is_active=False)
    assert client.get(reverse("api:my-attempts")).status_code == 401

    other = make_user("gone@example.vn")
    client.force_login(other)
    assert client.get(reverse("api:my-attempts")).status_code == 200
    other.delete()
    assert client.get(reverse("api:my-attempts")).status_code == 401


def test_a_session_naming_a_backend_no_longer_configured_is_anonymous(client, official):
    client.force_login(official)
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    assert client.get(reverse("api:my-attempts")).status_code == 401
