"""Reading ids and numbers that people type into URLs and forms.

`str.isdigit()` is not a check for a database id: it accepts "²" and "٣",
which `int()` then refuses or reads as another number, and it accepts ids
beyond 64 bits, which the database's integers overflow on. Both answered 500.
"""

MAX_ID = 2**63 - 1  # the largest bigint


def parse_id(value):
    """A positive id from text (ASCII digits only, within a bigint), or None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
