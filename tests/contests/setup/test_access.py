"""The access helpers every contest view starts with (contests/setup/access.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from contests.models import Contest
from contests.setup import access
from tests.builders import make_contest
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.fixture
def public(tree):
    return make_contest(tree["snv"], slug="cong-khai")


@pytest.fixture
def restricted(tree):
    return make_contest(tree["snv"], slug="noi-bo", audience_citizens=False)


@pytest.fixture
def draft(tree):
    return make_contest(tree["snv"], slug="nhap", status=Contest.Status.DRAFT)


def test_organisers_of_the_owner_manage_every_state(alice, public, restricted, draft):
    for contest in (public, restricted, draft):
        assert access.managed_contest(request_by(alice), contest.pk) == contest


def test_organisers_above_the_owner_manage_it(tree, public):
    head = make_user("tinh@example.vn", agency=tree["province"], roles=["organizer"])
    assert access.managed_contest(request_by(head), public.pk) == public


def test_other_organisers_get_403_for_a_listed_public_contest_and_404_otherwise(
    bob, public, restricted, draft
):
    with pytest.raises(PermissionDenied):
        access.managed_contest(request_by(bob), public.pk)
    for contest in (restricted, draft):
        with pytest.raises(Http404):
            access.managed_contest(request_by(bob), contest.pk)
    with pytest.raises(Http404):
        access.managed_contest(request_by(bob), 999_999)


def test_a_round_or_block_of_another_contest_is_not_found(alice, public, restricted, round):
    with pytest.raises(Http404):
        access.managed_round(request_by(alice), public.pk, round.pk)  # round belongs to another contest
    contest, found = access.managed_round(request_by(alice), round.contest_id, round.pk)
    assert found == round and found.contest is contest


def test_participants_see_what_they_may_see_and_nothing_else(tree, charlie, public, restricted, draft, dan):
    assert access.visible_contest(request_by(AnonymousUser()), public.slug) == public
    assert access.visible_contest(request_by(charlie), restricted.slug) == restricted  # an official
    for user, contest in ((AnonymousUser(), restricted), (dan, restricted), (charlie, draft)):
        with pytest.raises(Http404):
            access.visible_contest(request_by(user), contest.slug)


def test_require_organizer_refuses_people_who_organise_nothing(alice, charlie):
    assert access.require_organizer(request_by(alice)) == alice
    with pytest.raises(PermissionDenied):
        access.require_organizer(request_by(charlie))
