"""Services of the bank: versioning, the review workflow, permissions, bulk actions."""

from datetime import UTC, datetime

import pytest

from questionbank import selectors, services
from questionbank.models import Option, Question, QuestionVersion, StatusChange, Tag
from questionbank.rules import OptionData
from tests.factories import make_user
from tests.questionbank.conftest import question_data, upload

pytestmark = pytest.mark.django_db

Status = Question.Status
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def statuses(question):
    return list(StatusChange.objects.filter(question=question).values_list("from_status", "to_status"))


# --- creating -----------------------------------------------------------------------------


def test_it_creates_a_draft_with_its_first_version(alice, tree, topics):
    question = services.create_question(
        actor=alice, owner_agency=tree["snv"], topic=topics["tthc"], data=question_data()
    )
    version = question.current_version
    assert question.status == Status.DRAFT and question.author == alice
    assert version.number == 1 and version.used_at is None and version.created_by == alice
    assert [o.text for o in version.options.all()][0] == "Bộ phận Một cửa"
    assert [o.is_correct for o in version.options.all()] == [True, False, False, False]
    assert statuses(question) == [("", "draft")]
    assert "thu tuc hanh chinh" in question.search_text and "nghi dinh 61/2018/nd-cp" in question.search_text


def test_it_refuses_an_agency_the_author_has_no_role_in(alice, tree, topics):
    with pytest.raises(services.PermissionDenied):
        services.create_question(
            actor=alice, owner_agency=tree["district"], topic=topics["tthc"], data=question_data()
        )
    assert not Question.objects.exists()


def test_it_refuses_a_malformed_question_and_writes_nothing(alice, tree, topics):
    with pytest.raises(services.QuestionError) as caught:
        services.create_question(
            actor=alice,
            owner_agency=tree["snv"],
            topic=topics["tthc"],
            data=question_data(options=[OptionData("Một", False), OptionData("Hai", False)]),
        )
    assert ("options", "No option is marked correct.") in caught.value.errors
    assert not Question.objects.exists() and not StatusChange.objects.exists()


def test_it_reuses_a_tag_that_differs_only_by_case(make_question):
    make_question(tags=["CCHC"])
    make_question("Câu hỏi thứ hai?", tags=["cchc"])
    assert list(Tag.objects.values_list("name", flat=True)) == ["CCHC"]


# --- versioning ------------------------------------------------------------------------------


def test_it_rewrites_an_unused_version_in_place(make_question, alice):
    question = make_question()
    services.update_question(actor=alice, question=question, data=question_data(text="Văn bản mới?"))
    question.refresh_from_db()
    assert question.versions.count() == 1
    assert question.current_version.number == 1
    assert question.current_version.text == "Văn bản mới?"
    assert question.text == "Văn bản mới?"


def test_it_keeps_a_used_version_and_writes_version_two(make_question, alice):
    question = make_question()
    old = question.current_version
    old_options = list(old.options.values_list("id", "text", "is_correct"))
    services.mark_versions_used(version_ids=[old.pk], now=NOW)

    options = [OptionData("Trung tâm Phục vụ hành chính công", True), OptionData("Ủy ban MTTQ")]
    services.update_question(
        actor=alice, question=question, data=question_data(text="Câu hỏi đã sửa?", options=options)
    )

    question.refresh_from_db()
    kept = QuestionVersion.objects.get(pk=old.pk)
    assert kept.number == 1 and kept.used_at == NOW
    assert kept.text == "Cơ quan nào tiếp nhận hồ sơ thủ tục hành chính theo cơ chế một cửa?"
    assert list(kept.options.values_list("id", "text", "is_correct")) == old_options
    new = question.current_version
    assert new.pk != old.pk and new.number == 2 and new.used_at is None
    assert [o.text for o in new.options.all()] == ["Trung tâm Phục vụ hành chính công", "Ủy ban MTTQ"]


