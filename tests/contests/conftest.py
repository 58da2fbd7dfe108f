"""Fixtures for the attempt engine, the API and the participant pages.

On top of tests/conftest.py (tree, alice, bob, charlie):

rita    — reviewer at Sở Nội vụ (approves alice's questions)
dan     — a citizen with a complete profile
bank    — 12 approved questions (8 single, 2 true/false, 2 multiple) under
          one topic, written by alice and approved by rita through the
          question bank services
contest — published, owned by Sở Nội vụ, open to officials and citizens,
          blocks CBCCVC (officials) and Người dân (citizens)
round   — round 1, open since yesterday for a week: 5 questions, 10 minutes,
          3 attempts, best counts, prediction of the number of participants

`NOW` is inside the round; tests pass `now=` to services or travel there.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from contests.models import AttemptQuestion, Block, DrawRule, Round
from contests.quiz import answers
from questionbank import services as bank_services
from questionbank.models import Option, Question
from questionbank.rules import OptionData, QuestionData
from tests.builders import make_contest
from tests.factories import make_user

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # Tuesday 10:00 in Việt Nam
OPENS = NOW - timedelta(days=1)
CLOSES = NOW + timedelta(days=6)

# The contest of `contest` (built with tests.builders.make_contest, which
# conftest re-exports for the modules that import it from here).
SLUG = "cchc-thu"
TITLE = "Cuộc thi tìm hiểu cải cách hành chính"
RULES_TEXT = "## Thể lệ\n\nMỗi tuần **20 câu hỏi**.\n\n<script>alert(1)</script>"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def rita(tree):
    return make_user("rita@example.vn", agency=tree["snv"], roles=["reviewer"])


@pytest.fixture
def dan(tree):
    return make_user("dan@example.vn")


def _question(n, kind):
    if kind == "truefalse":
        options = [OptionData("Đúng", n % 2 == 0), OptionData("Sai", n % 2 == 1)]
    elif kind == "multiple":
        options = [OptionData(f"Lựa chọn {i}", i in (1, 3)) for i in range(1, 5)]
    else:
        options = [OptionData(f"Phương án {i} của câu {n}", i == 2) for i in range(1, 5)]
    return QuestionData(
        kind=kind,
        text=f"Câu hỏi số {n} về cải cách hành chính?",
        options=options,
        explanation=f"Giải thích bí mật của câu {n}.",
        legal_basis=f"Điều {n} Nghị định 61/2018/NĐ-CP",
    )


def make_bank(*, author, reviewer, owner, topic, count=12):
    kinds = ["single"] * 8 + ["truefalse"] * 2 + ["multiple"] * 2
    questions = []
    for n in range(1, count + 1):
        question = bank_services.create_question(
            actor=author,
            owner_agency=owner,
            topic=topic,
            data=_question(n, kinds[(n - 1) % len(kinds)]),
            sharing=Question.Sharing.PRIVATE,
        )
        bank_services.submit_for_review(actor=author, question=question)
        questions.append(bank_services.approve(actor=reviewer, question=question))
    return questions


@pytest.fixture
def topic(db):
    return bank_services.create_topic(name="Cải cách thủ tục hành chính", code="tthc")


@pytest.fixture
def bank(tree, alice, rita, topic):
    return make_bank(author=alice, reviewer=rita, owner=tree["snv"], topic=topic)


def make_round(contest, *, topic, number=1, count=5, opens=OPENS, closes=CLOSES, **fields):
    values = {
        "title": f"Tuần {number}",
        "opens_at": opens,
        "closes_at": closes,
        "questions_per_attempt": count,
        "time_limit_minutes": 10,
        "max_attempts": 3,
        "counting": Round.Counting.BEST,
        "prediction_target": Round.PredictionTarget.PARTICIPANTS,
    }
    values.update(fields)
    round = Round.objects.create(contest=contest, number=number, **values)
    DrawRule.objects.create(round=round, topic=topic, count=count)
    return round


@pytest.fixture
def contest(tree):
    contest = make_contest(tree["snv"], slug=SLUG, title=TITLE, rules_text=RULES_TEXT)
    Block.objects.create(contest=contest, name="CBCCVC", code="cbccvc", participant_kind=Block.Kind.OFFICIAL)
    Block.objects.create(
        contest=contest, name="Người dân", code="nguoi-dan", participant_kind=Block.Kind.CITIZEN, position=1
    )
    return contest


@pytest.fixture
def round(contest, bank, topic):
    return make_round(contest, topic=topic)


# --- answering helpers (server-side knowledge, for tests only) ----------------------------------


def correct_tokens(attempt, position):
    row = AttemptQuestion.objects.get(attempt=attempt, position=position)
    right = set(
        Option.objects.filter(version_id=row.version_id, is_correct=True).values_list("id", flat=True)
    )
    return [c["t"] for c in row.choices if c["o"] in right]


def wrong_tokens(attempt, position):
    row = AttemptQuestion.objects.get(attempt=attempt, position=position)
    right = set(
        Option.objects.filter(version_id=row.version_id, is_correct=True).values_list("id", flat=True)
    )
    return [next(c["t"] for c in row.choices if c["o"] not in right)]


def answer(attempt, user, *, right, now, positions=None):
    """Answer `positions` (default: all) — the first `right` of them correctly."""

    positions = positions or list(range(1, attempt.question_count + 1))
    for index, position in enumerate(positions):
        tokens = correct_tokens(attempt, position) if index < right else wrong_tokens(attempt, position)
        answers.save_answer(attempt=attempt, user=user, position=position, tokens=tokens, now=now)
