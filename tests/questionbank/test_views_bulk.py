import pytest
from django.urls import reverse

from questionbank.models import Question

pytestmark = pytest.mark.django_db

URL = "/bank/bulk/"
Status = Question.Status


def post(client, data):
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name():
    assert reverse("questionbank:bulk") == URL


def test_it_requires_login(client, make_question):
    question = make_question()
    response = post(client, {"action": "retire", "ids": [question.pk]})
    assert reverse("account_login") in response["Location"]
    assert Question.objects.get(pk=question.pk).status == Status.DRAFT


def test_it_refuses_get(client, alice):
    client.force_login(alice)
    assert client.get(URL).status_code == 405


def test_it_refuses_people_without_a_bank_role(client, charlie, make_question):
    client.force_login(charlie)
    assert post(client, {"action": "retire", "ids": [make_question().pk]}).status_code == 403


def test_it_reports_every_question(client, rita, make_question):
    ready = make_question("Câu sẵn sàng?", status=Status.REVIEW)
    draft = make_question("Câu nháp?")
    client.force_login(rita)
    response = post(client, {"action": "approve", "ids": [ready.pk, draft.pk]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 question done." in page and "1 question not changed." in page
    assert "Only a question in review can be approved." in page
    assert [q.pk for q, _problem in response.context["results"]] == [ready.pk, draft.pk]
    assert Question.objects.get(pk=ready.pk).status == Status.APPROVED
    assert Question.objects.get(pk=draft.pk).status == Status.DRAFT


def test_it_never_touches_questions_the_user_cannot_read(client, bob, tree, make_question):
    hidden = make_question("Câu riêng của Sở?")
    own = make_question("Câu của huyện?", actor=bob, owner=tree["district"])
    client.force_login(bob)
    response = post(client, {"action": "retire", "ids": [hidden.pk, own.pk]})
    page = response.content.decode()
    assert "1 selected question no longer exists or is not visible to you." in page
    assert "Câu riêng của Sở?" not in page
    assert Question.objects.get(pk=hidden.pk).status == Status.DRAFT
    assert Question.objects.get(pk=own.pk).status == Status.RETIRED


def test_it_refuses_edits_of_shared_questions_of_others(client, bob, make_question):
    shared = make_question(sharing=Question.Sharing.SHARED)
    client.force_login(bob)
    response = post(client, {"action": "retire", "ids": [shared.pk]})
    assert "You may not retire this question." in response.content.decode()
    assert Question.objects.get(pk=shared.pk).status == Status.DRAFT


def test_it_moves_to_a_topic(client, alice, make_question, topics):
    question = make_question()
    client.force_login(alice)
    post(client, {"action": "move_topic", "topic": topics["cong_vu"].pk, "ids": [question.pk]})
    assert Question.objects.get(pk=question.pk).topic == topics["cong_vu"]


def test_it_tags(client, alice, make_question):
    question = make_question()
    client.force_login(alice)
    post(client, {"action": "tag", "tag": "Ôn tập tuần 1", "ids": [question.pk]})
    assert "Ôn tập tuần 1" in Question.objects.get(pk=question.pk).tags.values_list("name", flat=True)


def test_it_sends_to_review(client, alice, make_question):
    question = make_question()
    client.force_login(alice)
    post(client, {"action": "submit", "ids": [question.pk]})
    assert Question.objects.get(pk=question.pk).status == Status.REVIEW


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "retire"}, "Select at least one question."),
        ({"action": "", "ids": ["1"]}, "This field is required."),
        ({"action": "explode", "ids": ["1"]}, "Select a valid choice."),
        ({"action": "move_topic", "ids": ["1"]}, "Choose the topic to move the questions to."),
        ({"action": "tag", "tag": "  ", "ids": ["1"]}, "Enter the tag to add."),
        ({"action": "retire", "ids": [str(n) for n in range(1, 502)]}, "Select at most 500 questions"),
    ],
)
def test_it_explains_an_incomplete_request_and_keeps_the_filters(client, alice, make_question, data, message):
    question = make_question()
    client.force_login(alice)
    response = post(client, {**data, "back": "status=draft&page=3&x=1\nSet-Cookie: a"})
    assert response.status_code == 302
    assert response["Location"] == "/bank/?status=draft"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert message in page
    assert Question.objects.get(pk=question.pk).status == Status.DRAFT
