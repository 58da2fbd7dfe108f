"""Pure scoring rules: no database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from contests.rules import scoring, timer
from contests.rules.scoring import Finished, PredictionError, parse_prediction

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_it_counts_a_question_correct_only_for_exactly_the_correct_set():
    assert scoring.is_correct([7], {7})
    assert not scoring.is_correct([8], {7})
    assert not scoring.is_correct([], {7})
    assert scoring.is_correct([3, 1], {1, 3})
    assert not scoring.is_correct([1], {1, 3})  # multiple choice: all or nothing
    assert not scoring.is_correct([1, 2, 3], {1, 3})


def test_it_rounds_the_score_half_up_to_two_decimals():
    assert scoring.score_percent(2, 3) == Decimal("66.67")
    assert scoring.score_percent(1, 3) == Decimal("33.33")
    assert scoring.score_percent(1, 8) == Decimal("12.50")
    assert scoring.score_percent(20, 20) == Decimal("100.00")
    assert scoring.score_percent(0, 0) == Decimal("0.00")


def test_it_measures_durations_in_milliseconds_capped_at_the_limit():
    assert timer.duration_ms(T0, T0 + timedelta(minutes=3, microseconds=456_789)) == 180_456
    assert timer.duration_ms(T0, T0 + timedelta(minutes=25), limit_ms=20 * 60_000) == 1_200_000
    assert timer.duration_ms(T0, T0 - timedelta(seconds=1)) == 0


def test_it_formats_durations_as_minutes_and_seconds():
    assert timer.format_duration(754_999) == "12:34"
    assert timer.format_duration(5_000) == "0:05"
    assert timer.format_duration(None) == ""


def _finished(id, correct, duration, minutes):
    return Finished(
        id=id,
        number=id,
        correct_count=correct,
        duration_ms=duration,
        finished_at=T0 + timedelta(minutes=minutes),
    )


def test_best_is_most_correct_then_fastest_then_earliest():
    attempts = [
        _finished(1, 18, 500, 10),
        _finished(2, 19, 900, 20),
        _finished(3, 19, 800, 30),
        _finished(4, 19, 800, 5),
    ]
    assert scoring.counted_attempt(attempts, "best") == 4
    assert scoring.counted_attempt(attempts, "first") == 1
    assert scoring.counted_attempt(attempts, "last") == 4
    assert scoring.counted_attempt([], "best") is None


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 10**7), st.integers(0, 10**5)), min_size=1, max_size=12
    )
)
def test_the_counted_best_attempt_is_never_beaten(rows):
    attempts = [_finished(i + 1, c, d, m) for i, (c, d, m) in enumerate(rows)]
    best = next(a for a in attempts if a.id == scoring.counted_attempt(attempts, "best"))
    key = scoring.ranking_key(best.correct_count, best.duration_ms, best.finished_at)
    assert all(key <= scoring.ranking_key(a.correct_count, a.duration_ms, a.finished_at) for a in attempts)


@pytest.mark.parametrize(
    ("value", "decimal", "expected"),
    [
        ("1200", False, Decimal(1200)),
        ("1 200", False, Decimal(1200)),
        ("1.200", False, Decimal(1200)),
        ("1,200", False, Decimal(1200)),
        (350, False, Decimal(350)),
        ("12,5", True, Decimal("12.5")),
        ("12.25", True, Decimal("12.25")),
        (7.5, True, Decimal("7.5")),
    ],
)
def test_it_reads_predictions_as_people_type_them(value, decimal, expected):
    assert parse_prediction(value, target="participants", decimal=decimal, required=True) == expected


@pytest.mark.parametrize(
    ("value", "target", "decimal", "message"),
    [
        ("", "participants", False, "Answer the prediction question"),
        ("12,5", "participants", False, "whole number"),
        ("1e3x", "participants", False, "must be a number"),
        (True, "participants", False, "must be a number"),
        ("NaN", "participants", True, "must be a number"),
        ("-1", "participants", False, "cannot be negative"),
        ("1000000001", "participants", False, "more than 1,000,000,000"),
        ("100.01", "perfect_percent", True, "more than 100"),
        ("1.23456", "perfect", True, "at most 4 decimal places"),
        ([1], "perfect", False, "must be a number"),
    ],
)
def test_it_explains_a_bad_prediction(value, target, decimal, message):
    with pytest.raises(PredictionError, match=message):
        parse_prediction(value, target=target, decimal=decimal, required=True)


def test_an_optional_or_absent_prediction_may_be_empty():
    assert parse_prediction("", target="participants", decimal=False, required=False) is None
    assert parse_prediction("123", target="", decimal=False, required=True) is None
