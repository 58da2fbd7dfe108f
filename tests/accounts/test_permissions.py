"""Permission matrix: organizer of A vs. agency B and B's children; member; anonymous."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser

from accounts import selectors
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_an_organizer_manages_their_agency_and_its_subtree(alice, tree):
    assert selectors.can_manage_agency(user=alice, agency=tree["snv"])
    assert selectors.can_manage_agency(user=alice, agency=tree["snv_unit"])


def test_an_organizer_does_not_manage_parents_or_siblings(alice, bob, tree):
    assert not selectors.can_manage_agency(user=alice, agency=tree["province"])
    assert not selectors.can_manage_agency(user=alice, agency=tree["district"])
    assert not selectors.can_manage_agency(user=alice, agency=tree["commune"])
    assert selectors.can_manage_agency(user=bob, agency=tree["commune"])
    assert not selectors.can_manage_agency(user=bob, agency=tree["snv"])


def test_members_and_anonymous_manage_nothing(charlie, tree):
    for agency in tree.values():
        assert not selectors.can_manage_agency(user=charlie, agency=agency)
        assert not selectors.can_manage_agency(user=AnonymousUser(), agency=agency)


def test_a_superuser_manages_everything(tree):
    root = make_user("root@example.vn", superuser=True, complete=False)
    assert all(selectors.can_manage_agency(user=root, agency=a) for a in tree.values())


def test_organizer_rights_need_a_verified_email(tree):
    eve = make_user("eve@example.vn", agency=tree["snv"], roles=["organizer"], verified=False)
    assert not selectors.can_manage_agency(user=eve, agency=tree["snv"])
    EmailAddress.objects.filter(user=eve).update(verified=True)
    assert selectors.can_manage_agency(user=eve, agency=tree["snv"])


def test_inactive_users_and_agencies_lose_rights(alice, tree):
    tree["snv"].is_active = False
    tree["snv"].save(update_fields=["is_active"])
    assert not selectors.can_manage_agency(user=alice, agency=tree["snv_unit"])


def test_managed_agencies_lists_the_subtree_only(alice, bob, tree):
    assert set(selectors.managed_agencies(user=alice)) == {tree["snv"], tree["snv_unit"]}
    assert set(selectors.managed_agencies(user=bob)) == {tree["district"], tree["commune"]}


def test_other_roles_do_not_grant_management(tree):
    reviewer = make_user("rev@example.vn", agency=tree["snv"], roles=["reviewer"])
    assert selectors.has_role_for_agency(user=reviewer, agency=tree["snv_unit"], roles=["reviewer"])
    assert not selectors.can_manage_agency(user=reviewer, agency=tree["snv"])


def test_who_can_see_a_person(alice, bob, charlie):
    assert selectors.can_see_user(viewer=charlie, person=charlie)
    assert selectors.can_see_user(viewer=bob, person=charlie)  # commune is under bob's district
    assert not selectors.can_see_user(viewer=alice, person=charlie)
    assert not selectors.can_see_user(viewer=AnonymousUser(), person=charlie)


def test_moving_an_agency_moves_its_subtree(alice, tree):
    from accounts import services

    tree["district"].parent = tree["snv"]
    services.save_agency(agency=tree["district"])
    tree["commune"].refresh_from_db()
    assert tree["commune"].path.startswith(tree["snv"].path)
    assert selectors.can_manage_agency(user=alice, agency=tree["commune"])


def test_an_agency_cannot_move_under_its_own_child(tree):
    from accounts import services

    tree["district"].parent = tree["commune"]
    with pytest.raises(ValueError):
        services.save_agency(agency=tree["district"])
