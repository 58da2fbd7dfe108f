"""Rank and top-N lookups of both standings backends at growing board sizes.

One round and block of its own; entries are added in steps (10k → 100k →
1M): people and counted attempts with PostgreSQL COPY, the same entries in
the Redis sorted set with pipelined ZADDs. At each size every operation of
`contests.live.standings.RedisStandings` and `DatabaseStandings` is timed over
random participants, up to `--lookups` calls or `--budget` seconds each.

Usage: python bench/live/lookups.py --sizes 10000,100000,1000000
Prints one JSON object.
"""

import argparse
import io
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.common import django_setup, summary_ms


def copy_text(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def row_template(model, values, varying):
    """Columns of `model` and a per-row function for COPY text, with a value for
    every NOT NULL column (fields added later get their default or an empty one)."""
    from django.db import models

    columns, parts, generated = [], [], {}
    for field in model._meta.concrete_fields:
        columns.append(field.column)
        if field.attname in varying:
            parts.append(None)
            continue
        if field.unique and callable(field.default) and field.attname not in values:
            generated[field.attname] = field.default  # a fresh value per row (e.g. entry codes)
            parts.append(None)
            continue
        if field.attname in values:
            value = values[field.attname]
        elif field.null:
            value = None
        elif field.has_default() and not callable(field.default):
            value = field.default
        elif isinstance(field, models.BooleanField):
            value = False
        elif isinstance(field, models.CharField | models.TextField):
            value = ""
        elif isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
            value = 0
        elif isinstance(field, models.JSONField):
            value = "{}"
        else:
            raise RuntimeError(f"no bench value for {model.__name__}.{field.attname}")
        parts.append(copy_text(value))
    names = [f.attname for f in model._meta.concrete_fields]

    def row(**row_values):
        for name, default in generated.items():
            row_values.setdefault(name, default())
        return (
            "\t".join(
                p if p is not None else copy_text(row_values[n]) for n, p in zip(names, parts, strict=True)
            )
            + "\n"
        )

    return columns, row


def copy_in(cursor, table, columns, lines):
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for i, line in enumerate(lines, start=1):
            buffer.write(line)
            if i % 20000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def fill(*, round, block, agency, start, stop, rng, redis_backend, now, database=True):
    """Add people start..stop-1 with one counted attempt each; returns their ids.
    With database=False only the Redis sorted set gets them (ids past the table's)."""
    from django.db import connection, transaction

    from accounts.models import User
    from contests.models import Attempt
    from contests.rules import ranking

    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        first_user = c.fetchone()[0] + 1 + (0 if database else 10_000_000 + start)
        c.execute("SELECT COALESCE(MAX(id), 0) FROM contests_attempt")
        first_attempt = c.fetchone()[0] + 1
    count = stop - start
    user_ids = range(first_user, first_user + count)
    user_columns, user_row = row_template(
        User,
        {
            "password": "!",
            "is_superuser": False,
            "is_staff": False,
            "is_active": True,
            "date_joined": now,
            "full_name": "Nguyễn Văn Bench",
            "kind": User.Kind.OFFICIAL,
            "agency_id": agency.pk,
        },
        varying={"id", "email"},
    )
    unit = ranking.finish_unit_ms(int((round.closes_at - round.opens_at).total_seconds() * 1000))
    finished = now - timedelta(hours=1)
    offset = int((finished - round.opens_at).total_seconds() * 1000)
    attempt_columns, attempt_row = row_template(
        Attempt,
        {
            "round_id": round.pk,
            "block_id": block.pk,
            "number": 1,
            "status": Attempt.Status.SUBMITTED,
            "is_preview": False,
            "started_at": finished - timedelta(minutes=10),
            "finished_at": finished,
            "question_count": 20,
            "answered_count": 20,
            "counted": True,
        },
        varying={"id", "user_id", "duration_ms", "correct_count", "score", "live_score"},
    )
    scores = {}
    drawn = []
    if not database:
        # Redis only (sizes past --db-max): draw from a pool of real encoded
        # scores, so a million members cost seconds, not a minute of Python.
        pool = [
            ranking.encode_score(
                ranking.Entry(
                    user_id=0,
                    correct=rng.choice((20, 20, 20, 19, 19, 18, 15)),
                    duration_ms=rng.randint(30_000, 1_200_000),
                    finished_offset_ms=offset,
                ),
                unit,
            )
            for _ in range(20_000)
        ]
        choices = rng.choices(pool, k=count)
        scores = {ranking.member(user_id): score for user_id, score in zip(user_ids, choices, strict=True)}
        fill_redis(redis_backend, round, block, scores)
        return list(user_ids)
    for user_id in user_ids:
        correct = rng.choice((20, 20, 20, 19, 19, 18, 15))
        duration = rng.randint(30_000, 1_200_000)
        entry = ranking.Entry(
            user_id=user_id, correct=correct, duration_ms=duration, finished_offset_ms=offset
        )
        score = ranking.encode_score(entry, unit)
        scores[ranking.member(user_id)] = score
        drawn.append((user_id, correct, duration, score))

    def attempts():
        for i, (user_id, correct, duration, score) in enumerate(drawn):
            yield attempt_row(
                id=first_attempt + i,
                user_id=user_id,
                duration_ms=duration,
                correct_count=correct,
                score=f"{100 * correct / 20:.2f}",
                live_score=score,
            )

    with transaction.atomic(), connection.cursor() as c:
        # Our own throw-away database, rows built to be valid: skip the
        # deferred foreign-key triggers so a load of 100k takes seconds.
        c.execute("SET LOCAL session_replication_role = replica")
        raw = c.cursor
        copy_in(
            raw,
            "accounts_user",
            user_columns,
            (user_row(id=uid, email=f"lk{start + i}@bench.example.vn") for i, uid in enumerate(user_ids)),
        )
        copy_in(raw, "contests_attempt", attempt_columns, attempts())
    with connection.cursor() as c:
        for table, column in (("accounts_user", "id"), ("contests_attempt", "id")):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT MAX(id) FROM {table}))"
            )
        c.execute("ANALYZE accounts_user")
        c.execute("ANALYZE contests_attempt")
    fill_redis(redis_backend, round, block, scores)
    return list(user_ids)


