"""Scoring, durations, the prediction answer and which attempt counts.

Pure: plain values in, plain values out, no ORM. The attempt services feed it
what they read from the database.

Rules:
- A question is correct when the set of selected options equals the set of
  correct options (single choice, true/false, and multiple choice all or
  nothing alike). Unanswered is wrong.
- score = 100 × correct / questions, rounded half up to 2 decimals.
- duration = finished − started in milliseconds, never more than the time
  limit (an attempt finalised at its deadline has finished = deadline).
- Ranking order (and "best attempt"): more correct answers, then shorter
  duration, then earlier finish.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from contests.rules import collective

PREDICTION_MAX = Decimal(10) ** 9
PREDICTION_PLACES = Decimal("0.0001")  # Attempt.prediction has 4 decimal places

COUNTING_BEST = "best"
COUNTING_FIRST = "first"
COUNTING_LAST = "last"

TARGET_PARTICIPANTS = "participants"
TARGET_PERFECT = "perfect"
TARGET_PERFECT_PERCENT = "perfect_percent"


def is_correct(selected, correct):
    """True when the selected option ids are exactly the correct ones."""
    selected, correct = set(selected), set(correct)
    return bool(selected) and selected == correct


def score_percent(correct_count, question_count):
    """The attempt's score: the site's one percentage rule (collective.percent, half up to 0.01)."""
    if question_count <= 0:
        return Decimal("0.00")
    return collective.percent(correct_count, question_count)


def ranking_key(correct_count, duration_ms, finished_at):
    """Sort key, smaller = better: correct (desc), duration (asc), finish (asc)."""
    return (-int(correct_count), int(duration_ms if duration_ms is not None else 2**62), finished_at)


@dataclass(frozen=True)
class Finished:
    """What choosing the counted attempt needs to know about one attempt."""

    id: int
    number: int
    correct_count: int
    duration_ms: int
    finished_at: datetime


def counted_attempt(attempts, counting):
    """The id of the attempt that counts under the round's rule, or None.

    best: highest correct count, then shortest duration, then earliest finish;
    first / last: by attempt number.
    """
    attempts = list(attempts)
    if not attempts:
        return None
    if counting == COUNTING_FIRST:
        return min(attempts, key=lambda a: a.number).id
    if counting == COUNTING_LAST:
        return max(attempts, key=lambda a: a.number).id
    return min(
        attempts, key=lambda a: (*ranking_key(a.correct_count, a.duration_ms, a.finished_at), a.number)
    ).id


class PredictionError(ValueError):
    """A prediction answer that cannot be accepted; the message says why."""


def parse_prediction(value, *, target, decimal, required):
    """The prediction as a Decimal (or None when allowed to be empty).

    Accepts a number or a string; a comma may be the decimal separator
    ("12,5") and spaces or dots group thousands in whole numbers typed by
    people ("1 200", "1.200" when decimals are not allowed).
    """
    if not target:
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PredictionError(_("Answer the prediction question."))
        return None
    if isinstance(value, bool):
        raise PredictionError(_("The prediction must be a number."))
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if decimal:
            text = text.replace(",", ".")
        elif text.count(".") and "," not in text and all(len(g) == 3 for g in text.split(".")[1:]):
            text = text.replace(".", "")  # "1.200" = one thousand two hundred
        elif "," in text and "." not in text and all(len(g) == 3 for g in text.split(",")[1:]):
            text = text.replace(",", "")  # "1,200"
        text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise PredictionError(_("The prediction must be a number.")) from None
    else:
        raise PredictionError(_("The prediction must be a number."))
    if not number.is_finite():
        raise PredictionError(_("The prediction must be a number."))
    if number < 0:
        raise PredictionError(_("The prediction cannot be negative."))
    if number > PREDICTION_MAX:
        raise PredictionError(_("The prediction cannot be more than 1,000,000,000."))
    if target == TARGET_PERFECT_PERCENT and number > 100:
        raise PredictionError(_("A percentage cannot be more than 100."))
    if not decimal and number != number.to_integral_value():
        raise PredictionError(_("The prediction must be a whole number."))
    if decimal and number != number.quantize(PREDICTION_PLACES, rounding=ROUND_HALF_UP):
        raise PredictionError(_("The prediction may have at most 4 decimal places."))
    return number.quantize(PREDICTION_PLACES) if decimal else number.to_integral_value()
