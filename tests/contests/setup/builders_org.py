"""Builders for the organizer-side contest tests (fixtures: fixtures_org.py).

Everything goes through the services, as the app does; only the question
status is set directly (the review workflow has its own tests).
"""

from datetime import datetime, timedelta

from contests.models import Round
from contests.rules.timer import CONTEST_TZ
from contests.setup import services
from questionbank import services as bank_services
from questionbank.models import Question
from questionbank.rules import OptionData, QuestionData


def vn(year, month, day, hour=0, minute=0, second=0):
    """An aware datetime in Asia/Ho_Chi_Minh."""
    return datetime(year, month, day, hour, minute, second, tzinfo=CONTEST_TZ)


def monday(week=1):
    """00:00 on the Monday of week `week` of May 2021 (week 1 = 3 May 2021)."""
    return vn(2021, 5, 3) + timedelta(weeks=week - 1)


def make_questions(*, topic, owner, n, difficulty="medium", sharing=Question.Sharing.SHARED):
    questions = []
    for i in range(n):
        question = bank_services.create_question(
            actor=None,
            owner_agency=owner,
            topic=topic,
            data=QuestionData(
                kind="single",
                text=f"Câu hỏi {i + 1} về {topic.name} ({difficulty})?",
                options=[OptionData("Phương án đúng", True), OptionData("Phương án sai")],
                difficulty=difficulty,
            ),
            sharing=sharing,
            check_permission=False,
        )
        Question.objects.filter(pk=question.pk).update(status=Question.Status.APPROVED)
        questions.append(question)
    return questions


def create_contest(owner, *, slug="cchc-2021", **fields):
    """A draft contest made by services.create_contest (tests.builders.make_contest writes one directly)."""
    values = {
        "title": "Cuộc thi tìm hiểu CCHC 2021",
        "audience_officials": True,
        "audience_citizens": True,
        **fields,
    }
    return services.create_contest(
        actor=None, owner_agency=owner, slug=slug, check_permission=False, **values
    )


def make_round(contest, *, number=1, week=None, rules=(), blocks=(), **fields):
    """A weekly round (Monday 00:00 → Sunday 23:59:59 of May 2021 week `week`)."""
    week = week or number
    values = {
        "title": f"Tuần {number}",
        "opens_at": monday(week),
        "closes_at": monday(week + 1) - timedelta(seconds=1),
        "questions_per_attempt": 10,
        "time_limit_minutes": 20,
        "max_attempts": 3,
        "counting": Round.Counting.BEST,
        **fields,
    }
    return services.create_round(
        actor=None,
        contest=contest,
        number=number,
        blocks=blocks,
        draw_rules=rules,
        check_permission=False,
        **values,
    )
