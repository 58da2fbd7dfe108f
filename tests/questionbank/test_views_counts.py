import pytest
from django.urls import reverse

from questionbank.models import Question

pytestmark = pytest.mark.django_db

URL = "/bank/counts/"
Status = Question.Status


def get(client):
    return client.get(URL, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name():
    assert reverse("questionbank:counts") == URL


def test_it_requires_login(client):
    assert reverse("account_login") in get(client)["Location"]


def test_it_refuses_people_without_a_bank_role(client, charlie):
    client.force_login(charlie)
    assert get(client).status_code == 403


def test_it_refuses_post(client, alice):
    client.force_login(alice)
    assert client.post(URL).status_code == 405


def test_it_counts_readable_questions_by_topic_difficulty_and_status(
    client, bob, tree, topics, make_question
):
    make_question("Một?", difficulty="easy", status=Status.APPROVED, sharing=Question.Sharing.SHARED)
    make_question("Hai?", difficulty="easy", status=Status.APPROVED, sharing=Question.Sharing.SHARED)
    make_question("Ba?", difficulty="hard", topic=topics["dvc"], actor=bob, owner=tree["district"])
    make_question("Bốn?", status=Status.RETIRED, actor=bob, owner=tree["district"])
    make_question("Riêng của Sở?", difficulty="easy", status=Status.APPROVED)  # bob cannot read it
    client.force_login(bob)
    response = get(client)
    rows = {row["topic"].code: row for row in response.context["rows"]}
    statuses = [s for s, _label in response.context["statuses"]]
    assert statuses == ["draft", "review", "approved"]
    # columns: easy (draft, review, approved), medium (…), hard (…)
    assert rows["tthc-mot-cua"]["cells"] == [0, 0, 2, 0, 0, 0, 0, 0, 0]
    assert rows["tthc-dvc"]["cells"] == [0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert rows["tthc-mot-cua"]["retired"] == 1
    assert rows["tthc"]["subtree_approved"] == 2  # the approved questions of its sub-topics
    assert rows["cong-vu"]["subtree_approved"] == 0
    assert response.context["totals"][2] == 2


def test_it_links_each_topic_to_the_filtered_list(client, alice, topics):
    client.force_login(alice)
    assert f"/bank/?topic={topics['dvc'].pk}" in get(client).content.decode()