def fill_redis(redis_backend, round, block, scores):
    key = redis_backend.key(round.pk, block.pk)
    items = list(scores.items())
    client = redis_backend.client
    for i in range(0, len(items), 50_000):
        with client.pipeline(transaction=False) as pipe:
            for j in range(i, min(i + 50_000, len(items)), 5_000):
                flat = [x for member, score in items[j : j + 5_000] for x in (score, member)]
                pipe.execute_command("ZADD", key, *flat)
            pipe.execute()


def server_usec(before, after):
    """Redis' own time per command (INFO commandstats deltas): the lookup's cost
    without the client's scheduling, which is noisy on a shared 2-core box."""
    out = {}
    for name, stats in after.items():
        old = before.get(name, {"calls": 0, "usec": 0})
        calls = stats["calls"] - old["calls"]
        if calls > 0 and name.startswith("cmdstat_z"):
            out[name.removeprefix("cmdstat_")] = round((stats["usec"] - old["usec"]) / calls, 2)
    return out


def time_calls(call, *, lookups, budget):
    spent = []
    stop_at = time.monotonic() + budget
    while len(spent) < lookups and time.monotonic() < stop_at:
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return summary_ms(spent)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--db-max",
        type=int,
        default=100_000,
        help="largest size loaded into and timed on the database backend",
    )
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--budget", type=float, default=6.0, help="seconds per operation and size at most")
    args = parser.parse_args()
    django_setup()

    from django.utils import timezone

    from accounts import services as account_services
    from contests.live import standings
    from contests.models import Block, Contest, Round

    rng = random.Random(7)
    now = timezone.now()
    agency = account_services.create_agency(name="Sở Nội vụ (lookups)", code="lookups", kind="department")
    contest = Contest.objects.create(
        owner_agency=agency,
        title="Lookups",
        slug="bench-lookups",
        status=Contest.Status.PUBLISHED,
        audience_officials=True,
        audience_citizens=True,
    )
    round = Round.objects.create(
        contest=contest,
        number=1,
        title="Lookups",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=4),
    )
    block = Block.objects.create(contest=contest, name="Lookups", code="lookups")
    redis_backend = standings.RedisStandings()
    database_backend = standings.DatabaseStandings()
    results = []
    user_ids = []
    try:
        for size in sorted(int(s) for s in args.sizes.split(",")):
            started = time.monotonic()
            user_ids += fill(
                round=round,
                block=block,
                agency=agency,
                start=len(user_ids),
                stop=size,
                rng=rng,
                redis_backend=redis_backend,
                now=now,
                database=size <= args.db_max,
            )
            fill_s = time.monotonic() - started
            backends = [redis_backend] + ([database_backend] if size <= args.db_max else [])
            for backend in backends:
                known = user_ids if backend is redis_backend else user_ids[: args.db_max]
                ops = {
                    "rank_of": lambda b=backend, k=known: b.rank_of(
                        round_id=round.pk, block_id=block.pk, user_id=rng.choice(k)
                    ),
                    "top20": lambda b=backend: b.top(round_id=round.pk, block_id=block.pk, n=20),
                    "count": lambda b=backend: b.count(round_id=round.pk, block_id=block.pk),
                }
                expected = size if backend is redis_backend else min(size, args.db_max)
                assert backend.count(round_id=round.pk, block_id=block.pk) == expected, backend.name
                for op, call in ops.items():
                    before = redis_backend.client.info("commandstats") if backend is redis_backend else None
                    timing = time_calls(call, lookups=args.lookups, budget=args.budget)
                    row = {
                        "backend": backend.name,
                        "entries": size,
                        "op": op,
                        "fill_s": round_fill(fill_s),
                        **timing,
                    }
                    if before is not None:
                        row["redis_usec_per_call"] = server_usec(
                            before, redis_backend.client.info("commandstats")
                        )
                    results.append(row)
                    print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    finally:
        redis_backend.client.unlink(redis_backend.key(round.pk, block.pk))
    print(json.dumps({"lookups": results}))


def round_fill(seconds):
    return round(seconds, 2)


if __name__ == "__main__":
    main()