def test_it_numbers_versions_after_the_highest(make_question, alice):
    question = make_question()
    for n in range(3):
        services.mark_versions_used(version_ids=[question.current_version_id], now=NOW)
        question = services.update_question(
            actor=alice, question=question, data=question_data(text=f"Phiên bản {n + 2}?")
        )
    assert list(question.versions.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert question.current_version.number == 4


def test_it_never_moves_the_first_use(make_question):
    question = make_question()
    services.mark_versions_used(version_ids=[question.current_version_id], now=NOW)
    services.mark_versions_used(
        version_ids=[question.current_version_id], now=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert QuestionVersion.objects.get(pk=question.current_version_id).used_at == NOW


def test_it_sends_an_edited_approved_question_back_to_draft(make_question, alice):
    question = make_question(status=Status.APPROVED)
    services.update_question(actor=alice, question=question, data=question_data(text="Sửa nội dung?"))
    question.refresh_from_db()
    assert question.status == Status.DRAFT
    assert statuses(question)[-1] == ("approved", "draft")


def test_it_keeps_version_and_status_when_only_metadata_changes(make_question, alice, topics):
    question = make_question(status=Status.APPROVED)
    services.mark_versions_used(version_ids=[question.current_version_id], now=NOW)
    services.update_question(
        actor=alice,
        question=question,
        data=question_data(tags=["một cửa", "mới"], difficulty="hard"),
        topic=topics["dvc"],
    )
    question.refresh_from_db()
    assert question.status == Status.APPROVED
    assert question.versions.count() == 1
    assert (question.difficulty, question.topic) == ("hard", topics["dvc"])
    assert set(question.tags.values_list("name", flat=True)) == {"một cửa", "mới"}
    assert "moi" in question.search_text


def test_it_refuses_to_edit_a_retired_question(make_question, alice):
    question = make_question(status=Status.RETIRED)
    with pytest.raises(services.QuestionError, match="retired"):
        services.update_question(actor=alice, question=question, data=question_data(text="Khác?"))


def test_it_lets_only_editors_of_the_owner_agency_edit(make_question, bob, rita, dave, alice):
    question = make_question()
    for outsider in (bob, rita, dave):  # another branch, a reviewer, an author below snv
        with pytest.raises(services.PermissionDenied):
            services.update_question(actor=outsider, question=question, data=question_data(text="X?"))
    services.update_question(actor=alice, question=question, data=question_data(text="Được sửa?"))


def test_it_lets_sub_agency_authors_and_ancestor_organizers_edit(make_question, tree, dave, alice):
    question = make_question(actor=dave, owner=tree["snv_unit"])
    services.update_question(actor=dave, question=question, data=question_data(text="Dave sửa?"))
    services.update_question(actor=alice, question=question, data=question_data(text="Alice sửa?"))
    assert Question.objects.get(pk=question.pk).text == "Alice sửa?"


# --- images through the services ------------------------------------------------------------


def test_it_stores_reencoded_images_and_keeps_them_in_a_new_version(make_question, alice):
    question = make_question(
        image=upload("anh.png"),
        options=[OptionData("Có", True, upload("a.png")), OptionData("Không", False)],
    )
    version = question.current_version
    assert version.image.name.startswith("questions/") and not version.image.name.endswith("anh.png")
    first_option = version.options.get(position=1)
    assert first_option.image.name.startswith("options/")
    services.mark_versions_used(version_ids=[version.pk], now=NOW)

    services.update_question(
        actor=alice,
        question=question,
        data=question_data(text="Văn bản mới?", options=[OptionData("Có", True), OptionData("Không", False)]),
    )
    question.refresh_from_db()
    new = question.current_version
    assert new.number == 2
    assert new.image.name == version.image.name
    assert new.options.get(position=1).image.name == first_option.image.name


def test_it_refuses_a_fake_image_with_a_field_error(make_question):
    with pytest.raises(services.QuestionError) as caught:
        make_question(image=upload("virus.png", b"this is not an image"))
    assert caught.value.errors[0][0] == "image"
    assert not Question.objects.exists()


def test_it_refuses_to_keep_an_image_of_another_question(make_question, alice):
    question = make_question()
    options = [OptionData("Có", True, "options/someone-else.png"), OptionData("Không")]
    with pytest.raises(services.QuestionError, match="unknown image"):
        services.update_question(actor=alice, question=question, data=question_data(options=options))


def test_it_moves_a_kept_image_with_its_option(make_question, alice):
    question = make_question(options=[OptionData("Một", True), OptionData("Hai", False, upload("b.png"))])
    stored = question.current_version.options.get(position=2).image.name
    # The first option is deleted: "Hai" moves to position 1 with its image.
    data = question_data(options=[OptionData("Hai", True, stored), OptionData("Ba", False, False)])
    services.update_question(actor=alice, question=question, data=data)
    rows = list(Option.objects.filter(version__question=question).order_by("position"))
    assert [(o.text, o.image.name) for o in rows] == [("Hai", stored), ("Ba", "")]


# --- workflow -------------------------------------------------------------------------------


def test_it_records_the_full_workflow(make_question, alice, rita):
    question = make_question()
    services.submit_for_review(actor=alice, question=question)
    services.send_back(actor=rita, question=question, comment="Đáp án B chưa chính xác")
    services.submit_for_review(actor=alice, question=question)
    services.approve(actor=rita, question=question, comment="Đạt")
    services.retire(actor=alice, question=question, comment="Văn bản hết hiệu lực")
    services.restore(actor=alice, question=question)
    question.refresh_from_db()
    assert question.status == Status.DRAFT and question.reviewer == rita
    changes = list(StatusChange.objects.filter(question=question).order_by("id"))
    assert [(c.from_status, c.to_status, c.actor) for c in changes] == [
        ("", "draft", alice),
        ("draft", "review", alice),
        ("review", "draft", rita),
        ("draft", "review", alice),
        ("review", "approved", rita),
        ("approved", "retired", alice),
        ("retired", "draft", alice),
    ]
    assert changes[2].comment == "Đáp án B chưa chính xác"
    assert changes[5].comment == "Văn bản hết hiệu lực"


def test_it_refuses_a_reviewer_their_own_question(tree, make_question):
    both = make_user("both@example.vn", agency=tree["snv"], roles=["author", "reviewer"])
    question = make_question(actor=both, status=Status.REVIEW)
    with pytest.raises(services.PermissionDenied, match="wrote"):
        services.approve(actor=both, question=question)
    with pytest.raises(services.PermissionDenied):
        services.send_back(actor=both, question=question, comment="Tự trả lại")
    assert Question.objects.get(pk=question.pk).status == Status.REVIEW


def test_it_refuses_the_writer_of_the_current_version(tree, make_question, rita, alice):
    question = make_question(status=Status.DRAFT)
    organizer = make_user("org@example.vn", agency=tree["snv"], roles=["organizer"])
    services.update_question(actor=organizer, question=question, data=question_data(text="Tổ chức sửa?"))
    services.submit_for_review(actor=organizer, question=question)
    with pytest.raises(services.PermissionDenied, match="wrote"):
        services.approve(actor=organizer, question=question)
    services.approve(actor=rita, question=question)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "approve"),
        ("draft", "send_back"),
        ("draft", "restore"),
        ("review", "submit"),
        ("review", "restore"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "send_back"),
        ("approved", "restore"),
        ("retired", "submit"),
        ("retired", "approve"),
        ("retired", "send_back"),
        ("retired", "retire"),
    ],
)
def test_it_refuses_every_transition_that_does_not_apply(make_question, alice, rita, status, action):
    question = make_question(status=status)
    before = StatusChange.objects.count()
    calls = {
        "submit": lambda: services.submit_for_review(actor=alice, question=question),
        "approve": lambda: services.approve(actor=rita, question=question),
        "send_back": lambda: services.send_back(actor=rita, question=question, comment="Sửa lại"),
        "retire": lambda: services.retire(actor=alice, question=question),
        "restore": lambda: services.restore(actor=alice, question=question),
    }
    with pytest.raises(services.QuestionError) as caught:
        calls[action]()
    assert not isinstance(caught.value, services.PermissionDenied)
    assert Question.objects.get(pk=question.pk).status == status
    assert StatusChange.objects.count() == before


