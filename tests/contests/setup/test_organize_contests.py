"""Contest pages: create, edit, publish (with the shortage list when refused), close."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from contests.models import Contest
from contests.setup import services
from contests.setup.services import RuleData
from tests.contests.setup.builders_org import make_round
from tests.factories import PASSWORD

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]


@pytest.fixture
def client_alice(client, alice):
    assert client.login(email=alice.email, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def contest_data(tree, **overrides):
    data = {
        "owner_agency": tree["snv"].pk,
        "title": "Tìm hiểu CCHC năm 2021",
        "slug": "tim-hieu-cchc-2021",
        "description": "",
        "rules_text": "",
        "audience_officials": "on",
        "audience_citizens": "on",
        "join_code": "",
        "min_age": "",
        "exclude_staff": "on",
        "leaderboard": "live",
        "leaderboard_freeze_at": "",
        "name_display": "masked",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def detail_url(contest):
    return reverse("contests:organize-detail", kwargs={"contest_id": contest.pk})


def test_it_creates_a_contest(client_alice, alice, tree):
    response = client_alice.post(reverse("contests:organize-create"), contest_data(tree))
    contest = Contest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(contest)
    assert (contest.owner_agency, contest.status, contest.created_by) == (tree["snv"], "draft", alice)
    page = client_alice.get(detail_url(contest)).content.decode()
    assert "The contest has been created as a draft." in page
    assert "Add at least one round before publishing." in page


def test_the_new_contest_page_offers_my_agencies_only(client_alice, tree):
    page = client_alice.get(reverse("contests:organize-create")).content.decode()
    assert tree["snv"].name in page and tree["snv_unit"].name in page
    assert f'<option value="{tree["district"].pk}">' not in page.split('name="audience_agencies"')[0]


def test_a_service_error_comes_back_on_the_form_and_nothing_is_created(client_alice, tree):
    response = client_alice.post(
        reverse("contests:organize-create"),
        contest_data(tree, audience_officials=None, audience_citizens=None),
    )
    assert response.status_code == 200
    assert "Open the contest to officials, to citizens or to both." in response.content.decode()
    assert not Contest.objects.exists()


def test_an_agency_i_do_not_organise_is_refused(client_alice, tree):
    response = client_alice.post(
        reverse("contests:organize-create"), contest_data(tree, owner_agency=tree["district"].pk)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Contest.objects.exists()


def test_the_freeze_time_is_entered_in_vietnam_time(client_alice, org_contest, tree):
    url = reverse("contests:organize-edit", kwargs={"contest_id": org_contest.pk})
    data = contest_data(
        tree, slug=org_contest.slug, leaderboard="frozen", leaderboard_freeze_at="2021-05-30T20:00"
    )
    assert client_alice.post(url, data).status_code == 302
    org_contest.refresh_from_db()
    assert org_contest.leaderboard_freeze_at == datetime(2021, 5, 30, 13, 0, tzinfo=UTC)
    assert 'value="2021-05-30T20:00:00"' in client_alice.get(url).content.decode()


def test_it_saves_whether_sub_agencies_count_for_their_parent(client_alice, org_contest, tree):
    assert org_contest.count_subagencies is False  # the default
    url = reverse("contests:organize-edit", kwargs={"contest_id": org_contest.pk})
    page = client_alice.get(url).content.decode()
    assert 'name="count_subagencies"' in page and "headcount plus those of its active sub-agencies" in page
    data = contest_data(tree, slug=org_contest.slug, count_subagencies="on")
    assert client_alice.post(url, data).status_code == 302
    org_contest.refresh_from_db()
    assert org_contest.count_subagencies is True
    assert client_alice.post(url, contest_data(tree, slug=org_contest.slug)).status_code == 302
    org_contest.refresh_from_db()
    assert org_contest.count_subagencies is False


def test_editing_with_a_taken_slug_changes_nothing(client_alice, org_contest, tree):
    from tests.contests.setup.builders_org import create_contest

    create_contest(tree["snv"], slug="da-dung")
    url = reverse("contests:organize-edit", kwargs={"contest_id": org_contest.pk})
    response = client_alice.post(url, contest_data(tree, title="Tên mới", slug="da-dung"))
    assert "Another contest already uses this short address." in response.content.decode()
    org_contest.refresh_from_db()
    assert (org_contest.title, org_contest.slug) == ("Cuộc thi tìm hiểu CCHC 2021", "cchc-2021")


def test_the_detail_page_shows_the_sanitised_rules(client_alice, alice, org_contest):
    services.update_contest(
        actor=alice,
        contest=org_contest,
        rules_text='## Đối tượng\n\n- **CBCCVC** <script>alert(1)</script><b onclick="steal()">x</b>',
    )
    page = client_alice.get(detail_url(org_contest)).content.decode()
    assert "<h2>Đối tượng</h2>" in page and "<strong>CBCCVC</strong>" in page
    assert "alert(1)" not in page and "steal()" not in page


def test_publishing_is_refused_with_the_shortage_list(client_alice, org_contest, org_bank):
    make_round(
        org_contest,
        rules=[RuleData(topic=org_bank["tthc"], count=3), RuleData(topic=org_bank["cong-vu"], count=7)],
    )
    url = reverse("contests:organize-publish", kwargs={"contest_id": org_contest.pk})
    response = client_alice.post(url, follow=True)
    page = response.content.decode()
    assert "The contest was not published:" in page
    assert "Rule “7 × Cải cách chế độ công vụ”: only 5 approved questions, 2 short." in page
    org_contest.refresh_from_db()
    assert org_contest.status == Contest.Status.DRAFT


def test_publishing_a_ready_contest(client_alice, org_ready_contest):
    url = reverse("contests:organize-publish", kwargs={"contest_id": org_ready_contest.pk})
    page = client_alice.post(url, follow=True).content.decode()
    assert "The contest is published." in page
    org_ready_contest.refresh_from_db()
    assert org_ready_contest.status == Contest.Status.PUBLISHED
    assert "Close the contest" in page


def test_closing(client_alice, alice, org_ready_contest):
    url = reverse("contests:organize-close", kwargs={"contest_id": org_ready_contest.pk})
    assert "Only a published contest can be closed." in client_alice.post(url, follow=True).content.decode()
    services.publish_contest(actor=alice, contest=org_ready_contest)
    assert "The contest is closed." in client_alice.post(url, follow=True).content.decode()
    org_ready_contest.refresh_from_db()
    assert org_ready_contest.status == Contest.Status.CLOSED
