"""The Django admin of the bank: lists, search and read-only history."""

import pytest

from questionbank import services
from questionbank.models import Question
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tree):
    return make_user("root@example.vn", superuser=True, complete=False)


def test_it_lists_and_searches_questions_without_accents(client, root, make_question):
    make_question("Thủ tục hành chính là gì?")
    make_question("Công chức là ai?")
    client.force_login(root)
    response = client.get("/admin/questionbank/question/", {"q": "thu tuc"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Thủ tục hành chính là gì?" in page and "Công chức là ai?" not in page


def test_it_shows_versions_and_status_changes_read_only(client, root, alice, make_question):
    question = make_question()
    services.submit_for_review(actor=alice, question=question)
    client.force_login(root)
    page = client.get(f"/admin/questionbank/question/{question.pk}/change/").content.decode()
    assert 'name="versions-0-text"' not in page  # inline versions are not editable
    assert "Cơ quan nào tiếp nhận hồ sơ" in page


def test_it_keeps_the_search_copy_when_tags_change_in_the_admin(client, root, make_question, topics):
    question = make_question("Công chức là ai?", tags=["ôn tập"], legal_basis="")
    assert "on tap" in question.search_text
    client.force_login(root)
    tag_ids = []
    response = client.post(
        f"/admin/questionbank/question/{question.pk}/change/",
        {
            "topic": topics["dvc"].pk,
            "difficulty": "hard",
            "sharing": "shared",
            "tags": tag_ids,
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": question.current_version_id,
            "versions-0-question": question.pk,
            "status_changes-TOTAL_FORMS": "1",
            "status_changes-INITIAL_FORMS": "1",
            "status_changes-MIN_NUM_FORMS": "0",
            "status_changes-MAX_NUM_FORMS": "1000",
            "status_changes-0-id": question.status_changes.get().pk,
            "status_changes-0-question": question.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert (question.topic, question.difficulty, question.sharing) == (topics["dvc"], "hard", "shared")
    assert question.search_text == "cong chuc la ai?"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/questionbank/topic/",
        "/admin/questionbank/topic/?q=thu+tuc",
        "/admin/questionbank/tag/",
        "/admin/questionbank/statuschange/",
        "/admin/questionbank/questionversion/",
        "/admin/questionbank/importbatch/",
        "/admin/questionbank/question/?status__exact=draft",
    ],
)
def test_it_renders_the_lists(client, root, make_question, path):
    make_question()
    client.force_login(root)
    assert client.get(path).status_code == 200


def test_it_refuses_adding_questions_in_the_admin(client, root):
    client.force_login(root)
    assert client.get("/admin/questionbank/question/add/").status_code == 403


def test_it_is_for_staff_only(client, alice, make_question):
    client.force_login(alice)
    assert client.get("/admin/questionbank/question/").status_code == 302


def test_it_keeps_topic_paths_when_a_topic_moves_in_the_admin(client, root, topics):
    client.force_login(root)
    response = client.post(
        f"/admin/questionbank/topic/{topics['tthc'].pk}/change/",
        {"name": "Cải cách thủ tục hành chính", "code": "tthc", "parent": topics["cong_vu"].pk},
    )
    assert response.status_code == 302
    topics["mot_cua"].refresh_from_db()
    assert topics["mot_cua"].path.startswith(topics["cong_vu"].path)
    assert Question.objects.count() == 0
