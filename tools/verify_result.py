#!/usr/bin/env python3
"""Kiểm tra kết quả / Check a published result of Thi Tìm Hiểu.

    python3 verify_result.py results.json [SHA-256 shown on the winners page]
    python3 verify_result.py https://<site>/contests/results/winners/<contest>/<round>/results.json

Standard library only: download this one file and run it with any Python 3.9+.
From the published results.json alone it checks

1. every entry: the values its criteria were compared on agree with the
   entry's own fields (score, correct answers, duration, times, the
   prediction's error against the stated actual value);
2. the order of every block: each entry's criteria compared in the stated
   chain, full ties sharing the place and listed by SHA-256 of the seed, ":"
   and the entry code (or in the board's recorded order);
3. the prizes: the prize table's places filled in that order, skipping the
   entries passed over by the stated rule, with the stated rule for a full
   tie at a prize boundary;
4. the SHA-256 of the result set (from the records) against the one stated,
   and the SHA-256 of the whole file (awards included) against the one the
   winners page shows, when given;

then prints "khớp / matches", or exactly which entry and field differ, and
exits 1.
"""

import hashlib
import json
import sys
import urllib.request
from decimal import Decimal

SIDE_ORDER = {
    "equal": {"over": 0, "under": 0, "exact": 0},
    "under_first": {"under": 0, "exact": 1, "over": 2},
    "over_first": {"over": 0, "exact": 1, "under": 2},
}


class Mismatch(Exception):
    pass


def canonical(obj):
    """The canonical JSON bytes: sorted keys, no whitespace, UTF-8 as is."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def load(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as response:
            return response.read()
    with open(source, "rb") as handle:
        return handle.read()


def check_entries(bundle):
    """Each entry's compared values against its own fields."""
    header = bundle["result"]["header"]
    actual = header.get("actual", {})
    scope = (bundle.get("prediction") or {}).get("scope", "overall")
    for block in bundle["blocks"]:
        key = "all" if scope == "overall" else f"block:{block['block'] or 'none'}"
        for e in block["entries"]:
            record, trace = e["record"], e["record"]["trace"]
            entry = record["entry"]
            pairs = {
                "score": record["score"],
                "correct": record["correct"],
                "all_correct": record["questions"] > 0 and record["correct"] == record["questions"],
                "duration": record["duration_ms"],
                "submitted": record["submitted_at"],
                "started": record["started_at"],
            }
            for criterion, value in pairs.items():
                if criterion in trace and trace[criterion] != value:
                    raise Mismatch(
                        f"entry {entry}: {criterion} compared as {trace[criterion]!r} but the entry says {value!r}"
                    )
            prediction = trace.get("prediction")
            if prediction is not None:
                check_prediction(entry, record, prediction, actual.get(key, "0"))


def check_prediction(entry, record, prediction, actual):
    if prediction.get("value") != record["prediction"]:
        raise Mismatch(
            f"entry {entry}: prediction compared as {prediction.get('value')!r}, entry says {record['prediction']!r}"
        )
    if record["prediction"] is None:
        return
    if prediction.get("actual") != actual:
        raise Mismatch(
            f"entry {entry}: prediction measured against {prediction.get('actual')}, the stated actual is {actual}"
        )
    difference = Decimal(record["prediction"]) - Decimal(actual)
    side = "over" if difference > 0 else "under" if difference < 0 else "exact"
    if Decimal(prediction["error"]) != abs(difference) or prediction["side"] != side:
        raise Mismatch(
            f"entry {entry}: prediction error {prediction['error']} ({prediction['side']}), "
            f"recomputed {abs(difference)} ({side})"
        )


def check_hashes(bundle, raw, stated=None):
    computed = hashlib.sha256(raw).hexdigest()
    if canonical(bundle) != raw:
        raise Mismatch("the file is not in canonical form (it was edited or re-encoded)")
    result = bundle["result"]
    blocks = [(b["block"], [e["record"] for e in b["entries"]]) for b in bundle["blocks"]]
    body = canonical(
        dict(result["header"], blocks=[{"block": code, "standings": records} for code, records in blocks])
    )
    digest = hashlib.sha256(body).hexdigest()
    if digest != result["sha256"]:
        raise Mismatch(f"result set: its records hash to {digest}, not to the stated {result['sha256']}")
    if stated and stated.lower() != computed:
        raise Mismatch(f"SHA-256: the file hashes to {computed}, not to {stated} (the one you were shown)")
    return computed


def _time(value):
    return (1, "") if value is None else (0, value)


def criterion_key(criterion, better, value, equal_error):
    """A sort key part, smaller = better, from a published criterion value."""
    if better == "higher":
        return (0, -Decimal(str(value))) if value is not None else (1, 0)
    if better == "lower":
        return (0, Decimal(str(value))) if value is not None else (1, 0)
    if better == "true":
        return (0 if value else 1,)
    if better == "earlier":
        return _time(value)
    if better == "smaller_error":
        if not value or value.get("error") is None:
            return (1, 0, 0)
        return (0, Decimal(value["error"]), SIDE_ORDER[equal_error][value["side"]])
    raise Mismatch(f"unknown comparison {better!r} for criterion {criterion!r}")


