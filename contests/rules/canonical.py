"""The canonical form of a result set: the bytes its SHA-256 is taken over.

Sorted keys, no whitespace, non-ASCII kept as is, decimals as their shortest
exact string, times as ISO 8601 UTC with milliseconds. Pure: no ORM.
"""

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

FORMAT_VERSION = 2
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)


_SENTINEL = "@@blocks@@"  # never in a header (ids, numbers and fixed words only)


@lru_cache(maxsize=4096)
def _decimal_text(value):
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def canonical_decimal(value):
    """Decimal → its shortest exact string ("100.00" → "100", "0.50" → "0.5");
    None stays None."""
    if value is None:
        return None
    return _decimal_text(value if isinstance(value, Decimal) else Decimal(value))


def canonical_time(value):
    """Epoch milliseconds (or an aware datetime) → "2021-05-09T16:59:59.123Z"
    (UTC, milliseconds, truncated)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = epoch_ms(value)
    seconds, millis = divmod(value, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def from_epoch_ms(value):
    """Epoch milliseconds → aware UTC datetime."""
    return None if value is None else EPOCH + timedelta(milliseconds=value)


def epoch_ms(value):
    """Aware datetime → whole milliseconds since 1970 (the precision of every time comparison)."""
    return (value - EPOCH) // ONE_MS


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_text(obj):
    """Canonical JSON text: sorted keys, no whitespace, non-ASCII kept as is."""
    return _ENCODER.encode(obj)


def canonical_json(obj):
    """Canonical JSON as UTF-8 bytes."""
    return _ENCODER.encode(obj).encode("utf-8")


def header_dict(result):
    """Everything in the canonical form except the standings. Format 2 names
    no database id: entries by their codes, blocks by theirs; the seed that
    orders full ties is part of it."""
    return header(
        seed=result.seed,
        policy=result.policy.as_dict(),
        actual={k: canonical_decimal(v) for k, v in result.actual.items()},
        disqualified=list(result.disqualified),
    )


def header(*, seed, policy, actual, disqualified, legacy_round_id=None):
    """The canonical header from its values: format 2; or format 1, for result
    sets stored before format 2 (they have no seed and named the round by its
    id, given as `legacy_round_id`)."""
    if legacy_round_id is not None:
        return {
            "format": 1,
            "round": legacy_round_id,
            "policy": policy,
            "actual": actual,
            "disqualified": disqualified,
        }
    return {
        "format": FORMAT_VERSION,
        "seed": seed,
        "policy": policy,
        "actual": actual,
        "disqualified": disqualified,
    }


def canonical_from_texts(*, header, blocks):
    """The canonical bytes from a stored header and [(block_id, [record text])]
    (the records' canonical texts as stored), without parsing them."""
    body = ",".join(
        '{"block":' + json.dumps(block_id) + ',"standings":[' + ",".join(texts) + "]}"
        for block_id, texts in blocks
    )
    text = canonical_text(header | {"blocks": _SENTINEL})
    return text.replace(json.dumps(_SENTINEL), "[" + body + "]", 1).encode("utf-8")


def canonical_from_parts(*, header, blocks):
    """The canonical bytes from a stored header and [(block_id, [record])],
    so a stored result set can be re-hashed without recomputing it."""
    return canonical_json(header | {"blocks": [{"block": b, "standings": records} for b, records in blocks]})
