"""Who may enter, who sees which contest, and which block a person is in."""

from datetime import date, timedelta

import pytest

from accounts import services as account_services
from contests.models import Attempt, Block, Contest
from contests.quiz import attempts, selectors
from contests.setup import audience
from tests.builders import make_contest
from tests.contests.conftest import NOW, RULES_TEXT, TITLE, make_round
from tests.factories import make_agency, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
TODAY = date(2026, 3, 10)


def problems(user, contest, round=None, join_code=None):
    return audience.entry_problems(user=user, contest=contest, round=round, join_code=join_code, today=TODAY)


def test_a_complete_official_and_citizen_may_enter(charlie, dan, round):
    assert problems(charlie, round.contest, round) == []
    assert problems(dan, round.contest, round) == []


def test_it_lists_every_missing_profile_field(tree, contest):
    newcomer = make_user("moi@example.vn", complete=False)
    found = problems(newcomer, contest)
    assert len(found) == 1
    for label in (
        "date of birth",
        "mobile phone",
        "citizen ID number (CCCD)",
        "participant type",
        "province / city",
    ):
        assert label in found[0]


def test_it_checks_the_minimum_age(dan, contest):
    contest.min_age = 40  # dan was born on 17 May 1990
    assert problems(dan, contest) == ["You must be at least 40 years old to take part."]
    contest.min_age = 35
    assert problems(dan, contest) == []


def test_it_checks_the_audience_kind(charlie, dan, contest):
    contest.audience_citizens = False
    assert problems(dan, contest) == ["This contest is open to officials only."]
    contest.audience_citizens, contest.audience_officials = True, False
    assert problems(charlie, contest) == ["This contest is open to citizens only."]


def test_officials_must_belong_to_the_chosen_agencies_or_below(tree, charlie, contest):
    contest.audience_citizens = False
    contest.save()
    contest.audience_agencies.set([tree["snv"]])
    assert problems(charlie, contest) == [
        "This contest is open to officials of Sở Nội vụ; your agency (UBND xã Phước Thuận) is not one of them."
    ]
    contest.audience_agencies.set([tree["district"]])  # charlie's commune is below the district
    assert problems(charlie, contest) == []


def test_organisers_and_question_authors_are_excluded(tree, alice, rita, round):
    contest = round.contest
    assert problems(alice, contest) == ["Organisers of this contest cannot take part in it."]
    assert problems(rita, contest) == [
        "Authors and reviewers of this contest's questions cannot take part in it."
    ]
    contest.exclude_staff = False
    assert problems(alice, contest) == [] and problems(rita, contest) == []


def test_an_organiser_of_another_branch_is_not_staff(bob, round):
    assert problems(bob, round.contest, round) == []


def test_a_join_code_is_asked_for_until_the_first_entry(charlie, round):
    contest = round.contest
    Contest.objects.filter(pk=contest.pk).update(join_code="CCHC2021")
    contest.refresh_from_db()
    assert problems(charlie, contest, round) == [
        "Enter the join code of this contest (the organisers give it out)."
    ]
    assert problems(charlie, contest, round, join_code="nope") == [
        "The join code is not right. Check it with the organisers."
    ]
    assert problems(charlie, contest, round, join_code=" cchc2021 ") == []
    with pytest.raises(attempts.NotEligible):
        attempts.start_attempt(user=charlie, round=round, now=NOW)
    attempt = attempts.start_attempt(user=charlie, round=round, now=NOW, join_code="CCHC2021")
    attempts.submit_attempt(attempt=attempt, user=charlie, prediction=1, now=NOW + timedelta(minutes=1))
    assert problems(charlie, contest, round) == []


def test_it_puts_people_in_the_block_that_fits(charlie, dan, contest):
    assert audience.block_for(user=charlie, contest=contest).code == "cbccvc"
    assert audience.block_for(user=dan, contest=contest).code == "nguoi-dan"


