"""The demo contest loaded by `manage.py load_demo`, on a fixed date."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from contests.models import Block, Contest, DrawRule, Round
from contests.quiz import attempts
from contests.setup import demo, drawing
from contests.setup.rules_text import render_rules
from tests.contests.setup.builders_org import vn

pytestmark = pytest.mark.django_db

WEDNESDAY = vn(2021, 5, 5, 10, 0)  # round 2 = Monday 3 May → Sunday 9 May 2021


def load(when=WEDNESDAY):
    with time_machine.travel(when, tick=False):
        call_command("load_demo", force=True)
    return Contest.objects.get(slug=demo.SLUG)


def counts():
    return (Contest.objects.count(), Block.objects.count(), Round.objects.count(), DrawRule.objects.count())


def test_it_loads_a_published_contest_of_the_home_affairs_department_with_its_rules():
    contest = load()
    assert contest.title == "Cuộc thi tìm hiểu về cải cách hành chính tỉnh Bình Định năm 2021"
    assert (contest.status, contest.owner_agency.code) == (Contest.Status.PUBLISHED, "snv")
    assert contest.audience_officials and contest.audience_citizens
    assert not contest.audience_agencies.exists()  # officials of every agency
    assert contest.exclude_staff
    assert [(b.name, b.participant_kind) for b in contest.blocks.all()] == [
        ("CBCCVC", Block.Kind.OFFICIAL),
        ("Người dân", Block.Kind.CITIZEN),
    ]
    for needle in (
        "20 câu hỏi",
        "20 phút",
        "03 lượt",
        "kết quả cao nhất",
        "Câu hỏi dự đoán",
        "02 giây",
        "Giải Nhất",
        "Giải Nhì",
        "Giải Ba",
        "Giải Khuyến khích",
        "Bảng CBCCVC",
        "Bảng Người dân",
        "không được dự thi",
    ):
        assert needle in contest.rules_text, needle
    html = render_rules(contest.rules_text)
    assert "<table>" in html and "<h2>1. Đối tượng dự thi</h2>" in html


def test_four_weekly_rounds_with_the_second_open_this_week_and_a_practice_round():
    contest = load()
    weekly = list(contest.rounds.filter(is_practice=False).order_by("number"))
    assert [r.number for r in weekly] == [1, 2, 3, 4]
    assert weekly[1].opens_at == datetime(2021, 5, 2, 17, 0, tzinfo=UTC)  # Monday 3 May 00:00 in Vietnam
    assert weekly[1].closes_at == vn(2021, 5, 9, 23, 59, 59)
    for previous, following in zip(weekly, weekly[1:], strict=False):
        assert following.opens_at - previous.closes_at == timedelta(seconds=1)
    assert [r for r in weekly if r.opens_at <= WEDNESDAY < r.closes_at] == [weekly[1]]
    for round in weekly:
        assert (round.questions_per_attempt, round.time_limit_minutes, round.max_attempts) == (20, 20, 3)
        assert round.counting == Round.Counting.BEST
        assert (round.prediction_target, round.prediction_decimal, round.prediction_required) == (
            Round.PredictionTarget.PARTICIPANTS,
            False,
            True,
        )
        assert round.explanations == Round.Explanations.AFTER_CLOSE
        assert not round.blocks.exists()  # both blocks
    practice = contest.rounds.get(is_practice=True)
    assert (practice.opens_at, practice.closes_at) == (weekly[0].opens_at, weekly[-1].closes_at)
    assert (practice.questions_per_attempt, practice.max_attempts, practice.prediction_target) == (
        10,
        None,
        "",
    )


def test_the_open_round_draws_20_questions_for_both_blocks():
    contest = load()
    for round in contest.rounds.all():
        assert drawing.shortages(round=round) == [], round
    round = contest.rounds.get(number=2)
    for block in contest.blocks.all():
        rules = drawing.rules_for_block(round=round, block=block)
        assert sum(r.count for r in rules) == 20 and all(r.block_id == block.pk for r in rules)
        drawn = drawing.draw(round=round, block=block)
        assert len(drawn) == len(set(drawn)) == 20
    with time_machine.travel(WEDNESDAY, tick=False):
        official = attempts.start_attempt(
            user=User.objects.get(email="congchuc1@demo.thitimhieu.vn"), round=round
        )
        citizen = attempts.start_attempt(
            user=User.objects.get(email="nguoidan@demo.thitimhieu.vn"), round=round
        )
    assert (official.block.name, official.question_count) == ("CBCCVC", 20)
    assert (citizen.block.name, citizen.question_count) == ("Người dân", 20)


def test_loading_again_on_a_later_day_changes_nothing():
    contest = load()
    before = counts()
    dates = list(contest.rounds.values_list("number", "opens_at", "closes_at"))
    load(when=vn(2021, 5, 20, 8, 0))
    assert counts() == before
    assert list(contest.rounds.values_list("number", "opens_at", "closes_at")) == dates


def test_recentring_moves_round_two_to_the_current_week():
    load()
    with time_machine.travel(vn(2021, 6, 16, 9, 0), tick=False):
        call_command("recentre_demo_contest", force=True, stdout=io.StringIO())
    contest = Contest.objects.get(slug=demo.SLUG)
    assert contest.rounds.get(number=2).opens_at == vn(2021, 6, 14)
    assert contest.rounds.get(number=4).closes_at == vn(2021, 7, 4, 23, 59, 59)
    practice = contest.rounds.get(is_practice=True)
    assert (practice.opens_at, practice.closes_at) == (vn(2021, 6, 7), vn(2021, 7, 4, 23, 59, 59))
    assert all(drawing.shortages(round=r) == [] for r in contest.rounds.all())
    demo.recentre_dates(today=vn(2021, 4, 14).date())  # and back, before the first date
    assert contest.rounds.get(number=2).opens_at == vn(2021, 4, 12)
    assert contest.rounds.get(number=1).opens_at == vn(2021, 4, 5)