def test_it_needs_a_comment_to_send_back(make_question, rita):
    question = make_question(status=Status.REVIEW)
    with pytest.raises(services.QuestionError) as caught:
        services.send_back(actor=rita, question=question, comment="   ")
    assert caught.value.errors[0][0] == "comment"
    assert Question.objects.get(pk=question.pk).status == Status.REVIEW


def test_it_refuses_status_changes_without_rights(make_question, bob, charlie, dave, rita):
    question = make_question(status=Status.REVIEW)
    for outsider in (bob, charlie, dave):
        with pytest.raises(services.PermissionDenied):
            services.approve(actor=outsider, question=question)
        with pytest.raises(services.PermissionDenied):
            services.retire(actor=outsider, question=question)
    draft = make_question("Bản nháp?")
    for outsider in (bob, charlie, rita):  # a reviewer does not edit, so does not submit
        with pytest.raises(services.PermissionDenied):
            services.submit_for_review(actor=outsider, question=draft)


# --- topics and bulk actions -------------------------------------------------------------


def test_it_moves_a_topic_subtree(topics):
    topics["tthc"].parent = topics["cong_vu"]
    services.save_topic(topic=topics["tthc"])
    topics["mot_cua"].refresh_from_db()
    assert topics["mot_cua"].path.startswith(topics["cong_vu"].path)
    assert topics["mot_cua"].depth == 2


