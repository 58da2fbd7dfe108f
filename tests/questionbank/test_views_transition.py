"""The review actions posted from the detail page."""

import pytest
from django.urls import reverse

from questionbank.models import Question, StatusChange
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Status = Question.Status


def url(question, action):
    return f"/bank/{question.pk}/{action}/"


def post(client, question, action, data=None):
    return client.post(url(question, action), data or {}, HTTP_ACCEPT_LANGUAGE="en")


def status_of(question):
    return Question.objects.get(pk=question.pk).status


def test_it_has_a_name(make_question):
    question = make_question()
    assert reverse("questionbank:transition", args=[question.pk, "approve"]) == url(question, "approve")


def test_it_requires_login(client, make_question):
    question = make_question()
    assert reverse("account_login") in post(client, question, "submit")["Location"]
    assert status_of(question) == Status.DRAFT


def test_it_refuses_get(client, alice, make_question):
    client.force_login(alice)
    assert client.get(url(make_question(), "submit")).status_code == 405


def test_it_returns_404_for_an_unknown_action(client, alice, make_question):
    client.force_login(alice)
    assert post(client, make_question(), "publish").status_code == 404


def test_it_sends_to_review_and_says_so(client, alice, make_question):
    question = make_question()
    client.force_login(alice)
    response = post(client, question, "submit")
    assert response.status_code == 302 and response["Location"] == f"/bank/{question.pk}/"
    assert status_of(question) == Status.REVIEW
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The question has been sent to review." in page


def test_it_lets_a_reviewer_approve_with_a_comment(client, rita, make_question):
    question = make_question(status=Status.REVIEW)
    client.force_login(rita)
    post(client, question, "approve", {"comment": "Đạt yêu cầu"})
    assert status_of(question) == Status.APPROVED
    change = StatusChange.objects.filter(question=question).latest("id")
    assert (change.actor, change.comment, change.to_status) == (rita, "Đạt yêu cầu", "approved")


def test_it_refuses_the_author_approving_their_own_question(client, tree, make_question):
    both = make_user("both@example.vn", agency=tree["snv"], roles=["author", "reviewer"])
    question = make_question(actor=both, status=Status.REVIEW)
    client.force_login(both)
    assert post(client, question, "approve").status_code == 403
    assert status_of(question) == Status.REVIEW


def test_it_needs_a_comment_to_send_back(client, rita, make_question):
    question = make_question(status=Status.REVIEW)
    client.force_login(rita)
    response = post(client, question, "send-back", {"comment": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say what needs to change when sending a question back." in page
    assert 'id="send_back_comment_errors"' in page  # the error is tied to the field
    assert status_of(question) == Status.REVIEW
    post(client, question, "send-back", {"comment": "Phương án C trùng ý với A"})
    assert status_of(question) == Status.DRAFT
    assert StatusChange.objects.filter(question=question).latest("id").comment == "Phương án C trùng ý với A"


def test_it_explains_a_refused_transition(client, alice, make_question):
    question = make_question(status=Status.APPROVED)
    client.force_login(alice)
    response = post(client, question, "submit")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only a draft can be sent to review." in page
    assert status_of(question) == Status.APPROVED


def test_it_retires_and_restores(client, alice, make_question):
    question = make_question(status=Status.APPROVED)
    client.force_login(alice)
    post(client, question, "retire", {"comment": "Hết hiệu lực"})
    assert status_of(question) == Status.RETIRED
    post(client, question, "restore")
    assert status_of(question) == Status.DRAFT


def test_it_refuses_readers_of_a_shared_question(client, bob, make_question):
    question = make_question(sharing=Question.Sharing.SHARED, status=Status.REVIEW)
    client.force_login(bob)
    for action in ("submit", "approve", "send-back", "retire", "restore"):
        assert post(client, question, action, {"comment": "x"}).status_code == 403
    assert status_of(question) == Status.REVIEW


def test_it_hides_private_questions_of_other_agencies(client, bob, charlie, make_question):
    question = make_question(status=Status.REVIEW)
    client.force_login(bob)
    assert post(client, question, "approve").status_code == 404
    client.force_login(charlie)
    assert post(client, question, "approve").status_code == 403
    assert status_of(question) == Status.REVIEW


def test_it_says_so_in_the_language_of_the_request(client, alice, make_question):
    question = make_question()
    client.force_login(alice)
    client.post(url(question, "submit"), HTTP_ACCEPT_LANGUAGE="vi")
    page = client.get(f"/bank/{question.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đã gửi câu hỏi đi thẩm định." in page
