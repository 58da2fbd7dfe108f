import pytest
from django.urls import reverse

from questionbank.models import Question
from tests.questionbank.conftest import png_bytes, question_post, upload

pytestmark = pytest.mark.django_db

URL = "/bank/new/"


def post(client, data):
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name():
    assert reverse("questionbank:create") == URL


def test_it_requires_login(client):
    assert reverse("account_login") in client.get(URL)["Location"]


def test_it_refuses_people_without_an_editing_role(client, charlie, rita):
    for person in (charlie, rita):  # no role; a reviewer reviews but does not write
        client.force_login(person)
        assert client.get(URL).status_code == 403


def test_it_refuses_put(client, alice):
    client.force_login(alice)
    assert client.put(URL).status_code == 405


def test_it_offers_only_the_authors_agencies(client, alice, tree, topics):
    client.force_login(alice)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sở Nội vụ" in page and "Văn thư Sở Nội vụ" in page
    assert "UBND huyện Tuy Phước" not in page
    assert 'name="opt-5-text"' in page and 'name="opt-6-text"' not in page  # six option rows


def test_it_creates_a_draft_and_ignores_blank_rows(client, alice, tree, topics):
    client.force_login(alice)
    response = post(client, question_post(topics["mot_cua"], owner=tree["snv"]))
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bank/{question.pk}/"
    assert question.status == "draft" and question.author == alice and question.owner_agency == tree["snv"]
    assert [o.text for o in question.current_version.options.all()] == [
        "Bộ phận Một cửa",
        "Văn phòng HĐND",
        "Công an xã",
    ]
    assert set(question.tags.values_list("name", flat=True)) == {"một cửa", "CCHC"}
    assert question.current_version.legal_basis == "Điều 6 Nghị định 61/2018/NĐ-CP"


def test_it_refuses_an_agency_outside_the_authors_roles(client, alice, tree, topics):
    client.force_login(alice)
    response = post(client, question_post(topics["mot_cua"], owner=tree["district"]))
    assert response.status_code == 200
    assert "owner_agency" in response.context["form"].errors
    assert not Question.objects.exists()


def test_it_ties_rule_errors_to_the_options(client, alice, tree, topics):
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"], options=[("Có", False), ("Không", False)])
    response = post(client, data)
    page = response.content.decode()
    assert "No option is marked correct." in page
    assert 'id="options-errors"' in page and "options-help options-errors" in page
    assert not Question.objects.exists()


def test_it_needs_two_options(client, alice, tree, topics):
    client.force_login(alice)
    response = post(client, question_post(topics["mot_cua"], owner=tree["snv"], options=[("Có", True)]))
    assert "A question needs at least 2 options." in response.content.decode()


def test_it_refuses_two_correct_answers_for_single_choice(client, alice, tree, topics):
    client.force_login(alice)
    options = [("Một", True), ("Hai", True), ("Ba", False)]
    response = post(client, question_post(topics["mot_cua"], owner=tree["snv"], options=options))
    assert "2 options are marked correct" in response.content.decode()
    data = question_post(topics["mot_cua"], owner=tree["snv"], options=options, kind="multiple")
    assert post(client, data).status_code == 302


def test_it_refuses_a_correct_mark_on_an_empty_row(client, alice, tree, topics):
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"])
    data["opt-4-is_correct"] = "on"
    response = post(client, data)
    assert "Write the option before marking it correct." in response.content.decode()
    assert not Question.objects.exists()


def test_it_requires_text_and_topic(client, alice, tree, topics):
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"], text="  ")
    data["topic"] = ""
    response = post(client, data)
    errors = response.context["form"].errors
    assert "text" in errors and "topic" in errors
    assert 'aria-invalid="true"' in response.content.decode()


def test_it_refuses_a_tampered_option_count(client, alice, tree, topics):
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"])
    data["opt-TOTAL_FORMS"] = "50"
    response = post(client, data)
    assert response.status_code == 200 and not Question.objects.exists()


def test_it_stores_question_and_option_images(client, alice, tree, topics):
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"])
    data["image"] = upload("so-do.png")
    data["opt-1-image"] = upload("dap-an.png")
    assert post(client, data).status_code == 302
    version = Question.objects.get().current_version
    assert version.image.name.startswith("questions/")
    assert [bool(o.image) for o in version.options.all()] == [False, True, False]


def test_it_refuses_a_fake_image_on_its_field(client, alice, tree, topics):
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"])
    data["image"] = upload("virus.png", b"not an image")
    data["opt-0-image"] = upload("fake.png", b"not an image either")
    response = post(client, data)
    form = response.context["form"]
    assert form.errors["image"] == ["The file is not an image (or it is damaged)."]
    assert form.option_forms[0].errors["image"] == ["The file is not an image (or it is damaged)."]
    assert not Question.objects.exists()


def test_it_warns_about_a_duplicate_and_saves_when_confirmed(client, alice, tree, topics, make_question):
    existing = make_question("Cơ quan nào tiếp nhận hồ sơ theo cơ chế một cửa?")
    client.force_login(alice)
    data = question_post(
        topics["mot_cua"], owner=tree["snv"], text="cơ quan nào tiếp nhận hồ sơ theo cơ chế MỘT CỬA"
    )
    response = post(client, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This question may already be in the bank" in page
    assert f"/bank/{existing.pk}/" in page
    assert 'name="confirm_duplicate"' in page
    assert Question.objects.count() == 1

    data["confirm_duplicate"] = "on"
    assert post(client, data).status_code == 302
    assert Question.objects.count() == 2


def test_it_asks_for_images_again_after_a_duplicate_warning(client, alice, tree, topics, make_question):
    make_question("Cơ quan nào tiếp nhận hồ sơ theo cơ chế một cửa?")
    client.force_login(alice)
    data = question_post(topics["mot_cua"], owner=tree["snv"])
    data["image"] = upload("anh.png", png_bytes())
    assert "Choose your image files again" in post(client, data).content.decode()


def test_it_does_not_reveal_a_private_duplicate_it_cannot_read(client, tree, topics, make_question, dave):
    hidden = make_question("Cơ quan nào tiếp nhận hồ sơ theo cơ chế một cửa?")  # snv, private
    client.force_login(dave)  # author at snv_unit: snv is an ancestor, its private questions are hidden
    response = post(client, question_post(topics["mot_cua"], owner=tree["snv_unit"]))
    page = response.content.decode()
    assert "And 1 private question of an agency whose questions you cannot see." in page
    assert f"/bank/{hidden.pk}/" not in page
