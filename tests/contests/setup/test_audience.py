"""One audience rule: with no chosen agencies a contest for officials is for
the officials of every active agency. Entry eligibility, the turnout board
and the participation report agree on it."""

import pytest

from contests.live import boards
from contests.reports import selectors as reports
from contests.setup import audience
from tests.builders import make_contest
from tests.contests.conftest import NOW
from tests.factories import make_agency, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

AGENCY_PROBLEM = "is not one of them"


@pytest.fixture
def elsewhere(tree):
    """An active agency outside the owning agency's provincial tree, with an official."""
    other = make_agency("ubnd-khac", "UBND tỉnh khác", kind="province", headcount=40)
    return other, make_user("xa@example.vn", agency=other)


def _listed(contest):
    turnout = {row["agency"] for row in boards.turnout_board(contest_id=contest.pk)["agencies"]}
    report = {row.agency.name for row in reports.participation(contest=contest).rows}
    return turnout, report


def test_it_is_every_active_agency_when_none_is_chosen(tree, elsewhere):
    other, official = elsewhere
    contest = make_contest(tree["snv"], audience_citizens=False)
    problems = audience.entry_problems(user=official, contest=contest, today=NOW.date())
    assert not [p for p in problems if AGENCY_PROBLEM in p]
    assert audience.in_audience(user=official, contest=contest)
    turnout, report = _listed(contest)
    assert turnout == report == {a.name for a in audience.audience_agencies(contest)}
    assert other.name in turnout and tree["commune"].name in turnout


def test_it_is_the_chosen_subtrees_when_agencies_are_chosen(tree, elsewhere):
    other, official = elsewhere
    contest = make_contest(tree["snv"], audience_citizens=False)
    contest.audience_agencies.set([tree["district"]])
    problems = audience.entry_problems(user=official, contest=contest, today=NOW.date())
    assert [p for p in problems if AGENCY_PROBLEM in p]
    assert not audience.in_audience(user=official, contest=contest)
    insider = make_user("trong@example.vn", agency=tree["commune"])  # below the chosen district
    assert audience.in_audience(user=insider, contest=contest)
    turnout, report = _listed(contest)
    assert turnout == report == {tree["district"].name, tree["commune"].name}


def test_it_leaves_out_inactive_agencies(tree, elsewhere):
    other, _official = elsewhere
    other.is_active = False
    other.save(update_fields=["is_active"])
    contest = make_contest(tree["snv"], audience_citizens=False)
    turnout, report = _listed(contest)
    assert other.name not in turnout and other.name not in report
