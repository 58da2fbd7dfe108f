"""The live order of a round board, as pure functions (no ORM).

Live order (provisional; the final order with the prediction question is
decided when the round is finalised):
    correct answers (desc) → server-measured duration (asc)
    → finish time (asc, in whole "finish units" after the round opened)
    → participant id (asc, so no two entries ever tie).

Both leaderboard backends order by exactly this key: the database backend
sorts on it, the Redis backend stores it as one integer sorted-set score
(lower = better) plus a zero-padded member, so equal scores order by id.
"""

from dataclasses import dataclass

from contests.rules import timer

CORRECT_BITS = 8  # up to 255 questions
DURATION_BITS = 24  # up to 16,777,215 ms ≈ 4.6 h (time limits are ≤ 180 min)
FINISH_BITS = 21  # finish units after the round opened
MAX_CORRECT = (1 << CORRECT_BITS) - 1
MAX_DURATION = (1 << DURATION_BITS) - 1
MAX_FINISH = (1 << FINISH_BITS) - 1
# 8 + 24 + 21 = 53 bits: every score is exact in Redis' double-precision scores.
assert CORRECT_BITS + DURATION_BITS + FINISH_BITS == 53


def finish_unit_ms(round_length_ms):
    """Finish-time resolution for a round: 1 s for rounds up to ~24 days,
    coarser (a whole number of seconds) for longer ones, so 21 bits suffice."""
    seconds = max(1, -(-round_length_ms // 1000 // MAX_FINISH))
    return seconds * 1000


@dataclass(frozen=True)
class Entry:
    user_id: int
    correct: int
    duration_ms: int
    finished_offset_ms: int  # finished_at − round.opens_at, in ms


def finish_units(entry, unit_ms):
    return min(max(entry.finished_offset_ms, 0) // unit_ms, MAX_FINISH)


def order_key(entry, unit_ms):
    return (
        -min(entry.correct, MAX_CORRECT),
        min(max(entry.duration_ms, 0), MAX_DURATION),
        finish_units(entry, unit_ms),
        entry.user_id,
    )


def encode_score(entry, unit_ms):
    """One integer, lower = better, encoding (correct desc, duration, finish)."""
    correct = min(max(entry.correct, 0), MAX_CORRECT)
    duration = min(max(entry.duration_ms, 0), MAX_DURATION)
    return (
        ((MAX_CORRECT - correct) << (DURATION_BITS + FINISH_BITS))
        | (duration << FINISH_BITS)
        | finish_units(entry, unit_ms)
    )


def decode_score(score):
    score = int(score)
    finish = score & MAX_FINISH
    duration = (score >> FINISH_BITS) & MAX_DURATION
    correct = MAX_CORRECT - (score >> (DURATION_BITS + FINISH_BITS))
    return correct, duration, finish


def live_score(*, user_id, correct, duration_ms, finished_at, opens_at, closes_at):
    """The encoded live score of one finished attempt of a round (datetimes in)."""
    unit = finish_unit_ms(timer.milliseconds(closes_at - opens_at))
    entry = Entry(
        user_id=user_id,
        correct=correct,
        duration_ms=duration_ms or 0,
        finished_offset_ms=timer.milliseconds(finished_at - opens_at),
    )
    return encode_score(entry, unit)


def member(user_id):
    """Sorted-set member: zero-padded so lexicographic order = numeric order."""
    return f"{user_id:012d}"


def rank_entries(entries, unit_ms):
    """Entries in live order."""
    return sorted(entries, key=lambda e: order_key(e, unit_ms))


def mask_name(full_name):
    """ "Nguyễn Văn An" → "Nguyễn V. A." (family name kept, others initialled)."""
    parts = full_name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0] + "."
    return " ".join([parts[0]] + [p[0] + "." for p in parts[1:]])
