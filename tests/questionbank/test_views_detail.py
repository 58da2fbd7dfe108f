from datetime import UTC, datetime

import pytest
from django.urls import reverse

from questionbank import services
from questionbank.models import Question
from tests.questionbank.conftest import question_data

pytestmark = pytest.mark.django_db


def url(question):
    return f"/bank/{question.pk}/"


def get(client, question):
    return client.get(url(question), HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name(make_question):
    question = make_question()
    assert reverse("questionbank:detail", args=[question.pk]) == url(question)


def test_it_requires_login(client, make_question):
    assert reverse("account_login") in get(client, make_question())["Location"]


def test_it_refuses_post(client, alice, make_question):
    client.force_login(alice)
    assert client.post(url(make_question())).status_code == 405


def test_it_hides_a_private_question_of_another_agency(client, bob, make_question):
    client.force_login(bob)
    assert get(client, make_question()).status_code == 404
    assert client.get("/bank/999999/").status_code == 404


def test_it_refuses_people_without_a_bank_role(client, charlie, make_question):
    client.force_login(charlie)
    assert get(client, make_question(sharing=Question.Sharing.SHARED)).status_code == 403


def test_it_shows_a_shared_question_read_only_to_another_agency(client, bob, make_question):
    question = make_question(sharing=Question.Sharing.SHARED)
    client.force_login(bob)
    page = get(client, question).content.decode()
    assert "Cơ quan nào tiếp nhận hồ sơ" in page
    assert f"/bank/{question.pk}/edit/" not in page and "Send to review" not in page


def test_it_shows_the_answer_explanation_and_legal_basis(client, alice, make_question):
    client.force_login(alice)
    page = get(client, make_question()).content.decode()
    assert "✓ correct" in page
    assert "Bộ phận Một cửa tiếp nhận và trả kết quả." in page
    assert "Điều 6 Nghị định 61/2018/NĐ-CP" in page


def test_it_shows_the_status_history_with_who_and_why(client, alice, rita, make_question):
    question = make_question()
    services.submit_for_review(actor=alice, question=question)
    services.send_back(actor=rita, question=question, comment="Thiếu căn cứ pháp lý")
    client.force_login(alice)
    page = get(client, question).content.decode()
    assert "In review → Draft" in page
    assert "Thiếu căn cứ pháp lý" in page
    assert "Nguyễn Văn Rita" in page


def test_it_lists_every_version_with_its_first_use(client, alice, make_question):
    question = make_question("Phiên bản một?")
    services.mark_versions_used(
        version_ids=[question.current_version_id], now=datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    )
    services.update_question(actor=alice, question=question, data=question_data(text="Phiên bản hai?"))
    client.force_login(alice)
    page = get(client, question).content.decode()
    assert "Phiên bản một?" in page and "Phiên bản hai?" in page
    assert "first shown 02/03/2026 08:00" in page  # shown in Asia/Ho_Chi_Minh
    assert "not shown yet" in page
    assert "?version=1" in page and "?version=2" in page


def test_it_offers_the_actions_of_each_role(client, alice, rita, make_question):
    question = make_question(status=Question.Status.REVIEW)
    client.force_login(alice)  # the author: may retire, may not approve her own question
    page = get(client, question).content.decode()
    assert f"/bank/{question.pk}/retire/" in page
    assert f"/bank/{question.pk}/approve/" not in page
    assert "another reviewer must approve it" in page
    client.force_login(rita)
    page = get(client, question).content.decode()
    assert f"/bank/{question.pk}/approve/" in page and f"/bank/{question.pk}/send-back/" in page
    assert f"/bank/{question.pk}/retire/" not in page


def test_it_offers_restore_for_a_retired_question(client, alice, make_question):
    question = make_question(status=Question.Status.RETIRED)
    client.force_login(alice)
    page = get(client, question).content.decode()
    assert f"/bank/{question.pk}/restore/" in page and f"/bank/{question.pk}/edit/" not in page