def check_order(bundle):
    ranking = bundle["ranking"]
    seed = bundle["result"]["header"]["seed"]
    for block in bundle["blocks"]:
        records = [e["record"] for e in block["entries"]]
        for record in records:
            missing = [c for c in ranking["chain"] if c not in record["trace"]]
            if missing:
                raise Mismatch(f"entry {record['entry']}: no value for {', '.join(missing)}")

        def key(record):
            trace = record["trace"]
            return tuple(
                criterion_key(c, ranking["better"][c], trace[c], ranking["equal_error"])
                for c in ranking["chain"]
            )

        def tie(record):
            return hashlib.sha256(f"{seed}:{record['entry']}".encode()).hexdigest()

        ordered = sorted(records, key=lambda r: (key(r), tie(r)))
        # Board decisions reorder a full tie; such groups carry board_order.
        expected, i = [], 0
        while i < len(ordered):
            j = i
            while j + 1 < len(ordered) and key(ordered[j + 1]) == key(ordered[i]):
                j += 1
            group = ordered[i : j + 1]
            if len(group) > 1 and all(r.get("board") for r in group):
                group.sort(key=lambda r: r["board"])
                for offset, r in enumerate(group):
                    expected.append((r, i + 1 + offset, False))
            else:
                for r in group:
                    expected.append((r, i + 1, len(group) > 1))
            i = j + 1
        for position, (want, rank, tied) in enumerate(expected, start=1):
            got = records[position - 1]
            if got["entry"] != want["entry"]:
                raise Mismatch(
                    f"block {block['block'] or '-'}, position {position}: the list has entry "
                    f"{got['entry']} but the criteria put {want['entry']} there"
                )
            for field, value in (("position", position), ("rank", rank), ("tied", tied)):
                if got[field] != value:
                    raise Mismatch(f"entry {got['entry']}: {field} is {got[field]!r}, recomputed {value!r}")


def meets_minimum(eligibility, record):
    minimum = eligibility.get("minimum_score")
    if minimum is not None and Decimal(record["score"]) < Decimal(minimum):
        return False
    return not eligibility.get("all_correct") or record["correct"] == record["questions"]


def check_minimum(table, entries):
    """Prizes only at or above the table's minimum; "below_minimum" only below it."""
    eligibility = table.get("eligibility", {})
    for e in entries:
        record = e["record"]
        meets = meets_minimum(eligibility, record)
        if e["prize"] and not meets:
            raise Mismatch(f"entry {record['entry']}: a prize below the table's minimum")
        if e["passed_over"] == "below_minimum" and meets:
            raise Mismatch(f"entry {record['entry']}: passed over as below the minimum, but it meets it")


def check_prizes(bundle):
    for block in bundle["blocks"]:
        table = block["prizes"]
        entries = block["entries"]
        if table is None:
            given = [e for e in entries if e["prize"]]
            if given:
                raise Mismatch(
                    f"entry {given[0]['record']['entry']}: a prize, but the block has no prize table"
                )
            continue
        check_minimum(table, entries)
        slots = [t for t in sorted(table["tiers"], key=lambda t: t["tier"]) for _n in range(t["count"])]
        expected = {}
        i = 0
        groups = {}
        for e in entries:
            groups.setdefault(e["record"]["rank"], []).append(e)
        for rank in sorted(groups):
            if i >= len(slots):
                break
            eligible = [e for e in groups[rank] if not e["passed_over"]]
            if not eligible:
                continue
            here = slots[i]
            span = slots[i : i + len(eligible)]
            if len(eligible) == 1 or (len(span) == len(eligible) and all(t is here for t in span)):
                for e, tier in zip(eligible, span):  # noqa: B905 (Python 3.9; span may run out)
                    expected[e["record"]["entry"]] = tier
            elif table["boundary_ties"] == "higher":
                for e in eligible:
                    expected[e["record"]["entry"]] = here
            else:
                raise Mismatch(
                    f"block {block['block'] or '-'}: a tie at a prize boundary (rank {rank}) has no board "
                    "decision, so nothing could be published"
                )
            i += len(eligible)
        for e in entries:
            entry = e["record"]["entry"]
            want, got = expected.get(entry), e["prize"]
            if want is None and got is not None:
                raise Mismatch(f"entry {entry}: published with {got['name']}, but gets no prize")
            if want is not None and (
                got is None or got["tier"] != want["tier"] or got["name"] != want["name"]
            ):
                name = got["name"] if got else "no prize"
                raise Mismatch(f"entry {entry}: published with {name}, recomputed {want['name']}")
            if want is not None and got["amount"] != want["amount"]:
                raise Mismatch(f"entry {entry}: amount {got['amount']}, the table says {want['amount']}")


def verify(raw, stated=None):
    """The bundle's SHA-256 when everything matches; raises Mismatch otherwise."""
    return _verify(raw, stated)[0]


def _verify(raw, stated):
    try:
        bundle = json.loads(raw)
    except ValueError as error:
        raise Mismatch(f"not JSON: {error}") from None
    if not isinstance(bundle, dict) or bundle.get("format") != 2:
        raise Mismatch("not a results.json of format 2")
    check_entries(bundle)
    check_order(bundle)
    check_prizes(bundle)
    return check_hashes(bundle, raw, stated), bundle


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1])
        return 2
    try:
        raw = load(argv[1])
    except OSError as error:
        print(f"không đọc được / cannot read {argv[1]}: {error}")
        return 2
    try:
        digest, bundle = _verify(raw, argv[2] if len(argv) == 3 else None)
    except (Mismatch, KeyError, TypeError, ValueError, ArithmeticError) as error:
        print(f"KHÔNG khớp / does NOT match: {error}")
        return 1
    entries = sum(len(b["entries"]) for b in bundle["blocks"])
    print(
        f"khớp / matches — {bundle['contest']['title']}, round {bundle['round']['number']}, "
        f"version {bundle['version']}: {entries} entries; SHA-256 {digest}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
