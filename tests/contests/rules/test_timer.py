"""The timer rule (contests/rules/timer.py): an attempt's deadline, when it
really ends, the grace for answers in transit, durations and the contest's
calendar. Pure functions: no database."""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings

from contests.rules import timer

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
CLOSES = NOW + timedelta(hours=1)


def test_it_gives_an_attempt_its_time_limit_from_the_start():
    assert timer.deadline_for(now=NOW, time_limit_minutes=20, closes_at=CLOSES) == NOW + timedelta(minutes=20)


def test_it_never_lets_an_attempt_run_past_the_round_close():
    late = CLOSES - timedelta(minutes=5)
    assert timer.deadline_for(now=late, time_limit_minutes=20, closes_at=CLOSES) == CLOSES


def test_a_preview_keeps_its_whole_limit_and_practice_has_none():
    late = CLOSES - timedelta(minutes=5)
    assert timer.deadline_for(
        now=late, time_limit_minutes=20, closes_at=CLOSES, preview=True
    ) == late + timedelta(minutes=20)
    assert timer.deadline_for(now=NOW, time_limit_minutes=20, closes_at=CLOSES, practice=True) is None
    preview_of_practice = timer.deadline_for(
        now=NOW, time_limit_minutes=20, closes_at=CLOSES, preview=True, practice=True
    )
    assert preview_of_practice == NOW + timedelta(minutes=20)


def test_an_attempt_ends_at_its_deadline_or_an_earlier_close():
    deadline = NOW + timedelta(minutes=20)
    assert timer.effective_deadline(deadline=deadline, closes_at=CLOSES) == deadline
    closed_early = NOW + timedelta(minutes=5)
    assert timer.effective_deadline(deadline=deadline, closes_at=closed_early) == closed_early
    assert timer.effective_deadline(deadline=deadline, closes_at=closed_early, preview=True) == deadline
    assert timer.effective_deadline(deadline=None, closes_at=CLOSES) == CLOSES  # practice


def test_the_countdown_shows_the_effective_end_and_nothing_for_practice():
    deadline = NOW + timedelta(minutes=20)
    closed_early = NOW + timedelta(minutes=5)
    assert timer.countdown_end(deadline=deadline, closes_at=closed_early) == closed_early
    assert timer.countdown_end(deadline=None, closes_at=CLOSES) is None


def test_answers_are_taken_until_the_grace_after_the_end_and_not_a_microsecond_more():
    deadline = NOW + timedelta(minutes=20)
    last = deadline + timer.ANSWER_GRACE
    assert timedelta(seconds=2) == timer.ANSWER_GRACE
    assert not timer.is_past_grace(deadline=deadline, closes_at=CLOSES, now=last)
    assert timer.is_past_grace(deadline=deadline, closes_at=CLOSES, now=last + timedelta(microseconds=1))
    closed_early = NOW + timedelta(minutes=5)
    assert timer.is_past_grace(
        deadline=deadline, closes_at=closed_early, now=closed_early + timedelta(seconds=3)
    )


def test_it_measures_durations_in_whole_milliseconds_capped_at_the_limit():
    assert timer.duration_ms(NOW, NOW + timedelta(minutes=3, microseconds=456_789)) == 180_456
    assert timer.duration_ms(NOW, NOW + timedelta(minutes=25), limit_ms=20 * 60_000) == 1_200_000
    assert timer.duration_ms(NOW, NOW - timedelta(seconds=1)) == 0
    assert timer.milliseconds(timedelta(days=1, microseconds=999)) == 86_400_000
    assert timer.format_duration(754_999) == "12:34" and timer.format_duration(None) == ""


def test_days_are_the_contest_time_zone_days_from_settings():
    assert str(timer.CONTEST_TZ) == settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    evening_utc = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)  # 00:30 on the 11th in Việt Nam
    assert timer.local_date(evening_utc) == date(2026, 3, 11)
    start, end = timer.local_day_bounds(evening_utc)
    assert start == datetime(2026, 3, 10, 17, 0, tzinfo=UTC) and end - start == timedelta(days=1)
    assert timer.local_text(evening_utc) == "11/03/2026 00:30"
    assert timer.local_text(evening_utc + timedelta(seconds=7)) == "11/03/2026 00:30:07"
