"""filter_questions: accent-insensitive search and the list filters."""

import pytest
from django.http import QueryDict

from questionbank import selectors, services
from questionbank.filtering import active_filters, filter_questions, search_words
from questionbank.models import Question
from tests.questionbank.conftest import question_data

pytestmark = pytest.mark.django_db


def found(params, user):
    queryset, _filters = filter_questions(selectors.readable_questions(user=user), params)
    return set(queryset.values_list("text", flat=True))


@pytest.fixture
def sample(make_question, topics, tree, bob):
    make_question("Thủ tục hành chính được công khai ở đâu?", difficulty="easy", tags=["Công khai"])
    make_question(
        "Đất đai thuộc lĩnh vực nào?",
        topic=topics["dvc"],
        difficulty="hard",
        legal_basis="Luật Đất đai 2024",
        status=Question.Status.APPROVED,
    )
    make_question("Công chức là ai?", topic=topics["cong_vu"], kind="multiple", tags=["công vụ"])
    make_question("Câu của huyện về thủ tục?", actor=bob, owner=tree["district"])


def test_it_finds_accented_text_from_unaccented_words(sample, alice):
    assert found({"q": "thu tuc"}, alice) == {"Thủ tục hành chính được công khai ở đâu?"}
    assert found({"q": "THU TUC"}, alice) == {"Thủ tục hành chính được công khai ở đâu?"}


def test_it_finds_the_letter_d_with_stroke(sample, alice):
    assert found({"q": "dat dai"}, alice) == {"Đất đai thuộc lĩnh vực nào?"}
    assert found({"q": "Đất Đai"}, alice) == {"Đất đai thuộc lĩnh vực nào?"}


def test_it_needs_every_word_in_any_order(sample, alice):
    assert found({"q": "cong khai thu tuc"}, alice) == {"Thủ tục hành chính được công khai ở đâu?"}
    assert found({"q": "thu tuc dat dai"}, alice) == set()


def test_it_searches_legal_basis_and_tags(sample, alice):
    assert found({"q": "luat dat dai 2024"}, alice) == {"Đất đai thuộc lĩnh vực nào?"}
    assert found({"q": "cong vu"}, alice) == {"Công chức là ai?"}


def test_it_never_searches_beyond_what_the_user_may_read(sample, alice, bob):
    assert "Câu của huyện về thủ tục?" not in found({"q": "thu tuc"}, alice)
    assert found({"q": "thu tuc"}, bob) == {"Câu của huyện về thủ tục?"}


def test_it_treats_wildcards_as_text(sample, alice):
    assert found({"q": "%"}, alice) == set()
    assert found({"q": "_"}, alice) == set()


def test_it_includes_the_topic_subtree(sample, alice, topics):
    under_tthc = found({"topic": str(topics["tthc"].pk)}, alice)
    assert under_tthc == {"Thủ tục hành chính được công khai ở đâu?", "Đất đai thuộc lĩnh vực nào?"}
    assert found({"topic": topics["dvc"].pk}, alice) == {"Đất đai thuộc lĩnh vực nào?"}


def test_it_combines_filters(sample, alice):
    assert found({"status": "approved", "difficulty": "hard"}, alice) == {"Đất đai thuộc lĩnh vực nào?"}
    assert found({"kind": "multiple"}, alice) == {"Công chức là ai?"}
    assert found({"status": "draft", "difficulty": "hard"}, alice) == set()


def test_it_filters_by_tag_ignoring_case(sample, alice):
    assert found({"tag": "công khai"}, alice) == {"Thủ tục hành chính được công khai ở đâu?"}
    assert found({"tag": "không có"}, alice) == set()


def test_it_filters_by_owner_agency(sample, tree, alice):
    root = type(alice).objects.create_superuser(email="root@example.vn", password="x")
    assert found({"owner": tree["district"].pk}, root) == {"Câu của huyện về thủ tục?"}


def test_it_ignores_malformed_values(sample, alice):
    everything = found({}, alice)
    bad = {"topic": "abc", "status": "bogus", "difficulty": "", "kind": "x", "owner": "-3", "q": "   "}
    assert found(bad, alice) == everything
    assert found({"topic": "999999"}, alice) == everything


def test_it_returns_what_it_applied(sample, topics, alice):
    params = QueryDict(f"topic={topics['tthc'].pk}&status=draft&q=  Thủ  tục &page=3")
    _queryset, filters = filter_questions(Question.objects.all(), params)
    assert filters["topic"] == topics["tthc"]
    assert (filters["status"], filters["q"], filters["owner"], filters["tag"]) == (
        "draft",
        "Thủ tục",
        None,
        "",
    )
    assert active_filters(filters)
    assert not active_filters(filter_questions(Question.objects.all(), {})[1])


def test_it_folds_search_words():
    assert search_words("  Thủ TỤC   Đất đai ") == ["thu", "tuc", "dat", "dai"]
    assert len(search_words("một " * 50)) == 8


def test_it_follows_edits_of_the_text(make_question, alice):
    question = make_question("Cải cách hành chính?")
    data = question_data(text="Văn hóa công vụ?", tags=[], legal_basis="")
    services.update_question(actor=alice, question=question, data=data)
    assert found({"q": "van hoa"}, alice) == {"Văn hóa công vụ?"}
    assert found({"q": "cai cach"}, alice) == set()
