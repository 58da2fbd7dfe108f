from datetime import UTC, datetime

import pytest
from django.urls import reverse

from questionbank import services
from questionbank.models import Question, QuestionVersion
from questionbank.rules import OptionData
from tests.questionbank.conftest import question_post, upload

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def url(question):
    return f"/bank/{question.pk}/edit/"


def post(client, question, data):
    return client.post(url(question), data, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name(make_question):
    question = make_question()
    assert reverse("questionbank:edit", args=[question.pk]) == url(question)


def test_it_requires_login(client, make_question):
    assert reverse("account_login") in client.get(url(make_question()))["Location"]


def test_it_refuses_delete(client, alice, make_question):
    client.force_login(alice)
    assert client.delete(url(make_question())).status_code == 405


def test_it_hides_private_questions_of_other_agencies(client, bob, make_question):
    client.force_login(bob)
    assert client.get(url(make_question())).status_code == 404


def test_it_refuses_readers_who_may_not_edit(client, bob, rita, make_question):
    shared = make_question(sharing=Question.Sharing.SHARED)
    client.force_login(bob)  # another agency: reads a shared question, does not edit it
    assert client.get(url(shared)).status_code == 403
    assert client.post(url(shared), {}).status_code == 403
    client.force_login(rita)  # a reviewer of the owner agency
    assert client.get(url(shared)).status_code == 403


def test_it_refuses_people_without_a_role(client, charlie, make_question):
    client.force_login(charlie)
    assert client.get(url(make_question(sharing=Question.Sharing.SHARED))).status_code == 403


def test_it_shows_the_current_content(client, alice, make_question):
    question = make_question()
    client.force_login(alice)
    response = client.get(url(question), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert 'value="Bộ phận Một cửa"' in page and 'name="owner_agency"' not in page
    assert 'name="opt-0-is_correct" id="id_opt-0-is_correct" checked' in page
    assert "một cửa" in page


def test_it_rewrites_an_unused_version(client, alice, make_question, topics):
    question = make_question()
    client.force_login(alice)
    response = post(client, question, question_post(topics["dvc"], text="Văn bản đã sửa?"))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.versions.count() == 1 and question.current_version.text == "Văn bản đã sửa?"
    assert question.topic == topics["dvc"]


def test_it_writes_a_new_version_after_use_and_keeps_the_old_one(client, alice, make_question, topics):
    question = make_question()
    old = question.current_version
    services.mark_versions_used(version_ids=[old.pk], now=NOW)
    client.force_login(alice)
    response = post(client, question, question_post(topics["mot_cua"], text="Văn bản mới?"))
    assert response.status_code == 302
    follow = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Saved as version 2." in follow
    assert QuestionVersion.objects.get(pk=old.pk).text == old.text
    question.refresh_from_db()
    assert question.current_version.number == 2


def test_it_keeps_an_approved_question_approved_when_nothing_changed(client, alice, make_question, topics):
    question = make_question(
        "Cơ quan nào tiếp nhận hồ sơ theo cơ chế một cửa?",
        status=Question.Status.APPROVED,
        options=[OptionData("Bộ phận Một cửa", True), OptionData("Văn phòng HĐND"), OptionData("Công an xã")],
        explanation="",
    )
    client.force_login(alice)
    assert post(client, question, question_post(topics["mot_cua"])).status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.APPROVED and question.versions.count() == 1


def test_it_warns_that_an_edited_approved_question_needs_review(client, alice, make_question, topics):
    question = make_question(status=Question.Status.APPROVED)
    client.force_login(alice)
    response = post(client, question, question_post(topics["mot_cua"], text="Đổi nội dung?"))
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The question is a draft again: it needs a new review." in page
    assert Question.objects.get(pk=question.pk).status == Question.Status.DRAFT


def test_it_sends_a_retired_question_back_to_its_page(client, alice, make_question):
    question = make_question(status=Question.Status.RETIRED)
    client.force_login(alice)
    response = client.get(url(question), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == f"/bank/{question.pk}/"


def test_it_keeps_removes_and_moves_option_images(client, alice, make_question, topics):
    question = make_question(
        image=upload("q.png"),
        options=[OptionData("Một", True, upload("a.png")), OptionData("Hai", False, upload("b.png"))],
    )
    images = [o.image.name for o in question.current_version.options.all()]
    question_image = question.current_version.image.name
    client.force_login(alice)
    page = client.get(url(question), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Current image of option 1" in page and "Current question image" in page

    # Row 1 is emptied and its image removed: "Hai" moves up with its own image.
    data = question_post(topics["mot_cua"], options=[("", False), ("Hai", True), ("Ba", False)])
    data["opt-0-clear_image"] = "on"
    assert post(client, question, data).status_code == 302
    question.refresh_from_db()
    rows = [(o.text, o.image.name) for o in question.current_version.options.all()]
    assert rows == [("Hai", images[1]), ("Ba", "")]
    assert question.current_version.image.name == question_image

    data = question_post(topics["mot_cua"], options=[("Hai", True), ("Ba", False)])
    data["clear_image"] = "on"
    assert post(client, question, data).status_code == 302
    question.refresh_from_db()
    assert not question.current_version.image


def test_it_warns_about_a_duplicate_of_another_question_only(client, alice, make_question, topics):
    make_question("Câu đã có trong ngân hàng?")
    question = make_question("Câu đang sửa?")
    client.force_login(alice)
    same = post(client, question, question_post(topics["mot_cua"], text="Câu đang sửa?"))
    assert same.status_code == 302  # its own text is no duplicate
    response = post(client, question, question_post(topics["mot_cua"], text="câu ĐÃ có trong ngân hàng"))
    assert "This question may already be in the bank" in response.content.decode()
    assert Question.objects.get(pk=question.pk).text == "Câu đang sửa?"


def test_it_returns_404_for_an_unknown_question(client, alice, topics):
    client.force_login(alice)
    assert client.get("/bank/999999/edit/").status_code == 404
