"""Fixtures of the results tests (and, through tests/contests/reports/conftest.py,
of the reports tests). They override tests/contests/conftest.py's `contest`
and `english` here.

The personas come from tests/conftest.py: alice organises at Sở Nội vụ (the
owner of the contests here), bob organises in a sibling branch, charlie is an
official with no roles. Attempts are written directly with the ORM, as the
attempt engine leaves them (see `entry`).
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import User
from contests.models import Attempt, Block, Round
from contests.rules.timer import CONTEST_TZ
from tests.builders import make_contest
from tests.factories import make_user

VN = CONTEST_TZ
OPENS = datetime(2021, 5, 3, 0, 0, tzinfo=VN)  # Monday
CLOSES = datetime(2021, 5, 9, 23, 59, 59, tzinfo=VN)  # Sunday
AFTER_CLOSE = CLOSES + timedelta(hours=1)

# The contest of `contest` (built with tests.builders.make_contest).
SLUG = "cchc-2021"
TITLE = "Cuộc thi tìm hiểu CCHC 2021"


def make_round(contest, *, number=1, week=1, target=Round.PredictionTarget.PARTICIPANTS, **fields):
    opens = OPENS + timedelta(weeks=week - 1)
    return Round.objects.create(
        contest=contest,
        number=number,
        title=f"Tuần {number}",
        opens_at=opens,
        closes_at=opens + (CLOSES - OPENS),
        questions_per_attempt=20,
        time_limit_minutes=20,
        max_attempts=3,
        prediction_target=target,
        **fields,
    )


def entry(
    round,
    user,
    *,
    correct=20,
    questions=20,
    duration_ms=600_000,
    finished_at=None,
    prediction=None,
    block=None,
    status=Attempt.Status.SUBMITTED,
    preview=False,
):
    """A finished attempt (unless status says otherwise), numbered after the person's others."""
    finished_at = finished_at or round.opens_at + timedelta(hours=1)
    in_progress = status == Attempt.Status.IN_PROGRESS
    return Attempt.objects.create(
        round=round,
        block=block,
        user=user,
        number=Attempt.objects.filter(round=round, user=user).count() + 1,
        status=status,
        is_preview=preview,
        started_at=finished_at - timedelta(milliseconds=duration_ms),
        deadline=finished_at - timedelta(milliseconds=duration_ms) + timedelta(minutes=20),
        finished_at=None if in_progress else finished_at,
        duration_ms=None if in_progress else duration_ms,
        question_count=questions,
        answered_count=questions,
        correct_count=correct,
        score=(Decimal(100) * correct / questions).quantize(Decimal("0.01")),
        prediction=None if prediction is None else Decimal(prediction),
        counted=not in_progress,
    )


def person(email, *, agency=None, **kwargs):
    return make_user(email, agency=agency, **kwargs)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def contest(tree):
    return make_contest(tree["snv"], slug=SLUG, title=TITLE)


@pytest.fixture
def blocks(contest):
    return {
        "cbccvc": Block.objects.create(
            contest=contest, name="CBCCVC", code="cbccvc", participant_kind="official", position=1
        ),
        "dan": Block.objects.create(
            contest=contest, name="Người dân", code="nguoi-dan", participant_kind="citizen", position=2
        ),
    }


@pytest.fixture
def round1(contest):
    return make_round(contest)


@pytest.fixture
def officials(tree):
    """Five officials: two at Sở Nội vụ's unit, three at the commune."""
    return [
        person(f"cc{n}@example.vn", agency=tree["snv_unit"] if n < 3 else tree["commune"])
        for n in range(1, 6)
    ]


@pytest.fixture
def citizen(db):
    return person("dan@example.vn", kind=User.Kind.CITIZEN)


def make_question(owner, *, text="Câu hỏi?", options=4, correct=0, author=None, topic=None):
    """An approved, shared single-choice question; returns its current version."""
    from questionbank import services as bank_services
    from questionbank.models import Question, Topic
    from questionbank.rules import OptionData, QuestionData

    topic = (
        topic
        or Topic.objects.filter(code="cchc").first()
        or bank_services.create_topic(name="CCHC", code="cchc")
    )
    question = bank_services.create_question(
        actor=None,
        owner_agency=owner,
        topic=topic,
        data=QuestionData(
            kind="single",
            text=text,
            options=[OptionData(f"Phương án {n + 1}", n == correct) for n in range(options)],
        ),
        sharing=Question.Sharing.SHARED,
        check_permission=False,
    )
    Question.objects.filter(pk=question.pk).update(status=Question.Status.APPROVED, author=author)
    question.refresh_from_db()
    return question.current_version


def answer(attempt, version, *, position, option_index):
    """Record that `attempt` drew `version` and chose its option number `option_index` (None = blank)."""
    from contests.models import AttemptQuestion

    options = list(version.options.order_by("position"))
    chosen = [] if option_index is None else [options[option_index].pk]
    return AttemptQuestion.objects.create(
        attempt=attempt,
        position=position,
        version=version,
        choices=[{"t": f"t{o.pk}", "o": o.pk} for o in options],
        selected=chosen,
        is_correct=bool(chosen) and options[option_index].is_correct,
    )
