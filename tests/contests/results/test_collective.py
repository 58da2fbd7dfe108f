"""Collective prizes: formulas, gates, quotas and publication."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from contests.results import collective, tables
from contests.results import services as awards
from contests.results.collective import QuotaData
from contests.results.tables import TierData
from contests.rules import collective as formulas
from tests.contests.results.conftest import entry, make_round
from tests.factories import PASSWORD

D = Decimal


def figures(agency_id, name, headcount, by_round, total=None, *, score=None, points=0, prizes=0, missing=()):
    return formulas.AgencyFigures(
        agency_id=agency_id,
        name=name,
        headcount=headcount,
        participants_by_round=tuple(by_round),
        participants_total=total if total is not None else max(by_round, default=0),
        average_score=score,
        prize_points=points,
        prizes=prizes,
        mandatory_missing=tuple(missing),
    )


def test_it_averages_the_rate_over_rounds_or_counts_it_cumulatively():
    # 10 people; round 1: 5, round 2: 8, 9 distinct over both.
    f = figures(1, "A", 10, [5, 8], total=9)
    assert formulas.participation_rate(f, formulas.AVERAGED) == D("65.00")
    assert formulas.participation_rate(f, formulas.CUMULATIVE) == D("90.00")
    assert formulas.participation_rate(figures(2, "B", 0, [3]), formulas.AVERAGED) is None


def test_it_combines_the_rate_with_the_average_score():
    formula = formulas.Formula(kind=formulas.RATE_SCORE, rate_weight=D("0.7"), other_weight=D("0.3"))
    rate, value = formulas.collective_value(figures(1, "A", 10, [5], score=D("90")), formula)
    assert (rate, value) == (D("50.00"), D("62.00"))  # 0.7 × 50 + 0.3 × 90


def test_it_combines_the_rate_with_prize_points():
    formula = formulas.Formula(kind=formulas.RATE_POINTS)
    rate, value = formulas.collective_value(figures(1, "A", 4, [1], points=18), formula)  # Nhất 10 + Nhì 8
    assert (rate, value) == (D("25.00"), D("43.00"))


def test_it_ranks_passing_agencies_and_lists_those_failing_a_gate():
    formula = formulas.Formula(kind=formulas.RATE, min_rate=D(50), require_mandatory=True, require_prize=True)
    rows = formulas.rank_collective(
        [
            figures(1, "Sở Tư pháp", 10, [9], prizes=1),  # 90 %
            figures(2, "Sở Y tế", 10, [6], prizes=2),  # 60 %
            figures(3, "Sở Tài chính", 10, [4], prizes=1),  # 40 %: under the minimum rate
            figures(4, "Sở Xây dựng", 10, [10], prizes=1, missing=["Giám đốc"]),  # a mandatory person missing
            figures(5, "Sở Công Thương", 10, [8], prizes=0),  # no individual prize
            figures(6, "Sở Nội vụ", 10, [6], prizes=1),  # 60 %: ties Sở Y tế
        ],
        formula,
    )
    assert [(r.figures.name, r.rank, r.failed_gates) for r in rows] == [
        ("Sở Tư pháp", 1, []),
        ("Sở Nội vụ", 2, []),
        ("Sở Y tế", 2, []),
        ("Sở Xây dựng", None, ["mandatory"]),
        ("Sở Công Thương", None, ["prize"]),
        ("Sở Tài chính", None, ["rate"]),
    ]


def test_it_checks_quotas_by_position():
    quotas = [
        formulas.Quota(position="leader", min_count=1),
        formulas.Quota(position="non_leader", min_percent=D(50)),
    ]
    checks = formulas.check_quotas(quotas, {"leader": 2, "non_leader": 9}, {"leader": 1, "non_leader": 4})
    assert [(c.required, c.took_part, c.ok) for c in checks] == [(1, 1, True), (5, 4, False)]  # 50 % of 9 → 5


@pytest.mark.django_db
def test_it_ranks_agencies_from_the_data_with_quotas_and_points(contest, tree, officials, alice, client):
    first = make_round(contest, number=1, week=1)
    second = make_round(contest, number=2, week=2)
    # snv_unit (headcount 5): cc1, cc2 in round 1, cc1 in round 2 → rates 40 %, 20 %.
    # commune (headcount 20): cc3, cc4, cc5 in round 1 → 15 %, 0 %.
    leader = officials[0]
    User.objects.filter(pk=leader.pk).update(position=User.Position.LEADER)
    for n, o in enumerate(officials):
        entry(first, o, duration_ms=60_000 + n, finished_at=first.opens_at + timedelta(hours=1))
    entry(second, officials[0], finished_at=second.opens_at + timedelta(hours=1))
    tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("Giải Nhất", 1, points=10)])
    awards.finalise_round(round=first)
    awards.publish_round(round=first, actor=alice)  # cc1 wins Nhất: 10 points for snv_unit
    prize = collective.save_collective_prize(
        actor=alice,
        contest=contest,
        name="Giải tập thể khối Sở, ngành",
        agencies=[tree["snv_unit"], tree["commune"]],
        formula="rate_points",
        rate_mode="averaged",
        min_rate=D(10),
        require_mandatory=True,
        quotas=[QuotaData(position="leader", min_count=1)],
        tiers=[TierData("Giải Nhất tập thể", 1)],
    )
    ranking = collective.collective_ranking(prize)
    unit, commune = ranking.rows
    assert (unit.figures.name, unit.rate, unit.value, unit.rank) == (
        "Văn thư Sở Nội vụ",
        D("30.00"),
        D("40.00"),
        1,
    )
    assert ranking.tiers == {tree["snv_unit"].pk: "Giải Nhất tập thể"}
    # The commune: 7.5 % under the 10 % gate, and no leader took part.
    assert commune.rate == D("7.50") and set(commune.failed_gates) == {"rate", "mandatory"}
    assert commune.figures.quota_failures == ("leader: 0/1",)
    publication = collective.publish_collective(prize=prize, actor=alice)
    assert publication.rows[0]["prize"] == "Giải Nhất tập thể" and len(publication.sha256) == 64
    response = client.get(
        reverse("contests:winners-contest", kwargs={"slug": contest.slug}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Giải tập thể khối Sở, ngành" in response.content.decode()


@pytest.mark.django_db
def test_it_saves_a_collective_prize_from_the_form(client, contest, tree, alice, officials):
    client.login(email=alice.email, password=PASSWORD)
    response = client.post(
        reverse("contests:award-collective-new", kwargs={"contest_id": contest.pk}),
        {
            "name": "Giải tập thể",
            "agencies": [tree["snv_unit"].pk, tree["commune"].pk],
            "formula": "rate",
            "rate_mode": "cumulative",
            "rate_weight": "1",
            "other_weight": "1",
            "min_rate": "50",
            "mandatory_emails": officials[0].email,
            "quota_leader": "1",
            "tiers": "Giải Nhất; 1; 5000000\nGiải Nhì; 2; 3000000",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    prize = contest.collective_prizes.get()
    assert [(t.name, t.count, t.amount) for t in prize.tiers.all()] == [
        ("Giải Nhất", 1, 5_000_000),
        ("Giải Nhì", 2, 3_000_000),
    ]
    assert list(prize.mandatory_people.all()) == [officials[0]]
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200 and b"Publish the collective ranking" in detail.content


@pytest.mark.django_db
def test_it_refuses_a_collective_prize_with_no_agencies(contest, alice, settings):
    from django.utils import translation

    with translation.override("en"), pytest.raises(awards.AwardError) as error:
        collective.save_collective_prize(actor=alice, contest=contest, name="X")
    assert error.value.messages == ["Choose the agencies of the group (or an agency kind)."]
