"""Fixtures for the organizer-side contest tests.

A test module uses them with `pytest_plugins = ["tests.contests.setup.fixtures_org"]`
and imports the builders from tests.contests.setup.builders_org. Fixture names start
with `org_` so they never collide with the participant side's conftest.
"""

import pytest
from django.utils import translation

from contests.models import Contest
from contests.setup import services
from contests.setup.services import RuleData
from questionbank import services as bank_services
from tests.contests.setup.builders_org import create_contest, make_questions, make_round


@pytest.fixture
def org_bank(tree):
    """Topics with approved questions owned by Sở Nội vụ (shared):
    tthc 8 + its sub-topic tthc-mot-cua 4 (subtree 12), cong-vu 5 (3 easy, 2 hard)."""
    tthc = bank_services.create_topic(name="Cải cách thủ tục hành chính", code="tthc")
    mot_cua = bank_services.create_topic(name="Cơ chế một cửa", code="tthc-mot-cua", parent=tthc)
    cong_vu = bank_services.create_topic(name="Cải cách chế độ công vụ", code="cong-vu")
    make_questions(topic=tthc, owner=tree["snv"], n=8)
    make_questions(topic=mot_cua, owner=tree["snv"], n=4)
    make_questions(topic=cong_vu, owner=tree["snv"], n=3, difficulty="easy")
    make_questions(topic=cong_vu, owner=tree["snv"], n=2, difficulty="hard")
    return {"tthc": tthc, "tthc-mot-cua": mot_cua, "cong-vu": cong_vu}


@pytest.fixture
def org_contest(tree, org_bank):
    """A draft contest of Sở Nội vụ, open to officials and citizens, with two blocks."""
    contest = create_contest(tree["snv"])
    services.create_block(
        actor=None,
        contest=contest,
        check_permission=False,
        name="CBCCVC",
        code="cbccvc",
        participant_kind="official",
    )
    services.create_block(
        actor=None,
        contest=contest,
        check_permission=False,
        name="Người dân",
        code="nguoi-dan",
        participant_kind="citizen",
    )
    return contest


@pytest.fixture
def org_ready_contest(org_contest, org_bank):
    """`org_contest` with one drawable round (10 questions: 6 tthc + 4 cong-vu for every block)."""
    rules = [RuleData(topic=org_bank["tthc"], count=6), RuleData(topic=org_bank["cong-vu"], count=4)]
    make_round(org_contest, rules=rules)
    return Contest.objects.get(pk=org_contest.pk)


@pytest.fixture
def org_english():
    """Messages in English (the site's default language is Vietnamese)."""
    with translation.override("en"):
        yield
