"""One rule each, applied everywhere (the verifiable-results issue, point 6).

- Rates are percentages rounded half-up (`contests.rules.collective.percent`):
  the turnout board (1 decimal), the participation report, collective prizes.
- Whether the people of a sub-agency count for the agency above it is the
  contest's `count_subagencies` setting (off by default). The turnout board,
  the participation report (page and .xlsx), the members who have not taken
  part and collective prizes all follow it and agree with each other.

The tree (tests/conftest.py): UBND tỉnh (headcount 10) → Sở Nội vụ (60) → Văn
thư (5), and UBND tỉnh → UBND huyện Tuy Phước (130) → UBND xã Phước Thuận (20).
"""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Agency
from contests.live import boards
from contests.reports import selectors as reports
from contests.results import collective
from contests.results import services as awards
from contests.rules.collective import percent
from contests.setup.rules_text import counting_in_words
from tests.contests.results.conftest import entry, person
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
D = Decimal


# --- half-up ----------------------------------------------------------------------------------------


def test_percent_rounds_half_up_at_any_number_of_places():
    assert percent(1, 8, places=0) == D(13)  # 12.5: half-even would give 12
    assert percent(1, 16, places=1) == D("6.3")  # 6.25: half-even would give 6.2
    assert percent(1, 800) == D("0.13")  # 0.125: half-even would give 0.12
    assert percent(3, 0) is None


def test_the_turnout_board_rounds_its_rate_half_up(client, contest, round1, tree):
    Agency.objects.filter(pk=tree["commune"].pk).update(headcount=16)
    entry(round1, person("xa1@example.vn", agency=tree["commune"]))  # 1 of 16 = 6.25 %
    rows = {r["agency"]: r for r in boards.turnout_board(contest_id=contest.pk)["agencies"]}
    assert rows[tree["commune"].name]["rate"] == 6.3
    snapshot = client.get(
        reverse("contests:board-turnout-snapshot", kwargs={"contest_id": contest.pk})
    ).json()
    assert {r["agency"]: r["rate"] for r in snapshot["agencies"]}[tree["commune"].name] == 6.3


def test_the_turnout_board_leaves_out_disqualified_people_like_the_reports(contest, round1, tree, alice):
    cheat = person("xa1@example.vn", agency=tree["commune"])
    entry(round1, cheat)
    awards.finalise_round(round=round1)
    awards.disqualify(round=round1, user=cheat, reason="Sai thông tin", actor=alice)
    board = boards.turnout_board(contest_id=contest.pk)
    assert board["officials"] == 0
    assert {r["agency"]: r["participants"] for r in board["agencies"]}[tree["commune"].name] == 0


# --- people of sub-agencies ---------------------------------------------------------------------------


@pytest.fixture
def people(round1, tree):
    """The district has one participant of its own and one who did not take
    part; its commune two participants and one who did not."""
    took_part = [
        person("huyen1@example.vn", agency=tree["district"]),
        person("xa1@example.vn", agency=tree["commune"]),
        person("xa2@example.vn", agency=tree["commune"]),
    ]
    for someone in took_part:
        entry(round1, someone)
    person("huyen2@example.vn", agency=tree["district"])
    person("xa3@example.vn", agency=tree["commune"])
    return took_part


def _counting(contest, on):
    contest.count_subagencies = on
    contest.save(update_fields=["count_subagencies"])


def _board(contest, agency):
    row = {r["agency"]: r for r in boards.turnout_board(contest_id=contest.pk)["agencies"]}[agency.name]
    return row["participants"], row["headcount"], row["rate"]


def _report(contest, agency):
    row = next(r for r in reports.participation(contest=contest).rows if r.agency == agency)
    return row.participants, row.headcount, row.rate


def _collective(contest, agency, alice):
    prize = collective.save_collective_prize(
        actor=alice,
        contest=contest,
        name="Giải tập thể cấp huyện",
        agencies=[agency],
        formula="rate",
        rate_mode="cumulative",
    )
    (row,) = collective.collective_ranking(prize).rows
    return row.figures.participants_total, row.figures.headcount, row.rate


@pytest.mark.parametrize(
    ("on", "participants", "headcount", "rate", "board_rate"),
    [
        (False, 1, 130, D("0.77"), 0.8),  # the district's own: 1 of 130
        (True, 3, 150, D("2.00"), 2.0),  # with its commune: 3 of 130 + 20
    ],
)
def test_the_district_counts_the_same_on_every_surface(
    contest, people, tree, alice, on, participants, headcount, rate, board_rate
):
    _counting(contest, on)
    district = tree["district"]
    assert _report(contest, district) == (participants, headcount, rate)
    assert _board(contest, district) == (participants, headcount, board_rate)
    assert _collective(contest, district, alice) == (participants, headcount, rate)
    # The commune has no sub-agency: 2 of 20 either way.
    assert _report(contest, tree["commune"]) == (2, 20, D("10.00"))
    assert _board(contest, tree["commune"]) == (2, 20, 10.0)