def test_it_refuses_a_topic_under_its_own_child(topics):
    topics["tthc"].parent = topics["mot_cua"]
    with pytest.raises(services.QuestionError):
        services.save_topic(topic=topics["tthc"])


def test_it_reports_each_question_of_a_bulk_action(make_question, rita, alice):
    ready = make_question("Câu một?", status=Status.REVIEW)
    own = make_question("Câu hai?", actor=rita, status=Status.REVIEW)
    draft = make_question("Câu ba?")
    done, problems = services.bulk_action(actor=rita, questions=[ready, own, draft], action="approve")
    assert done == 1
    assert [(q.pk, "wrote" in message or "Only" in message) for q, message in problems] == [
        (own.pk, True),
        (draft.pk, True),
    ]
    assert Question.objects.get(pk=ready.pk).status == Status.APPROVED


def test_it_updates_the_search_copy_when_tagging(make_question, alice):
    question = make_question()
    done, problems = services.bulk_action(
        actor=alice, questions=[question], action="tag", tag_name=" Ôn tập "
    )
    question.refresh_from_db()
    assert (done, problems) == (1, [])
    assert "Ôn tập" in question.tags.values_list("name", flat=True)
    assert "on tap" in question.search_text


def test_it_refuses_an_empty_tag(make_question, alice):
    question = make_question()
    done, problems = services.bulk_action(actor=alice, questions=[question], action="tag", tag_name="  ")
    assert done == 0 and len(problems) == 1
    assert not Tag.objects.filter(name="").exists()


def test_it_moves_questions_to_a_topic_in_bulk(make_question, alice, bob, topics):
    question = make_question()
    assert (
        services.bulk_action(actor=alice, questions=[question], action="move_topic", topic=topics["cong_vu"])[
            0
        ]
        == 1
    )
    assert Question.objects.get(pk=question.pk).topic == topics["cong_vu"]
    done, problems = services.bulk_action(
        actor=bob, questions=[question], action="move_topic", topic=topics["dvc"]
    )
    assert done == 0 and problems[0][0] == question


def test_it_never_draws_a_retired_question(make_question, tree):
    question = make_question(status=Status.APPROVED)
    assert question in selectors.usable_questions(agency=tree["snv"])
    services.retire(actor=question.author, question=question)
    assert question not in selectors.usable_questions(agency=tree["snv"])