def test_block_agencies_cover_their_sub_agencies(tree, charlie, contest):
    contest.blocks.all().delete()
    snv_block = Block.objects.create(contest=contest, name="Sở", code="so", participant_kind="official")
    snv_block.agencies.set([tree["snv"]])
    district = Block.objects.create(
        contest=contest, name="Huyện", code="huyen", participant_kind="official", position=1
    )
    district.agencies.set([tree["district"]])
    assert audience.block_for(user=charlie, contest=contest) == district
    unit_official = make_user("vt@example.vn", agency=tree["snv_unit"])
    assert audience.block_for(user=unit_official, contest=contest) == snv_block


def test_a_round_may_use_only_some_blocks(dan, round):
    officials = round.contest.blocks.get(code="cbccvc")
    round.blocks.set([officials])
    assert audience.block_for(user=dan, contest=round.contest, round=round) is None
    assert problems(dan, round.contest, round) == [
        "None of the blocks of this round (CBCCVC) is open to you."
    ]


def test_a_contest_without_blocks_puts_everyone_in_none(charlie, tree, topic, bank):
    contest = make_contest(tree["snv"], slug="khong-khoi", title=TITLE, rules_text=RULES_TEXT)
    round = make_round(contest, topic=topic)
    assert audience.block_for(user=charlie, contest=contest, round=round) is None
    attempt = attempts.start_attempt(user=charlie, round=round, now=NOW)
    assert attempt.block is None


def test_officials_only_contests_are_seen_by_their_audience_and_organisers(
    tree, alice, bob, charlie, dan, contest
):
    contest.audience_citizens = False
    contest.save()
    contest.audience_agencies.set([tree["district"]])
    assert list(audience.visible_contests(charlie)) == [contest]
    assert list(audience.visible_contests(dan)) == []
    assert list(audience.visible_contests(alice)) == [contest]  # organiser of the owner
    outsider = make_user("sv@example.vn", agency=make_agency("stp", "Sở Tư pháp", parent=tree["province"]))
    assert list(audience.visible_contests(outsider)) == []
    from django.contrib.auth.models import AnonymousUser

    assert list(audience.visible_contests(AnonymousUser())) == []
    assert not audience.can_view_contest(user=AnonymousUser(), contest=contest)
    newcomer = make_user("moi@example.vn", complete=False)
    assert audience.can_view_contest(user=newcomer, contest=contest)  # learns what to complete


def test_drafts_are_seen_only_by_their_organisers(alice, charlie, contest):
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.DRAFT)
    contest.refresh_from_db()
    assert not audience.can_view_contest(user=charlie, contest=contest)
    assert audience.can_view_contest(user=alice, contest=contest)
    assert list(audience.visible_contests(charlie)) == []


def test_contests_are_listed_as_open_upcoming_or_past(tree, charlie, round, topic):
    later = make_contest(tree["snv"], slug="sap-toi", title="Sắp tới", rules_text=RULES_TEXT)
    make_round(later, topic=topic, opens=NOW + timedelta(days=3), closes=NOW + timedelta(days=10))
    done = make_contest(tree["snv"], slug="da-xong", title="Đã xong", rules_text=RULES_TEXT)
    make_round(done, topic=topic, opens=NOW - timedelta(days=30), closes=NOW - timedelta(days=23))
    lists = selectors.contest_lists(user=charlie, now=NOW)
    assert [c.slug for c in lists["open"]] == ["cchc-thu"]
    assert [c.slug for c in lists["upcoming"]] == ["sap-toi"]
    assert [c.slug for c in lists["past"]] == ["da-xong"]


def test_a_changed_profile_changes_the_block(tree, charlie, contest):
    account_services.update_profile(user=charlie, kind="citizen", agency=None, position="")
    charlie.refresh_from_db()
    assert audience.block_for(user=charlie, contest=contest).code == "nguoi-dan"
    assert not Attempt.objects.exists()
