"""The timer, as the rules state it: when an attempt ends, how late an answer
may still arrive, how long an attempt took, and the contest's calendar.

Pure: functions over datetimes, no ORM. Every other module asks here; the
server decides time, the page only displays it.

- An attempt's own deadline is `deadline_for`: the round's time limit from
  the start, never past the round's close; a preview keeps its full limit; a
  practice attempt has none.
- It ends at `effective_deadline`: its own deadline or the round's close,
  whichever comes first (an organiser may close a round early).
- Answers and submits are accepted until `ANSWER_GRACE` after that end
  (`is_past_grace`), to absorb the network, never more.
- Durations are whole milliseconds measured by the server (`duration_ms`).
- Days, weeks and printed times are those of the contest time zone,
  `settings.TIME_ZONE` (Asia/Ho_Chi_Minh).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

ANSWER_GRACE = timedelta(seconds=2)
CONTEST_TZ = ZoneInfo(settings.TIME_ZONE)


def deadline_for(*, now, time_limit_minutes, closes_at, preview=False, practice=False):
    """The deadline of an attempt started at `now` (None: untimed practice)."""
    if practice and not preview:
        return None
    deadline = now + timedelta(minutes=time_limit_minutes)
    return deadline if preview else min(deadline, closes_at)


def effective_deadline(*, deadline, closes_at, preview=False):
    """When an attempt ends: its own deadline or the round's close, whichever
    comes first (an organiser may close a round early: quiz.closing.close_round).
    A practice attempt has no deadline; a preview keeps its own time."""
    if preview or closes_at is None:
        return deadline
    return closes_at if deadline is None else min(deadline, closes_at)


def countdown_end(*, deadline, closes_at, preview=False):
    """The end a participant's countdown shows (effective_deadline); None for
    practice, which is untimed."""
    if deadline is None:
        return None
    return effective_deadline(deadline=deadline, closes_at=closes_at, preview=preview)


def is_past_grace(*, deadline, closes_at, now, preview=False):
    """True once no answer or submit may be accepted any more."""
    end = effective_deadline(deadline=deadline, closes_at=closes_at, preview=preview)
    return end is not None and now > end + ANSWER_GRACE


def milliseconds(delta):
    """A timedelta in whole milliseconds (floored)."""
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def duration_ms(started_at, finished_at, *, limit_ms=None):
    """Server-measured duration in whole milliseconds, capped at `limit_ms`."""
    ms = max(milliseconds(finished_at - started_at), 0)
    if limit_ms is not None:
        ms = min(ms, limit_ms)
    return ms


def format_duration(ms):
    """12345 → "0:12"; 754000 → "12:34" (minutes:seconds, seconds floored)."""
    if ms is None:
        return ""
    seconds = int(ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def local_date(moment):
    """The contest time zone's calendar date of an aware datetime."""
    return moment.astimezone(CONTEST_TZ).date()


def local_day_bounds(moment):
    """[start, end) of the contest time zone's day containing `moment`, as aware datetimes."""
    day = local_date(moment)
    start = datetime(day.year, day.month, day.day, tzinfo=CONTEST_TZ)
    return start, start + timedelta(days=1)


def local_text(value):
    """A datetime as Vietnamese readers write it, in the contest time zone."""
    return timezone.localtime(value, CONTEST_TZ).strftime("%d/%m/%Y %H:%M:%S").removesuffix(":00")
