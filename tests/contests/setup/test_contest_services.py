"""Organizer services: every validation rule, and that a refused change writes nothing."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contests.models import Attempt, Block, Contest, DrawRule, Round
from contests.setup import services
from contests.setup.services import ContestError, RuleData
from tests.contests.setup.builders_org import create_contest, make_questions, make_round, monday, vn

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]


def messages_of(excinfo):
    return excinfo.value.messages


def fields_of(excinfo):
    return [field for field, _message in excinfo.value.errors]


def rules(bank, **counts):
    return [RuleData(topic=bank[code.replace("_", "-")], count=n) for code, n in counts.items()]


def png_upload(name="banner.png", size=(40, 20)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


# --- contests -----------------------------------------------------------------------


def test_it_creates_a_draft_contest(alice, tree):
    contest = services.create_contest(
        actor=alice,
        owner_agency=tree["snv"],
        title="  Cuộc thi CCHC  ",
        slug="CCHC-2021",
        audience_officials=True,
        audience_agencies=[tree["district"]],
    )
    assert contest.status == Contest.Status.DRAFT
    assert (contest.title, contest.slug, contest.created_by) == ("Cuộc thi CCHC", "cchc-2021", alice)
    assert list(contest.audience_agencies.all()) == [tree["district"]]


def test_it_refuses_an_agency_the_actor_does_not_organise(bob, tree):
    with pytest.raises(services.PermissionDenied):
        services.create_contest(actor=bob, owner_agency=tree["snv"], title="X", slug="x")
    assert not Contest.objects.exists()


def test_it_lists_every_problem_of_a_contest_and_creates_nothing(alice, tree):
    create_contest(tree["snv"], slug="taken")
    with pytest.raises(ContestError) as excinfo:
        services.create_contest(
            actor=alice,
            owner_agency=tree["snv"],
            title=" ",
            slug="taken",
            audience_officials=False,
            audience_citizens=False,
            join_code="mã sai!",
            min_age=0,
            leaderboard=Contest.Leaderboard.FROZEN,
        )
    assert messages_of(excinfo) == [
        "Enter a title.",
        "Another contest already uses this short address.",
        "Open the contest to officials, to citizens or to both.",
        "A join code has 4 to 20 letters without accents, digits or hyphens.",
        "The minimum age must be between 1 and 100.",
        "Enter the time from which the leaderboard is frozen.",
    ]
    assert fields_of(excinfo) == [
        "title",
        "slug",
        "audience_officials",
        "join_code",
        "min_age",
        "leaderboard_freeze_at",
    ]
    assert Contest.objects.count() == 1


def test_it_refuses_a_slug_with_accents_or_spaces(alice, tree):
    with pytest.raises(ContestError, match="lower-case letters without accents"):
        services.create_contest(actor=alice, owner_agency=tree["snv"], title="X", slug="cải cách")


@pytest.mark.parametrize("slug", ["organize", "attempts", "boards", "results"])
def test_it_refuses_a_slug_the_site_uses_itself(alice, tree, slug):
    with pytest.raises(ContestError, match="This short address is reserved; choose another."):
        services.create_contest(actor=alice, owner_agency=tree["snv"], title="X", slug=slug)


def test_it_refuses_text_longer_than_the_columns(alice, tree, org_contest):
    with pytest.raises(ContestError) as excinfo:
        services.create_contest(actor=alice, owner_agency=tree["snv"], title="T" * 256, slug="a" * 81)
    assert excinfo.value.errors == [
        ("title", "This is longer than 255 characters."),
        ("slug", "This is longer than 80 characters."),
    ]
    with pytest.raises(ContestError, match="This is longer than 40 characters."):
        services.create_block(actor=alice, contest=org_contest, name="Khối", code="k" * 41)


def test_agencies_need_a_contest_open_to_officials(alice, tree):
    with pytest.raises(ContestError, match="only limit which officials"):
        services.create_contest(
            actor=alice,
            owner_agency=tree["snv"],
            title="X",
            slug="x",
            audience_officials=False,
            audience_citizens=True,
            audience_agencies=[tree["snv"]],
        )


def test_a_refused_update_changes_nothing(alice, org_contest):
    with pytest.raises(ContestError, match="is for citizens, but the contest is not open to citizens"):
        services.update_contest(actor=alice, contest=org_contest, title="Tên mới", audience_citizens=False)
    org_contest.refresh_from_db()
    assert (org_contest.title, org_contest.audience_citizens) == ("Cuộc thi tìm hiểu CCHC 2021", True)


def test_the_caller_object_is_untouched_by_a_refused_update(alice, org_contest):
    with pytest.raises(ContestError):
        services.update_contest(actor=alice, contest=org_contest, title="")
    assert org_contest.title == "Cuộc thi tìm hiểu CCHC 2021"


def test_it_updates_a_contest(alice, tree, org_contest):
    saved = services.update_contest(
        actor=alice,
        contest=org_contest,
        owner_agency=tree["snv_unit"],
        rules_text="# Thể lệ",
        leaderboard=Contest.Leaderboard.FROZEN,
        leaderboard_freeze_at=vn(2021, 5, 30, 20),
    )
    saved.refresh_from_db()
    assert saved.owner_agency == tree["snv_unit"]
    assert saved.leaderboard_freeze_at == vn(2021, 5, 30, 20)


def test_it_refuses_to_hand_a_contest_to_an_agency_the_actor_does_not_organise(alice, tree, org_contest):
    with pytest.raises(services.PermissionDenied):
        services.update_contest(actor=alice, contest=org_contest, owner_agency=tree["district"])
    org_contest.refresh_from_db()
    assert org_contest.owner_agency == tree["snv"]


def test_a_banner_is_verified_and_re_encoded(alice, org_contest, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    saved = services.update_contest(actor=alice, contest=org_contest, banner=png_upload())
    assert saved.banner.name.startswith("banners/") and saved.banner.name.endswith(".jpg")
    with Image.open(saved.banner.path) as image:
        assert image.size == (40, 20)


def test_a_file_that_is_not_an_image_is_refused(alice, org_contest, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("banner.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ContestError) as excinfo:
        services.update_contest(actor=alice, contest=org_contest, banner=fake)
    assert fields_of(excinfo) == ["banner"]
    org_contest.refresh_from_db()
    assert not org_contest.banner


# --- blocks ----------------------------------------------------------------------------


def test_block_codes_are_unique_within_a_contest(alice, org_contest):
    with pytest.raises(ContestError, match="Another block of this contest uses this code"):
        services.create_block(actor=alice, contest=org_contest, name="Khác", code="cbccvc")
    assert org_contest.blocks.count() == 2


def test_a_block_must_fit_the_audience(alice, tree):
    contest = create_contest(tree["snv"], slug="noi-bo", audience_citizens=False)
    with pytest.raises(ContestError, match="is for citizens, but the contest is not open to citizens"):
        services.create_block(
            actor=alice, contest=contest, name="Người dân", code="dan", participant_kind="citizen"
        )


def test_a_citizens_block_has_no_agencies(alice, tree, org_contest):
    with pytest.raises(ContestError, match="Citizens belong to no agency"):
        services.create_block(
            actor=alice,
            contest=org_contest,
            name="Dân",
            code="dan",
            participant_kind="citizen",
            agencies=[tree["snv"]],
        )


def test_it_updates_a_block_and_its_agencies(alice, tree, org_contest):
    block = org_contest.blocks.get(code="cbccvc")
    services.update_block(actor=alice, block=block, name="Khối CBCCVC", agencies=[tree["district"]])
    block.refresh_from_db()
    assert block.name == "Khối CBCCVC"
    assert list(block.agencies.all()) == [tree["district"]]


def test_a_block_with_attempts_cannot_be_deleted(alice, charlie, org_ready_contest):
    block = org_ready_contest.blocks.get(code="cbccvc")
    round = org_ready_contest.rounds.get()
    Attempt.objects.create(round=round, block=block, user=charlie, number=1, started_at=round.opens_at)
    with pytest.raises(ContestError, match="already has attempts"):
        services.delete_block(actor=alice, block=block)
    assert Block.objects.filter(pk=block.pk).exists()


def test_a_block_a_round_is_limited_to_cannot_be_deleted(alice, org_contest, org_bank):
    block = org_contest.blocks.get(code="nguoi-dan")
    make_round(org_contest, blocks=[block], rules=rules(org_bank, tthc=10))
    with pytest.raises(
        ContestError, match="Round 1 .* is limited to block “Người dân”; change the round first"
    ):
        services.delete_block(actor=alice, block=block)


def test_it_deletes_a_block_with_its_own_draw_rules(alice, org_contest, org_bank):
    block = org_contest.blocks.get(code="nguoi-dan")
    make_round(org_contest, rules=[RuleData(topic=org_bank["tthc"], count=10, block=block)])
    services.delete_block(actor=alice, block=block)
    assert not DrawRule.objects.exists()


# --- rounds -----------------------------------------------------------------------------


def test_it_creates_a_round_with_blocks_and_draw_rules(alice, org_contest, org_bank):
    block = org_contest.blocks.get(code="cbccvc")
    round = services.create_round(
        actor=alice,
        contest=org_contest,
        number=1,
        title="Tuần 1",
        opens_at=monday(1),
        closes_at=monday(2) - timedelta(seconds=1),
        questions_per_attempt=10,
        time_limit_minutes=20,
        blocks=[block],
        draw_rules=[
            RuleData(topic=org_bank["tthc"], count=7, block=block),
            RuleData(topic=org_bank["cong-vu"], count=3, difficulty="easy", block=block),
        ],
    )
    assert list(round.blocks.all()) == [block]
    assert sorted((r.topic.code, r.count, r.difficulty) for r in round.draw_rules.all()) == [
        ("cong-vu", 3, "easy"),
        ("tthc", 7, ""),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"closes_at": monday(1)}, "closes_at", "The round must close after it opens."),
        ({"closes_at": monday(1) - timedelta(hours=1)}, "closes_at", "The round must close after it opens."),
        (
            {"time_limit_minutes": 0},
            "time_limit_minutes",
            "The time limit must be between 1 and 180 minutes.",
        ),
        (
            {"time_limit_minutes": 181},
            "time_limit_minutes",
            "The time limit must be between 1 and 180 minutes.",
        ),
        (
            {"questions_per_attempt": 0},
            "questions_per_attempt",
            "An attempt must have between 1 and 200 questions.",
        ),
        (
            {"questions_per_attempt": 201},
            "questions_per_attempt",
            "An attempt must have between 1 and 200 questions.",
        ),
        ({"title": "  "}, "title", "Enter a title."),
        ({"max_attempts": 0}, "max_attempts", "Allow at least one attempt, or leave it empty for no limit."),
        (
            {"freeze_at": monday(3)},
            "freeze_at",
            "The leaderboard freeze must fall between the opening and the closing of the round.",
        ),
        (
            {"is_practice": True, "prediction_target": Round.PredictionTarget.PARTICIPANTS},
            "prediction_target",
            "A practice round is never ranked, so it has no prediction question.",
        ),
    ],
)
def test_it_refuses_a_bad_round_and_creates_nothing(alice, org_contest, fields, field, message):
    with pytest.raises(ContestError) as excinfo:
        make_round(org_contest, **fields)
    assert (field, message) in excinfo.value.errors
    assert not Round.objects.exists()


def test_the_limits_themselves_are_accepted(org_contest):
    make_round(org_contest, number=1, time_limit_minutes=1, questions_per_attempt=200)
    make_round(org_contest, number=2, time_limit_minutes=180, questions_per_attempt=1)
    assert Round.objects.count() == 2


def test_round_numbers_are_unique_within_a_contest(org_contest):
    make_round(org_contest, number=1)
    with pytest.raises(ContestError, match="This contest already has a round 1."):
        make_round(org_contest, number=1, week=2)


def test_rounds_of_one_block_may_not_overlap(org_contest):
    block = org_contest.blocks.get(code="cbccvc")
    make_round(org_contest, number=1, blocks=[block])
    with pytest.raises(ContestError) as excinfo:
        make_round(
            org_contest,
            number=2,
            blocks=[block],
            opens_at=monday(1) + timedelta(days=6),
            closes_at=monday(2) + timedelta(days=6),
        )
    assert excinfo.value.errors == [
        (
            "opens_at",
            "Round 1 (“Tuần 1”) is open at the same time for block “CBCCVC” (03/05/2021 00:00 – "
            "09/05/2021 23:59:59). Rounds of one block may not overlap; practice rounds may.",
        )
    ]
    assert org_contest.rounds.count() == 1


def test_rounds_of_different_blocks_may_overlap(org_contest):
    officials, citizens = org_contest.blocks.order_by("position")
    make_round(org_contest, number=1, blocks=[officials])
    make_round(org_contest, number=2, week=1, blocks=[citizens])
    assert org_contest.rounds.count() == 2


def test_a_round_for_every_block_overlaps_a_round_of_one_block(org_contest):
    citizens = org_contest.blocks.get(code="nguoi-dan")
    make_round(org_contest, number=1, blocks=[citizens])
    with pytest.raises(ContestError, match="for block “Người dân”"):
        make_round(org_contest, number=2, week=1)


def test_rounds_of_a_contest_without_blocks_may_not_overlap(tree):
    contest = create_contest(tree["snv"], slug="khong-khoi")
    make_round(contest, number=1)
    with pytest.raises(ContestError, match="open at the same time for all participants"):
        make_round(contest, number=2, week=1)


def test_consecutive_weeks_do_not_overlap(org_contest):
    make_round(org_contest, number=1, week=1)  # … Sunday 23:59:59
    make_round(org_contest, number=2, week=2)  # Monday 00:00:00 …
    assert org_contest.rounds.count() == 2


def test_practice_rounds_may_overlap(org_contest):
    make_round(org_contest, number=1, week=1)
    make_round(
        org_contest,
        number=2,
        is_practice=True,
        opens_at=monday(1),
        closes_at=monday(5),
        max_attempts=None,
    )
    assert org_contest.rounds.count() == 2


def test_moving_a_round_onto_another_is_refused_and_changes_nothing(alice, org_contest):
    make_round(org_contest, number=1, week=1)
    second = make_round(org_contest, number=2, week=2)
    with pytest.raises(ContestError, match="Round 1"):
        services.update_round(actor=alice, round=second, opens_at=monday(1) + timedelta(days=3))
    second.refresh_from_db()
    assert second.opens_at == monday(2)


def test_a_draw_rule_must_be_for_a_block_of_the_round(org_contest, org_bank):
    officials, citizens = org_contest.blocks.order_by("position")
    with pytest.raises(ContestError, match="Draw rule 1 is for block “Người dân”, which does not take part"):
        make_round(
            org_contest,
            blocks=[officials],
            rules=[RuleData(topic=org_bank["tthc"], count=10, block=citizens)],
        )


def test_an_update_replaces_the_draw_rules(alice, org_ready_contest, org_bank):
    round = org_ready_contest.rounds.get()
    services.update_round(actor=alice, round=round, draw_rules=rules(org_bank, tthc_mot_cua=4, cong_vu=5))
    assert sorted((r.topic.code, r.count) for r in round.draw_rules.all()) == [
        ("cong-vu", 5),
        ("tthc-mot-cua", 4),
    ]


def test_it_refuses_the_rounds_of_someone_elses_contest(bob, org_ready_contest):
    round = org_ready_contest.rounds.get()
    with pytest.raises(services.PermissionDenied):
        services.update_round(actor=bob, round=round, title="Đổi tên")
    round.refresh_from_db()
    assert round.title == "Tuần 1"


def test_a_round_with_attempts_cannot_be_deleted(alice, charlie, org_ready_contest):
    round = org_ready_contest.rounds.get()
    Attempt.objects.create(round=round, user=charlie, number=1, started_at=round.opens_at)
    with pytest.raises(ContestError, match="already has attempts"):
        services.delete_round(actor=alice, round=round)


# --- publishing --------------------------------------------------------------------------


def test_publishing_needs_a_round(alice, org_contest):
    with pytest.raises(ContestError) as excinfo:
        services.publish_contest(actor=alice, contest=org_contest)
    assert excinfo.value.messages == ["Add at least one round before publishing."]


def test_publishing_names_the_short_rule_and_by_how_many(alice, org_contest, org_bank):
    make_round(org_contest, rules=rules(org_bank, tthc=3, cong_vu=7))
    with pytest.raises(ContestError) as excinfo:
        services.publish_contest(actor=alice, contest=org_contest)
    assert excinfo.value.messages == [
        "Round 1 (“Tuần 1”): Rule “7 × Cải cách chế độ công vụ”: only 5 approved questions, 2 short."
    ]
    org_contest.refresh_from_db()
    assert (org_contest.status, org_contest.published_at) == (Contest.Status.DRAFT, None)


def test_a_difficulty_narrows_the_pool(alice, org_contest, org_bank):
    make_round(
        org_contest,
        rules=[*rules(org_bank, tthc=7), RuleData(topic=org_bank["cong-vu"], count=3, difficulty="hard")],
    )
    with pytest.raises(
        ContestError,
        match=r"Rule “3 × Cải cách chế độ công vụ \(hard\)”: only 2 approved questions, 1 short.",
    ):
        services.publish_contest(actor=alice, contest=org_contest)


def test_publishing_needs_rules_adding_up_for_every_block(alice, org_contest, org_bank):
    officials = org_contest.blocks.get(code="cbccvc")
    make_round(
        org_contest,
        rules=[
            RuleData(topic=org_bank["tthc"], count=10, block=officials),
            RuleData(topic=org_bank["cong-vu"], count=4),
        ],
    )
    with pytest.raises(ContestError) as excinfo:
        services.publish_contest(actor=alice, contest=org_contest)
    assert excinfo.value.messages == [
        "Round 1 (“Tuần 1”): Block “Người dân”: the draw rules give 4 questions but an attempt has 10."
    ]


def test_a_round_without_rules_blocks_publishing(alice, org_ready_contest):
    make_round(org_ready_contest, number=2, week=2)
    with pytest.raises(ContestError, match="Round 2 .*the draw rules give 0 questions but an attempt has 10"):
        services.publish_contest(actor=alice, contest=org_ready_contest)


def test_it_publishes_a_ready_contest(alice, org_ready_contest):
    contest = services.publish_contest(actor=alice, contest=org_ready_contest, now=vn(2021, 4, 30, 9))
    contest.refresh_from_db()
    assert (contest.status, contest.published_at) == (Contest.Status.PUBLISHED, vn(2021, 4, 30, 9))
    with pytest.raises(ContestError, match="Only a draft contest can be published."):
        services.publish_contest(actor=alice, contest=contest)


def test_someone_elses_contest_cannot_be_published(bob, org_ready_contest):
    with pytest.raises(services.PermissionDenied):
        services.publish_contest(actor=bob, contest=org_ready_contest)
    org_ready_contest.refresh_from_db()
    assert org_ready_contest.status == Contest.Status.DRAFT


def test_a_round_of_a_published_contest_must_stay_drawable(alice, org_ready_contest, org_bank):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    round = org_ready_contest.rounds.get()
    with pytest.raises(ContestError) as excinfo:
        services.update_round(actor=alice, round=round, draw_rules=rules(org_bank, tthc=13))
    assert (
        "draw_rules",
        "Rule “13 × Cải cách thủ tục hành chính”: only 12 approved questions, 1 short.",
    ) in (excinfo.value.errors)
    assert sorted((r.topic.code, r.count) for r in round.draw_rules.all()) == [("cong-vu", 4), ("tthc", 6)]


def test_a_new_round_of_a_published_contest_must_be_drawable(alice, org_ready_contest):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    with pytest.raises(ContestError, match="the draw rules give 0 questions"):
        make_round(org_ready_contest, number=2, week=2)
    assert org_ready_contest.rounds.count() == 1


def test_a_drawable_round_can_be_added_to_a_published_contest(alice, org_ready_contest, org_bank, tree):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    make_questions(topic=org_bank["cong-vu"], owner=tree["snv"], n=1)
    make_round(org_ready_contest, number=2, week=2, rules=rules(org_bank, tthc=4, cong_vu=6))
    assert org_ready_contest.rounds.count() == 2


def test_private_questions_of_other_branches_do_not_count(alice, tree, org_contest, org_bank):
    make_questions(topic=org_bank["cong-vu"], owner=tree["district"], n=5, sharing="private")
    make_round(org_contest, rules=rules(org_bank, cong_vu=10))
    with pytest.raises(ContestError, match="only 5 approved questions, 5 short"):
        services.publish_contest(actor=alice, contest=org_contest)


def test_the_last_round_of_a_published_contest_stays(alice, org_ready_contest):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    with pytest.raises(ContestError, match="A published contest must keep at least one round."):
        services.delete_round(actor=alice, round=org_ready_contest.rounds.get())


def test_closing(alice, org_ready_contest):
    with pytest.raises(ContestError, match="Only a published contest can be closed."):
        services.close_contest(actor=alice, contest=org_ready_contest)
    services.publish_contest(actor=alice, contest=org_ready_contest)
    closed = services.close_contest(actor=alice, contest=org_ready_contest)
    assert Contest.objects.get(pk=closed.pk).status == Contest.Status.CLOSED


def test_a_closed_contest_keeps_its_rounds_and_blocks(alice, org_ready_contest):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    services.close_contest(actor=alice, contest=org_ready_contest)
    round = org_ready_contest.rounds.get()
    with pytest.raises(ContestError, match="This contest is closed"):
        services.update_round(actor=alice, round=round, title="Đổi tên")
    with pytest.raises(ContestError, match="This contest is closed"):
        services.create_block(actor=alice, contest=org_ready_contest, name="Mới", code="moi")
