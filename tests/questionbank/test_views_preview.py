import pytest
from django.urls import reverse

from questionbank import services
from questionbank.models import Question
from questionbank.rules import OptionData
from tests.questionbank.conftest import question_data, upload

pytestmark = pytest.mark.django_db


def url(question):
    return f"/bank/{question.pk}/preview/"


def get(client, question, params=None):
    return client.get(url(question), params or {}, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name(make_question):
    question = make_question()
    assert reverse("questionbank:preview", args=[question.pk]) == url(question)


def test_it_requires_login(client, make_question):
    assert reverse("account_login") in get(client, make_question())["Location"]


def test_it_refuses_post(client, alice, make_question):
    client.force_login(alice)
    assert client.post(url(make_question())).status_code == 405


def test_it_hides_private_questions_of_other_agencies(client, bob, charlie, make_question):
    question = make_question()
    client.force_login(bob)
    assert get(client, question).status_code == 404
    client.force_login(charlie)
    assert get(client, question).status_code == 403


def test_it_shows_radio_buttons_and_never_the_answer(client, alice, make_question):
    client.force_login(alice)
    response = get(client, make_question())
    page = response.content.decode()
    assert page.count('type="radio"') == 4
    assert "Bộ phận Một cửa" in page
    body = page.split('<fieldset class="qb-body">', 1)[1].split("</fieldset>", 1)[0]
    assert "correct" not in body.lower() and "✓" not in body
    assert "Bộ phận Một cửa tiếp nhận và trả kết quả." not in page  # the explanation
    assert "css/question_body.css" in page


def test_it_shows_checkboxes_for_multiple_choice(client, alice, make_question):
    options = [OptionData("Một", True), OptionData("Hai", True), OptionData("Ba")]
    question = make_question(kind="multiple", options=options)
    client.force_login(alice)
    page = get(client, question).content.decode()
    assert page.count('type="checkbox"') == 3
    assert "Choose every correct answer." in page


def test_it_shows_images(client, alice, make_question):
    question = make_question(
        image=upload("q.png"), options=[OptionData("", True, upload("a.png")), OptionData("Hai")]
    )
    client.force_login(alice)
    page = get(client, question).content.decode()
    assert question.current_version.image.url in page
    assert "Image of answer 1" in page


def test_it_previews_an_earlier_version(client, alice, make_question):
    question = make_question("Văn bản cũ?")
    services.mark_versions_used(version_ids=[question.current_version_id])
    services.update_question(actor=alice, question=question, data=question_data(text="Văn bản mới?"))
    client.force_login(alice)
    assert "Văn bản cũ?" in get(client, question, {"version": 1}).content.decode()
    assert "Văn bản mới?" in get(client, question).content.decode()
    assert get(client, question, {"version": 7}).status_code == 404
    assert get(client, question, {"version": "x"}).status_code == 404


def test_it_lets_another_agency_preview_a_shared_question(client, bob, make_question):
    question = make_question(sharing=Question.Sharing.SHARED)
    client.force_login(bob)
    assert get(client, question).status_code == 200
