"""The site admin shows contests and rounds read-only: every rule lives in
contests.setup.services, which only the organizer pages call."""

import pytest
from django.test import Client

from contests.models import Round
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def admin_client():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(email=make_user("root@example.vn", superuser=True).email, password=PASSWORD)
    return client


def test_contests_and_rounds_are_listed_with_a_link_to_the_organizer_pages(admin_client, contest, round):
    page = admin_client.get("/admin/contests/contest/").content.decode()
    assert contest.title in page and f"/contests/organize/{contest.pk}/" in page
    page = admin_client.get("/admin/contests/round/").content.decode()
    assert round.title in page and f"/contests/organize/{contest.pk}/" in page


def test_a_round_cannot_be_changed_added_or_deleted_there(admin_client, round):
    closes_at = round.closes_at
    view = admin_client.get(f"/admin/contests/round/{round.pk}/change/")
    assert view.status_code == 200 and b'name="closes_at_0"' not in view.content  # view only
    changed = admin_client.post(
        f"/admin/contests/round/{round.pk}/change/", {"title": "Đổi tên", "closes_at_0": "01/01/2020"}
    )
    assert changed.status_code == 403
    assert admin_client.get("/admin/contests/round/add/").status_code == 403
    assert admin_client.post(f"/admin/contests/round/{round.pk}/delete/", {"post": "yes"}).status_code == 403
    round.refresh_from_db()
    assert round.title != "Đổi tên" and round.closes_at == closes_at
    assert Round.objects.filter(pk=round.pk).exists()
