import pytest
from django.urls import reverse

from questionbank.models import Topic

pytestmark = pytest.mark.django_db

URL = "/bank/topics/new/"


def post(client, data):
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name():
    assert reverse("questionbank:topic-create") == URL


def test_it_requires_login(client):
    assert reverse("account_login") in client.get(URL)["Location"]


def test_it_is_for_organizers_only(client, charlie, rita, dave):
    for person in (charlie, rita, dave):
        client.force_login(person)
        assert client.get(URL).status_code == 403


def test_it_refuses_put(client, alice):
    client.force_login(alice)
    assert client.put(URL).status_code == 405


def test_it_creates_a_sub_topic_with_a_code_made_from_the_name(client, alice, tree, topics):
    client.force_login(alice)
    response = post(
        client,
        {"name": "Đánh giá sự hài lòng (SIPAS)", "parent": topics["tthc"].pk, "owner_agency": tree["snv"].pk},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(code="danh-gia-su-hai-long-sipas")
    assert topic.parent == topics["tthc"] and topic.owner_agency == tree["snv"]
    assert topic.path.startswith(topics["tthc"].path) and topic.depth == 1


def test_it_refuses_a_code_in_use(client, alice, tree, topics):
    client.force_login(alice)
    response = post(client, {"name": "Trùng", "code": "tthc", "owner_agency": tree["snv"].pk})
    assert "A topic with the code “tthc” already exists." in response.content.decode()
    assert Topic.objects.count() == 4


def test_it_refuses_an_agency_the_organizer_does_not_manage(client, alice, tree):
    client.force_login(alice)
    response = post(client, {"name": "Chủ đề", "owner_agency": tree["district"].pk})
    assert "owner_agency" in response.context["form"].errors
    assert not Topic.objects.exists()


def test_it_needs_a_name(client, alice, tree):
    client.force_login(alice)
    response = post(client, {"name": "   ", "owner_agency": tree["snv"].pk})
    assert "name" in response.context["form"].errors
