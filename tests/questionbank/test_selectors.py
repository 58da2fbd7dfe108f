"""Who reads, edits and reviews which question; what rounds may draw; duplicates."""

import pytest
from django.contrib.auth.models import AnonymousUser

from questionbank import selectors
from questionbank.models import Question
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Status = Question.Status


@pytest.fixture
def bank(make_question, tree, dave, bob):
    """One question per interesting place in the agency tree."""
    return {
        "snv_private": make_question("Riêng của Sở Nội vụ?"),
        "snv_shared": make_question("Chia sẻ của Sở Nội vụ?", sharing=Question.Sharing.SHARED),
        "unit_private": make_question("Riêng của Văn thư?", actor=dave, owner=tree["snv_unit"]),
        "district_private": make_question("Riêng của huyện?", actor=bob, owner=tree["district"]),
        "province_private": make_question("Riêng của tỉnh?", owner=tree["province"]),
    }


MATRIX = [
    # (person, question, can read, can edit, can review)
    ("alice", "snv_private", True, True, False),  # alice wrote it
    ("alice", "unit_private", True, True, True),  # organizer over the sub-agency
    ("alice", "snv_shared", True, True, False),
    ("alice", "district_private", False, False, False),
    ("alice", "province_private", False, False, False),  # an ancestor's private question
    ("bob", "snv_private", False, False, False),
    ("bob", "snv_shared", True, False, False),  # shared: readable, not editable
    ("bob", "district_private", True, True, False),
    ("rita", "snv_private", True, False, True),
    ("rita", "unit_private", True, False, True),
    ("rita", "district_private", False, False, False),
    ("dave", "snv_private", False, False, False),  # an author below snv does not see snv's
    ("dave", "snv_shared", True, False, False),
    ("dave", "unit_private", True, True, False),
    ("charlie", "snv_shared", False, False, False),  # no bank role at all
    ("charlie", "snv_private", False, False, False),
]


@pytest.mark.parametrize(("person", "key", "read", "edit", "review"), MATRIX)
def test_it_applies_the_permission_matrix(request, bank, rita, person, key, read, edit, review):
    user = request.getfixturevalue(person)
    question = bank[key]
    assert selectors.can_read_question(user=user, question=question) is read
    assert selectors.can_edit_question(user=user, question=question) is edit
    assert selectors.can_review_question(user=user, question=question) is review


def test_it_gives_anonymous_users_nothing(bank):
    anonymous = AnonymousUser()
    assert not selectors.readable_questions(user=anonymous).exists()
    assert not selectors.has_bank_access(user=anonymous)
    assert not selectors.can_edit_question(user=anonymous, question=bank["snv_shared"])


def test_it_gives_superusers_everything(bank):
    root = make_user("root@example.vn", superuser=True, complete=False)
    assert selectors.readable_questions(user=root).count() == len(bank)
    assert selectors.can_edit_question(user=root, question=bank["district_private"])


def test_it_needs_a_verified_address_for_organizer_rights(tree, make_question):
    eve = make_user("eve@example.vn", agency=tree["snv"], roles=["organizer"], verified=False)
    question = make_question()
    assert not selectors.has_bank_access(user=eve)
    assert not selectors.can_edit_question(user=eve, question=question)


def test_it_lists_bank_access(alice, bob, charlie, rita, dave):
    assert [selectors.has_bank_access(user=u) for u in (alice, bob, charlie, rita, dave)] == [
        True,
        True,
        False,
        True,
        True,
    ]


def test_it_draws_approved_questions_of_the_agency_line_and_shared_ones(bank, tree):
    for question in bank.values():
        question.status = Status.APPROVED
        question.save(update_fields=["status"])
    usable = set(selectors.usable_questions(agency=tree["snv"]).values_list("pk", flat=True))
    expected = {bank[k].pk for k in ("snv_private", "snv_shared", "unit_private", "province_private")}
    assert usable == expected
    commune = set(selectors.usable_questions(agency=tree["commune"]).values_list("pk", flat=True))
    assert commune == {bank[k].pk for k in ("snv_shared", "district_private", "province_private")}


