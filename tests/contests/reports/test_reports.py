"""Reports: round summary, score buckets, participation by agency (and who
has not taken part), item analysis, periodic report."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from contests.models import Attempt
from contests.reports import selectors as reports
from contests.results import services as awards
from contests.setup import counting
from tests.builders import make_contest
from tests.contests.results.conftest import TITLE, VN, answer, entry, make_question, make_round, person
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_it_counts_each_score_bucket_by_hand(round1, officials, blocks, citizen):
    b = blocks["cbccvc"]
    for official, correct in zip(officials, [20, 16, 10, 2, 0], strict=True):
        entry(round1, official, correct=correct, block=b)
    entry(round1, citizen, correct=15, block=blocks["dan"])  # exactly 75 %: "75% to under 100%"
    rows = reports.score_buckets(round1)
    assert [(r.block, r.total, r.counts) for r in rows[:2]] == [
        (b, 5, {"perfect": 1, "high": 1, "middle": 1, "low": 1, "zero": 1}),
        (blocks["dan"], 1, {"perfect": 0, "high": 1, "middle": 0, "low": 0, "zero": 0}),
    ]
    assert rows[2].total == 6 and rows[2].counts["high"] == 2


def test_it_counts_buckets_from_the_final_standings_once_finalised(round1, officials):
    entry(round1, officials[0], correct=10)
    entry(round1, officials[0], correct=20)  # the best counts
    awards.finalise_round(round=round1)
    (row,) = reports.score_buckets(round1)
    assert (row.total, row.counts["perfect"], row.counts["middle"]) == (1, 1, 0)


def test_it_summarises_a_round_by_block_and_hour(round1, officials, blocks, citizen, alice):
    eight_thirty = datetime(2021, 5, 4, 8, 30, tzinfo=VN)
    entry(
        round1,
        officials[0],
        block=blocks["cbccvc"],
        duration_ms=60_000,
        finished_at=eight_thirty + timedelta(minutes=1),
    )
    entry(round1, officials[0], block=blocks["cbccvc"], finished_at=eight_thirty + timedelta(hours=12))
    entry(
        round1,
        officials[1],
        block=blocks["cbccvc"],
        status=Attempt.Status.IN_PROGRESS,
        finished_at=eight_thirty,
    )
    entry(round1, citizen, block=blocks["dan"], finished_at=eight_thirty + timedelta(hours=1))
    entry(round1, alice, block=blocks["cbccvc"], preview=True)
    summary = reports.round_summary(round1)
    cbccvc, dan = summary.blocks
    assert (cbccvc.attempts, cbccvc.finished, cbccvc.in_progress, cbccvc.participants) == (3, 2, 1, 1)
    assert (dan.attempts, dan.participants) == (1, 1)
    assert (summary.total.attempts, summary.total.participants) == (4, 2)
    assert cbccvc.completion == Decimal("66.67")
    assert summary.by_hour[8] == 2  # started 08:30 (and 08:30 − 10 min)
    assert sum(summary.by_hour) == 4


def test_it_reports_participation_by_agency_with_best_worst_and_flags(contest, round1, officials, tree):
    # snv_unit (headcount 5): cc1, cc2 → 40 %; commune (20): cc3 → 5 %.
    for official in officials[:3]:
        entry(round1, official)
    data = reports.participation(contest=contest, threshold=Decimal(30), sort="-rate")
    rates = {r.agency.code: (r.participants, r.rate, r.below) for r in data.rows}
    assert rates["snv-vt"] == (2, Decimal("40.00"), False)
    assert rates["phuocthuan"] == (1, Decimal("5.00"), True)
    assert rates["snv"] == (0, Decimal("0.00"), True)
    assert data.rows[0].agency.code == "snv-vt"
    assert [r.agency.code for r in data.best] == ["snv-vt"]
    assert {r.agency.code for r in data.worst} == {"snv", "tuyphuoc", "province"}
    by_name = reports.participation(contest=contest, sort="name")
    names = [r.agency.name for r in by_name.rows]
    assert names == sorted(names, key=str.casefold)


def test_it_leaves_out_disqualified_entries_from_participation(contest, round1, officials, alice):
    entry(round1, officials[0])
    awards.finalise_round(round=round1)
    awards.disqualify(round=round1, user=officials[0], reason="Sai thông tin", actor=alice)
    assert counting.participants_by_agency(contest=contest) == {}


def test_it_lists_members_who_have_not_taken_part(contest, round1, officials, tree, charlie):
    entry(round1, officials[2])  # commune: cc3 took part; cc4, cc5 and charlie did not
    people = reports.non_participants(contest=contest, agency=tree["commune"])
    assert [p.email for p in people] == ["cc4@example.vn", "cc5@example.vn", "charlie@example.vn"]  # by name


def test_it_shows_an_agencys_non_participants_only_to_its_organisers(
    client, contest, round1, officials, tree, alice, bob
):
    commune = reverse(
        "contests:report-agency-members", kwargs={"contest_id": contest.pk, "agency_id": tree["commune"].pk}
    )
    unit = reverse(
        "contests:report-agency-members", kwargs={"contest_id": contest.pk, "agency_id": tree["snv_unit"].pk}
    )
    client.login(email=bob.email, password=PASSWORD)  # organiser over the district, and so the commune
    assert client.get(commune, **EN).status_code == 200
    assert client.get(unit, **EN).status_code == 404
    client.login(email=alice.email, password=PASSWORD)
    response = client.get(unit, **EN)
    assert response.status_code == 200 and b"cc1@example.vn" in response.content
    assert client.get(commune, **EN).status_code == 404
    xlsx = client.get(unit.rstrip("/") + ".xlsx", **EN)
    assert xlsx.status_code == 200


def test_it_renders_the_participation_report_with_its_chart(client, contest, round1, officials, alice):
    entry(round1, officials[0])
    client.login(email=alice.email, password=PASSWORD)
    response = client.get(
        reverse("contests:report-participation", kwargs={"contest_id": contest.pk}),
        {"sort": "name", "threshold": "30"},
        **EN,
    )
    assert response.status_code == 200
    assert b'role="img"' in response.content and b"under the threshold" in response.content
    assert b"style=" not in response.content


# --- item analysis ----------------------------------------------------------------------------------


@pytest.fixture
def answered(round1, tree):
    """12 attempts scoring 100, 95 … 45 %. Q1 (key A): the best 6 right, the rest wrong.
    Q2 (key A): B chosen 7 times, A 4 times, one blank."""
    q1 = make_question(tree["snv"], text="Câu 1?")
    q2 = make_question(tree["snv"], text="Câu 2?")
    people = [person(f"p{n}@example.vn") for n in range(12)]
    for n, p in enumerate(people):
        attempt = entry(round1, p, correct=20 - n)
        answer(attempt, q1, position=1, option_index=0 if n < 6 else 1)
        answer(attempt, q2, position=2, option_index=[0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, None][n])
    return q1, q2


def test_it_computes_facility_discrimination_and_option_shares_by_hand(answered, round1):
    q1, q2 = answered
    first, second = reports.item_analysis(round=round1)
    assert (first.question_id, first.responses, first.correct) == (q1.question_id, 12, 6)
    assert first.facility == Decimal("0.5")
    # 27 % of 12 → 3: the best 3 all right, the weakest 3 all wrong.
    assert first.discrimination == Decimal("1")
    assert [(o.position, o.is_key, o.chosen) for o in first.options] == [
        (1, True, 6),
        (2, False, 6),
        (3, False, 0),
        (4, False, 0),
    ]
    assert first.flags == []
    assert second.facility == Decimal("0.333")
    assert [o.chosen for o in second.options][:2] == [4, 7]
    assert second.blank == 1
    assert "distractor_over_key" in second.flags


def test_it_serves_item_stats_to_the_question_bank(answered):
    from contests.reports.selectors import item_stats_for_questions

    q1, q2 = answered
    stats = item_stats_for_questions([q2.question_id])
    assert list(stats) == [q2.question_id]
    assert stats[q2.question_id].responses == 12


def test_it_flags_too_easy_and_too_hard_items():
    stats = reports._analyse(
        type("Q", (), {"pk": 1, "text": "?"})(),
        [(Decimal(100 - n), n, True, []) for n in range(10)],
        [],
    )
    assert "too_easy" in stats.flags
    hard = reports._analyse(
        type("Q", (), {"pk": 2, "text": "?"})(), [(Decimal(n), n, False, []) for n in range(10)], []
    )
    assert "too_hard" in hard.flags


def test_it_marks_few_responses_instead_of_judging():
    stats = reports._analyse(type("Q", (), {"pk": 1, "text": "?"})(), [(Decimal(1), 1, True, [])], [])
    assert stats.flags == ["few_responses"] and stats.discrimination is None


# --- periodic report ---------------------------------------------------------------------------------


def test_it_reports_every_contest_with_a_round_closing_in_the_period(contest, round1, officials, tree, alice):
    other = make_contest(tree["district"], slug="huyen", title=TITLE)
    make_round(other, week=10)  # closes in July: outside the period
    entry(round1, officials[0])
    entry(round1, officials[1])
    rows = reports.periodic_report(start=datetime(2021, 5, 1, tzinfo=VN), end=datetime(2021, 6, 1, tzinfo=VN))
    assert [(r.contest, r.rounds, r.attempts, r.participants, r.official_participants) for r in rows] == [
        (contest, 1, 2, 2, 2)
    ]
    assert rows[0].headcount == sum(a.headcount for a in tree.values())


def test_it_shows_the_periodic_report_to_organisers_only(client, contest, round1, alice, charlie):
    target = reverse("contests:report-periodic")
    client.login(email=charlie.email, password=PASSWORD)
    assert client.get(target, **EN).status_code == 403
    client.login(email=alice.email, password=PASSWORD)
    response = client.get(target, {"from": "2021-05-01", "to": "2021-05-31"}, **EN)
    assert response.status_code == 200 and contest.title.encode() in response.content
    assert (
        client.get(
            reverse("contests:report-periodic-xlsx"), {"from": "2021-05-01", "to": "2021-05-31"}
        ).status_code
        == 200
    )