def test_the_province_counts_its_whole_tree_with_the_setting_on(contest, people, tree):
    assert _report(contest, tree["province"]) == (0, 10, D("0.00"))
    _counting(contest, True)
    # 3 of 10 + 60 + 5 + 130 + 20 = 225 → 1.333… %
    assert _report(contest, tree["province"]) == (3, 225, D("1.33"))
    assert _board(contest, tree["province"]) == (3, 225, 1.3)


def test_the_totals_count_each_person_once_whatever_the_setting(contest, people, tree):
    _counting(contest, True)
    data = reports.participation(contest=contest)
    assert (data.total_participants, data.total_headcount, data.rate) == (3, 225, D("1.33"))
    assert boards.turnout_board(contest_id=contest.pk)["officials"] == 3


def test_an_inactive_sub_agency_counts_for_no_one_above_it(contest, people, tree):
    _counting(contest, True)
    Agency.objects.filter(pk=tree["commune"].pk).update(is_active=False)
    assert _report(contest, tree["district"]) == (1, 130, D("0.77"))
    assert _board(contest, tree["district"]) == (1, 130, 0.8)


def test_the_xlsx_has_the_same_figures_as_the_page(client, contest, people, tree, alice):
    _counting(contest, True)
    client.login(email=alice.email, password=PASSWORD)
    response = client.get(
        reverse("contests:report-participation-xlsx", kwargs={"contest_id": contest.pk}), **EN
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {row[1]: row for row in sheet.iter_rows(values_only=True) if row and len(row) > 4}
    assert rows["tuyphuoc"][2:5] == (150, 3, 2)
    assert any("count for every agency above it" in str(row[1]) for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("on", "average", "missing"),
    [
        (False, D("33.33"), ()),  # the district's own entry; the commune's absentee is not in the group
        (True, D("19.17"), ("Nguyễn Văn Xa3",)),  # (33.33 + 5.00) / 2 = 19.165, half-up
    ],
)
def test_collective_prizes_count_the_subtree_for_every_figure(
    contest, round1, tree, alice, on, average, missing
):
    _counting(contest, on)
    entry(round1, person("huyen1@example.vn", agency=tree["district"]), correct=1, questions=3)  # 33.33 %
    entry(round1, person("xa1@example.vn", agency=tree["commune"]), correct=1, questions=20)  # 5 %
    absentee = person("xa3@example.vn", agency=tree["commune"])
    prize = collective.save_collective_prize(
        actor=alice,
        contest=contest,
        name="Giải tập thể cấp huyện",
        agencies=[tree["district"]],
        formula="rate_score",
        rate_mode="cumulative",
        require_mandatory=True,
        mandatory_people=[absentee],
    )
    (row,) = collective.collective_ranking(prize).rows
    assert (row.figures.average_score, row.figures.mandatory_missing) == (average, missing)
    assert row.failed_gates == (["mandatory"] if on else [])


@pytest.mark.parametrize(
    ("on", "emails"),
    [
        (False, ["huyen2@example.vn"]),
        (True, ["huyen2@example.vn", "xa3@example.vn"]),
    ],
)
def test_the_members_who_have_not_taken_part_cover_the_subtree_with_the_setting_on(
    contest, people, tree, on, emails
):
    _counting(contest, on)
    missing = reports.non_participants(contest=contest, agency=tree["district"])
    assert [p.email for p in missing] == emails


# --- said on the pages -------------------------------------------------------------------------------


def test_the_rules_state_the_counting(client, contest, english):
    assert "are not counted for the agency above" in counting_in_words(contest)
    page = client.get(
        reverse("contests:contest-detail", kwargs={"slug": contest.slug}), **EN
    ).content.decode()
    assert "are not counted for the agency above" in page
    _counting(contest, True)
    assert "count for every agency above it" in counting_in_words(contest)
    page = client.get(
        reverse("contests:contest-detail", kwargs={"slug": contest.slug}), **EN
    ).content.decode()
    assert "count for every agency above it" in page


def test_the_rules_state_it_in_vietnamese(contest):
    from django.utils import translation

    with translation.override("vi"):
        assert "không được tính cho đơn vị cấp trên" in counting_in_words(contest)
        _counting(contest, True)
        assert "người của đơn vị trực thuộc được tính cho đơn vị cấp trên" in counting_in_words(contest)


def test_the_report_and_the_board_state_the_counting(client, contest, people, alice):
    _counting(contest, True)
    client.login(email=alice.email, password=PASSWORD)
    report = client.get(reverse("contests:report-participation", kwargs={"contest_id": contest.pk}), **EN)
    board = client.get(reverse("contests:board-turnout", kwargs={"contest_id": contest.pk}), **EN)
    for response in (report, board):
        assert "count for every agency above it" in response.content.decode()
