"""Plain AttemptRow builders for the pure chain tests."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from contests.rules import canonical, chain

T0 = datetime(2021, 5, 3, 1, 0, tzinfo=UTC)


def row(
    id,
    user,
    *,
    correct=20,
    questions=20,
    score=None,
    duration_ms=60_000,
    finished_at=None,
    started_at=None,
    prediction=None,
    block=None,
    number=1,
    finished=True,
    registered_at=None,
    code=None,
):
    """An attempt: by default perfect, one minute long, submitted at T0 + id
    seconds, entry code "E" and its id. Times are given as datetimes and
    stored as epoch milliseconds."""
    finished_at = finished_at or T0 + timedelta(seconds=id)
    started_at = started_at or finished_at - timedelta(milliseconds=duration_ms or 0)
    if score is None:
        score = (Decimal(100) * correct / questions).quantize(Decimal("0.01")) if questions else Decimal(0)
    registered_at = registered_at or datetime(2021, 1, 1, tzinfo=UTC) + timedelta(days=user)
    return chain.AttemptRow(
        id=id,
        user_id=user,
        block_id=block,
        number=number,
        finished=finished,
        correct=correct,
        questions=questions,
        score=Decimal(score),
        duration_ms=duration_ms,
        started_at=canonical.epoch_ms(started_at),
        finished_at=canonical.epoch_ms(finished_at) if finished else None,
        prediction=None if prediction is None else Decimal(prediction),
        registered_at=canonical.epoch_ms(registered_at),
        code=code or f"E{id:05d}",
    )


def policy(*chain_criteria, **options):
    values = {"chain": chain_criteria or chain.DEFAULT_CHAIN, "target": "participants", **options}
    return chain.Policy(**values)


def order(result, block=None):
    """[(user, rank)] of a block in position order."""
    return [(s.user_id, s.rank) for s in result.blocks.get(block, [])]


def tie_order(*ids, seed=""):
    """Attempt ids of a full tie in the order the tie key lists them."""
    return sorted(ids, key=lambda i: chain.tie_key(seed, f"E{i:05d}"))


def users(result, block=None):
    return [s.user_id for s in result.blocks.get(block, [])]