def test_it_draws_neither_drafts_nor_reviews_nor_retired(make_question, tree):
    for status in (Status.DRAFT, Status.REVIEW, Status.RETIRED):
        make_question(f"Câu ở trạng thái {status}?", status=status)
    assert not selectors.usable_questions(agency=tree["snv"]).exists()


def test_it_finds_duplicates_ignoring_case_spacing_and_punctuation(make_question, tree):
    original = make_question("Thủ tục hành chính là gì?")
    found = selectors.duplicates_of(text="  thủ TỤC   hành chính là gì ", owner_agency=tree["snv"])
    assert list(found) == [original]
    assert not selectors.duplicates_of(
        text="Thủ tục hành chính là gì?", owner_agency=tree["snv"], exclude_id=original.pk
    ).exists()


def test_it_finds_duplicates_only_in_the_owner_scope(make_question, tree, bob):
    make_question("Câu riêng của huyện?", actor=bob, owner=tree["district"])
    shared = make_question("Câu chia sẻ?", sharing=Question.Sharing.SHARED)
    assert not selectors.duplicates_of(text="Câu riêng của huyện?", owner_agency=tree["snv"]).exists()
    assert list(selectors.duplicates_of(text="Câu chia sẻ?", owner_agency=tree["district"])) == [shared]


def test_it_ignores_retired_duplicates(make_question, tree):
    make_question("Câu đã bỏ?", status=Status.RETIRED)
    assert not selectors.duplicates_of(text="Câu đã bỏ?", owner_agency=tree["snv"]).exists()


def test_it_counts_by_topic_difficulty_and_status(make_question, topics, alice):
    make_question("Một?", difficulty="easy", status=Status.APPROVED)
    make_question("Hai?", difficulty="easy", status=Status.APPROVED)
    make_question("Ba?", difficulty="hard", topic=topics["dvc"])
    counts = selectors.bank_counts(questions=selectors.readable_questions(user=alice))
    assert counts == {
        (topics["mot_cua"].pk, "easy", "approved"): 2,
        (topics["dvc"].pk, "hard", "draft"): 1,
    }


def test_it_indents_topic_choices_by_depth(topics):
    labels = dict(selectors.topic_choices())
    assert labels[topics["tthc"].pk] == "Cải cách thủ tục hành chính"
    assert labels[topics["mot_cua"].pk] == "\u2003Cơ chế một cửa"


def test_it_orders_topics_as_a_tree_in_creation_order(db):
    from questionbank import services

    first = services.create_topic(name="Thứ nhất", code="a")
    created = [services.create_topic(name=f"Chủ đề {n}", code=f"t{n}") for n in range(10)]
    child = services.create_topic(name="Con của thứ nhất", code="a-con", parent=first)
    order = [t.code for t in selectors.topics_in_tree_order()]
    assert order == ["a", "a-con"] + [t.code for t in created]
    assert child.path.startswith(first.path)


@pytest.mark.parametrize("person", ["alice", "bob", "charlie", "rita", "dave", "eve", "root", "anonymous"])
def test_it_reads_the_same_rights_at_once_as_one_by_one(request, bank, tree, person):
    from accounts import selectors as account_selectors

    if person == "eve":  # an organizer whose address is not verified
        user = make_user(
            "eve@example.vn", agency=tree["snv"], roles=["organizer", "reviewer"], verified=False
        )
    elif person == "root":
        user = make_user("root@example.vn", superuser=True, complete=False)
    elif person == "anonymous":
        user = AnonymousUser()
    else:
        user = request.getfixturevalue(person)
    access = selectors.bank_access(user=user)
    assert access.has_access == selectors.has_bank_access(user=user)
    assert set(access.readable_questions()) == set(selectors.readable_questions(user=user))
    if user.is_authenticated:
        expected_edit = set(selectors.agencies_for_new_questions(user=user).values_list("id", flat=True))
        assert set(access.edit_ids) == expected_edit
        assert access.manages == account_selectors.managed_agencies(user=user).exists()
