import pytest
from django.urls import reverse

from questionbank import services
from questionbank.models import Question
from questionbank.templatetags.questionbank_extras import optional_url

pytestmark = pytest.mark.django_db

URL = "/bank/"


def get(client, params=None):
    return client.get(URL, params or {}, HTTP_ACCEPT_LANGUAGE="en")


def test_it_has_a_name():
    assert reverse("questionbank:list") == URL


def test_it_requires_login(client):
    response = get(client)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_refuses_people_without_a_bank_role(client, charlie):
    client.force_login(charlie)
    assert get(client).status_code == 403


def test_it_refuses_post(client, alice):
    client.force_login(alice)
    assert client.post(URL).status_code == 405


def test_it_lists_own_and_shared_questions_only(client, alice, bob, tree, make_question):
    make_question("Câu riêng của Sở?")
    make_question("Câu chia sẻ của Sở?", sharing=Question.Sharing.SHARED)
    make_question("Câu riêng của huyện?", actor=bob, owner=tree["district"])
    client.force_login(bob)
    page = get(client).content.decode()
    assert "Câu chia sẻ của Sở?" in page and "Câu riêng của huyện?" in page
    assert "Câu riêng của Sở?" not in page
    assert "2 questions" in page


def test_it_shows_edit_links_only_where_the_user_may_edit(client, bob, tree, make_question):
    shared = make_question("Câu chia sẻ?", sharing=Question.Sharing.SHARED)
    own = make_question("Câu của huyện?", actor=bob, owner=tree["district"])
    client.force_login(bob)
    page = get(client).content.decode()
    assert reverse("questionbank:edit", args=[own.pk]) in page
    assert reverse("questionbank:edit", args=[shared.pk]) not in page


def test_it_searches_without_accents(client, alice, make_question):
    make_question("Thủ tục hành chính là gì?")
    make_question("Công chức là ai?")
    client.force_login(alice)
    response = get(client, {"q": "thu tuc"})
    assert response.context["page"].paginator.count == 1
    assert "Thủ tục hành chính là gì?" in response.content.decode()
    assert "Công chức là ai?" not in response.content.decode()


def test_it_filters_and_keeps_the_filters_in_the_form(client, alice, make_question, topics):
    make_question("Câu dễ?", difficulty="easy")
    make_question("Câu khó?", difficulty="hard", topic=topics["cong_vu"])
    client.force_login(alice)
    response = get(client, {"difficulty": "hard", "topic": topics["cong_vu"].pk})
    page = response.content.decode()
    assert "Câu khó?" in page and "Câu dễ?" not in page
    assert '<option value="hard" selected>' in page
    assert "Clear the filters" in page


def test_it_says_when_nothing_matches(client, alice, make_question):
    make_question()
    client.force_login(alice)
    assert "No question matches these filters." in get(client, {"q": "khong co gi"}).content.decode()


def test_it_paginates_by_50_and_keeps_filters_in_page_links(client, alice, make_question):
    for n in range(51):
        make_question(f"Câu số {n}?")
    client.force_login(alice)
    response = get(client, {"q": "cau so"})
    assert len(response.context["rows"]) == 50
    assert "q=cau+so&amp;page=2" in response.content.decode()
    second = get(client, {"q": "cau so", "page": 2})
    assert len(second.context["rows"]) == 1
    assert get(client, {"page": "abc"}).status_code == 200
    assert get(client, {"page": 999}).context["page"].number == 2


def test_it_runs_the_same_number_of_queries_for_many_questions(
    client, alice, make_question, django_assert_max_num_queries, topics
):
    for n in range(3):
        make_question(f"Câu ít {n}?", tags=[f"nhãn {n}"])
    client.force_login(alice)
    get(client)  # warm the session and the caches
    with django_assert_max_num_queries(25) as few:
        get(client)
    for n in range(30):
        make_question(f"Câu nhiều {n}?", tags=[f"thẻ {n}", "chung"], topic=topics["dvc"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = get(client, {"q": "cau"})
    assert len(response.context["rows"]) == 33


def test_it_counts_without_joins(client, alice, make_question, django_assert_max_num_queries):
    make_question()
    client.force_login(alice)
    with django_assert_max_num_queries(25) as queries:
        get(client, {"tag": "một cửa"})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("JOIN" not in sql.upper() for sql in counts)


def test_it_links_to_exports_with_the_filters_once_they_exist(client, alice):
    client.force_login(alice)
    response = get(client, {"status": "draft", "page": "2"})
    assert response.status_code == 200  # with or without the import engineer's routes
    page = response.content.decode()
    export = optional_url("questionbank:export-xlsx")
    if export:
        assert f'href="{export}?status=draft"' in page  # the filters, not the page number
    else:
        assert "Export these questions" not in page


def test_it_resolves_optional_urls_to_nothing_when_missing():
    assert optional_url("questionbank:list") == URL
    assert optional_url("questionbank:no-such-page") == ""
    assert optional_url("questionbank:detail", 7) == "/bank/7/"


def test_it_shows_retired_questions_only_with_their_status(client, alice, make_question):
    question = make_question("Câu đã bỏ?")
    services.retire(actor=alice, question=question)
    client.force_login(alice)
    page = get(client, {"status": "retired"}).content.decode()
    assert "Câu đã bỏ?" in page and "qb-status-retired" in page
    assert "Câu đã bỏ?" not in get(client, {"status": "approved"}).content.decode()


def test_it_uses_the_bank_stylesheet_and_no_inline_script(client, alice, make_question):
    make_question()
    client.force_login(alice)
    page = get(client).content.decode()
    assert "css/bank.css" in page and "js/bank_list.js" in page
    assert "<script>" not in page and "style=" not in page


def test_it_builds_row_links_that_match_the_url_patterns(client, alice, make_question):
    question = make_question()
    client.force_login(alice)
    row = get(client).context["rows"][0]
    assert row["url"] == reverse("questionbank:detail", args=[question.pk])
    assert row["edit_url"] == reverse("questionbank:edit", args=[question.pk])
