"""Who may reach each organizer page: alice (organizer of Sở Nội vụ, the owner),
bob (organizer of another branch), charlie (a member) and anonymous visitors;
and which HTTP methods each page accepts."""

import pytest
from django.urls import reverse

from contests.models import Contest
from contests.setup import services
from tests.factories import PASSWORD

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]

# (URL name, which ids it takes): pages answer GET (and POST for their forms),
# actions answer POST only.
PAGES = [
    ("organize-detail", "contest"),
    ("organize-edit", "contest"),
    ("organize-blocks", "contest"),
    ("organize-block-edit", "block"),
    ("organize-round-create", "contest"),
    ("organize-round-edit", "round"),
    ("organize-round-live", "round"),
]
GET_ONLY = {"organize-detail", "organize-round-live"}
ACTIONS = [
    ("organize-publish", "contest"),
    ("organize-close", "contest"),
    ("organize-block-delete", "block"),
    ("organize-round-delete", "round"),
    ("organize-round-preview", "round"),
]
ACTION_NAMES = {name for name, _takes in ACTIONS}


def methods_of(name):
    if name in ACTION_NAMES:
        return ["post"]
    return ["get"] if name in GET_ONLY else ["get", "post"]


def url_for(name, takes, contest):
    kwargs = {"contest_id": contest.pk}
    if takes == "block":
        kwargs["block_id"] = contest.blocks.first().pk
    if takes == "round":
        kwargs["round_id"] = contest.rounds.first().pk
    return reverse(f"contests:{name}", kwargs=kwargs)


@pytest.fixture
def as_user(client):
    def login(user):
        if user is not None:
            assert client.login(email=user.email, password=PASSWORD)
        return client

    return login


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# --- lists and creation --------------------------------------------------------------


@pytest.mark.parametrize("name", ["organize-list", "organize-create"])
def test_organizers_reach_the_list_and_the_new_contest_page(as_user, alice, bob, name):
    assert as_user(alice).get(reverse(f"contests:{name}")).status_code == 200
    assert as_user(bob).get(reverse(f"contests:{name}")).status_code == 200


@pytest.mark.parametrize("name", ["organize-list", "organize-create"])
def test_members_get_403_on_the_list_and_the_new_contest_page(as_user, charlie, name):
    assert as_user(charlie).get(reverse(f"contests:{name}")).status_code == 403
    assert as_user(charlie).post(reverse(f"contests:{name}")).status_code in (403, 405)


@pytest.mark.parametrize("name", ["organize-list", "organize-create"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    assert is_login_redirect(client.get(reverse(f"contests:{name}")))


def test_the_list_shows_the_contests_of_my_agencies_only(as_user, alice, bob, org_contest):
    assert org_contest.title in as_user(alice).get(reverse("contests:organize-list")).content.decode()
    client = as_user(bob)
    page = client.get(reverse("contests:organize-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert org_contest.title not in page
    assert "No contests yet." in page


def test_the_list_and_the_new_contest_page_refuse_other_methods(as_user, alice):
    client = as_user(alice)
    assert client.post(reverse("contests:organize-list")).status_code == 405
    assert client.put(reverse("contests:organize-create")).status_code == 405


# --- one contest's pages ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "takes"), PAGES)
def test_the_owner_sees_every_page(as_user, alice, org_ready_contest, name, takes):
    assert as_user(alice).get(url_for(name, takes, org_ready_contest)).status_code == 200


@pytest.mark.parametrize(("name", "takes"), PAGES + ACTIONS)
def test_other_organizers_and_members_get_404_for_a_draft(
    as_user, bob, charlie, org_ready_contest, name, takes
):
    url = url_for(name, takes, org_ready_contest)
    for person in (bob, charlie):
        client = as_user(person)
        for method in methods_of(name):
            assert getattr(client, method)(url).status_code == 404, (person, method)
        client.logout()
    org_ready_contest.refresh_from_db()
    assert org_ready_contest.status == Contest.Status.DRAFT
    assert org_ready_contest.rounds.count() == 1 and org_ready_contest.blocks.count() == 2


@pytest.mark.parametrize(("name", "takes"), PAGES + ACTIONS)
def test_others_get_403_for_a_published_public_contest(
    as_user, alice, bob, charlie, org_ready_contest, name, takes
):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    url = url_for(name, takes, org_ready_contest)
    for person in (bob, charlie):
        client = as_user(person)
        for method in methods_of(name):
            assert getattr(client, method)(url).status_code == 403, (person, method)
        client.logout()
    org_ready_contest.refresh_from_db()
    assert org_ready_contest.status == Contest.Status.PUBLISHED
    assert org_ready_contest.rounds.count() == 1 and org_ready_contest.blocks.count() == 2


def test_a_published_officials_only_contest_stays_hidden(as_user, alice, bob, org_ready_contest):
    org_ready_contest.blocks.filter(participant_kind="citizen").delete()
    services.update_contest(actor=alice, contest=org_ready_contest, audience_citizens=False)
    services.publish_contest(actor=alice, contest=org_ready_contest)
    url = reverse("contests:organize-detail", kwargs={"contest_id": org_ready_contest.pk})
    assert as_user(bob).get(url).status_code == 404


@pytest.mark.parametrize(("name", "takes"), PAGES + ACTIONS)
def test_anonymous_visitors_are_sent_to_log_in_everywhere(client, org_ready_contest, name, takes):
    url = url_for(name, takes, org_ready_contest)
    for method in methods_of(name):
        assert is_login_redirect(getattr(client, method)(url)), method


@pytest.mark.parametrize(("name", "takes"), ACTIONS)
def test_actions_refuse_get(as_user, alice, org_ready_contest, name, takes):
    assert as_user(alice).get(url_for(name, takes, org_ready_contest)).status_code == 405


@pytest.mark.parametrize(("name", "takes"), PAGES)
def test_pages_refuse_put_and_delete(as_user, alice, org_ready_contest, name, takes):
    client = as_user(alice)
    url = url_for(name, takes, org_ready_contest)
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405


def test_live_panel_refuses_post(as_user, alice, org_ready_contest):
    url = url_for("organize-round-live", "round", org_ready_contest)
    assert as_user(alice).post(url).status_code == 405


def test_a_round_of_another_contest_is_not_found(as_user, alice, tree, org_ready_contest):
    from tests.contests.setup.builders_org import create_contest

    other = create_contest(tree["snv"], slug="khac")
    round = org_ready_contest.rounds.get()
    url = reverse("contests:organize-round-edit", kwargs={"contest_id": other.pk, "round_id": round.pk})
    assert as_user(alice).get(url).status_code == 404


def test_an_organizer_above_the_owner_manages_it(as_user, tree, org_ready_contest):
    from tests.factories import make_user

    chief = make_user("chief@example.vn", agency=tree["province"], roles=["organizer"])
    assert as_user(chief).get(url_for("organize-detail", "contest", org_ready_contest)).status_code == 200


def test_an_organizer_without_a_verified_email_manages_nothing(as_user, tree, org_ready_contest):
    from tests.factories import make_user

    eve = make_user("eve@example.vn", agency=tree["snv"], roles=["organizer"], verified=False)
    client = as_user(eve)
    assert client.get(reverse("contests:organize-list")).status_code == 403
    assert client.get(url_for("organize-detail", "contest", org_ready_contest)).status_code == 404
