"""Benchmark: the bank list page (/bank/) with 50,000 questions on PostgreSQL.

    .venv/bin/python bench/bench_bank_list.py [--questions 50000] [--reps 30]
        [--pg postgres://postgres@127.0.0.1:5432]

Creates a scratch database `ttt_bench_bank`, migrates it, bulk-inserts the
questions (each with a version, four options and two tags), then measures
server time in-process with Django's test Client (middleware, session, auth,
queries, template: everything but the network) for:

  - the list's first page, a filtered accent-insensitive search, a topic and
    difficulty filter, a deep page;
  - two baselines from the same run on the same data: the home page (a
    trivial page through the same middleware and layout), and the list page
    rendered from a naive queryset (no select_related / only / prefetch).

The search runs with and without the pg_trgm index of migration 0002, so the
index's effect is measured, not assumed. Writes bench/results/bank_list.json
and bank_list.md, then drops the database. Bounded: about a minute or two.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "ttt_bench_bank"
RESULTS = ROOT / "bench" / "results"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for EXPLAIN)")
    return parser.parse_args()


def recreate_database(pg):
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database(pg):
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    os.environ["DATABASE_URL"] = f"{ARGS.pg}/{DB_NAME}"
    os.environ.pop("REDIS_URL", None)  # local-memory cache: the bench measures the page, not Redis
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

if ARGS is not None:
    recreate_database(ARGS.pg)
    django.setup()

from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from config.urls import urlpatterns as site_urlpatterns  # noqa: E402


def naive_list(request):
    """Baseline: the same page from a naive queryset: every row fetches its topic,
    agency, version and tags on its own (N+1 queries), every column is read."""
    from django.core.paginator import Paginator
    from django.shortcuts import render

    from questionbank import selectors
    from questionbank.filtering import filter_questions
    from questionbank.forms import BulkActionForm, QuestionFilterForm
    from questionbank.views import _list_rows

    questions, filters = filter_questions(selectors.readable_questions(user=request.user), request.GET)
    page = Paginator(questions, 50).get_page(request.GET.get("page"))
    editable = set(selectors.agencies_for_new_questions(user=request.user).values_list("id", flat=True))
    return render(
        request,
        "questionbank/question_list.html",
        {
            "page": page,
            "rows": _list_rows(page.object_list, editable_ids=editable),
            "filters": filters,
            "filtered": False,
            "filter_form": QuestionFilterForm(filters=filters),
            "filter_query": "",
            "bulk_form": BulkActionForm(),
        },
    )


urlpatterns = [path("bench/naive-list/", naive_list), *site_urlpatterns]


# --- data ------------------------------------------------------------------------------------

PHRASES = [
    "thủ tục hành chính",
    "cơ chế một cửa",
    "một cửa liên thông",
    "dịch vụ công trực tuyến",
    "cải cách hành chính",
    "văn hóa công vụ",
    "chính phủ số",
    "chỉ số hài lòng",
    "bộ phận tiếp nhận",
    "trả kết quả",
    "cán bộ, công chức",
    "đất đai",
    "chứng thực bản sao",
    "thanh toán trực tuyến",
    "kỷ luật, kỷ cương",
]
STEMS = [
    "Theo quy định hiện hành, {a} liên quan đến {b} do cơ quan nào chịu trách nhiệm?",
    "Nội dung nào sau đây đúng về {a} trong {b}?",
    "Thời hạn giải quyết {a} đối với {b} là bao lâu?",
    "Đâu là mục tiêu của {a} gắn với {b}?",
    "{a} được thực hiện thế nào khi áp dụng {b}?",
]
LEGAL = [
    "Nghị định 61/2018/NĐ-CP",
    "Nghị định 107/2021/NĐ-CP",
    "Nghị định 45/2020/NĐ-CP",
    "Luật Đất đai 2024",
    "",
]


def copy_rows(table, columns, rows):
    """PostgreSQL COPY through Django's connection: ~10× faster than bulk_create."""
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def populate(n):
    """Agencies, people, topics and n questions; returns (alice, superuser, topics)."""
    from allauth.account.models import EmailAddress
    from django.db import connection

    from accounts import services as account_services
    from accounts.models import User
    from questionbank import demo
    from questionbank.models import Tag
    from questionbank.text import dedup_key, search_text

    rng = random.Random(2021)
    province = account_services.create_agency(name="UBND tỉnh", code="province", kind="province")
    snv = account_services.create_agency(name="Sở Nội vụ", code="snv", parent=province)
    others = [
        account_services.create_agency(name=f"Sở ngành {i}", code=f"so-{i}", parent=province)
        for i in range(20)
    ]
    alice = User.objects.create_user(email="alice@bench.vn", password="x", full_name="Alice")
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    account_services.grant_role(user=alice, agency=snv, role="organizer")
    account_services.grant_role(user=alice, agency=snv, role="author")
    root = User.objects.create_superuser(email="root@bench.vn", password="x")
    topics = list(demo.load_topics().values())
    tags = Tag.objects.bulk_create([Tag(name=f"{p} {i}") for i, p in enumerate(PHRASES * 4)])

    owners = [snv.pk] * 5 + [a.pk for a in others]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        a, b = rng.sample(PHRASES, 2)
        text = rng.choice(STEMS).format(a=a.capitalize(), b=b) + f" (câu {i})"
        legal = rng.choice(LEGAL)
        stamp = now - timedelta(minutes=7 * i)
        rows.append(
            (
                rng.choice(owners),
                rng.choice(topics).pk,
                "single",
                rng.choice(["easy", "medium", "hard"]),
                "shared" if rng.random() < 0.2 else "private",
                rng.choice(["draft", "review", "approved", "approved", "retired"]),
                alice.pk,
                text,
                search_text(text, legal),
                dedup_key(text),
                stamp,
                stamp,
            )
        )
    copy_rows(
        "questionbank_question",
        [
            "owner_agency_id",
            "topic_id",
            "kind",
            "difficulty",
            "sharing",
            "status",
            "author_id",
            "text",
            "search_text",
            "dedup_key",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, text FROM questionbank_question ORDER BY id")
        questions = cursor.fetchall()
    copy_rows(
        "questionbank_questionversion",
        [
            "question_id",
            "number",
            "kind",
            "text",
            "explanation",
            "legal_basis",
            "image",
            "created_by_id",
            "created_at",
        ],
        ((pk, 1, "single", text, "", "", "", alice.pk, now) for pk, text in questions),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, question_id FROM questionbank_questionversion")
        versions = cursor.fetchall()
    copy_rows(
        "questionbank_option",
        ["version_id", "position", "text", "image", "is_correct"],
        (
            (version, position, f"Phương án {position} của câu {question}", "", position == 1)
            for version, question in versions
            for position in range(1, 5)
        ),
    )
    tag_ids = [t.pk for t in tags]
    copy_rows(
        "questionbank_question_tags",
        ["question_id", "tag_id"],
        ((pk, tag) for pk, _text in questions for tag in rng.sample(tag_ids, 2)),
    )
    with connection.cursor() as cursor:
        # Link the versions, then reclaim the rows this update left behind (as
        # autovacuum would on a live site) and gather statistics.
        cursor.execute(
            "UPDATE questionbank_question q SET current_version_id = v.id "
            "FROM questionbank_questionversion v WHERE v.question_id = q.id"
        )
        cursor.execute("VACUUM FULL questionbank_question")
        cursor.execute("VACUUM ANALYZE")
    return alice, root, topics


# --- measuring ---------------------------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def measure(client, url, reps):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (template compilation, caches)
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)  # now: the next request clears the log
    times, cpu = [], []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    return {
        "url": url,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "min_ms": round(min(times), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "queries": queries,
    }


def matches(user, url):
    """How many questions the scenario's filters select (outside the timing)."""
    from django.http import QueryDict

    from questionbank import selectors
    from questionbank.filtering import filter_questions

    if "/bank/" not in url and "/bench/" not in url:
        return None
    query = QueryDict(url.split("?", 1)[1] if "?" in url else "")
    return filter_questions(selectors.readable_questions(user=user), query)[0].count()


def count_ms(user, url, reps=9):
    """Median time of the page's COUNT(*) alone: the query the trigram index serves."""
    from django.http import QueryDict

    from questionbank import selectors
    from questionbank.filtering import filter_questions

    query = QueryDict(url.split("?", 1)[1] if "?" in url else "")
    queryset = filter_questions(selectors.readable_questions(user=user), query)[0]
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        queryset.count()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def trigram_index_exists():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'q_search_trgm_idx'")
        return cursor.fetchone() is not None


def set_trigram_index(present):
    from django.db import connection

    with connection.cursor() as cursor:
        if present:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS q_search_trgm_idx ON questionbank_question "
                "USING gin (search_text gin_trgm_ops)"
            )
        else:
            cursor.execute("DROP INDEX IF EXISTS q_search_trgm_idx")
        cursor.execute("ANALYZE questionbank_question")


def run(args):
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False  # no query log, production template engine (static storage stays plain)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated_index = trigram_index_exists()
    migrate_seconds = time.perf_counter() - started
    alice, root, topics = populate(args.questions)
    load_seconds = time.perf_counter() - started - migrate_seconds

    users = {}
    alice_client, root_client = Client(), Client()
    users[id(alice_client)], users[id(root_client)] = alice, root
    alice_client.force_login(alice)
    root_client.force_login(root)
    topic = next(t for t in topics if t.code == "tthc")
    search = "/bank/?q=thu+tuc+mot+cua&status=approved"
    scenarios = [
        ("home page (baseline: trivial page, same layout and middleware)", alice_client, "/"),
        ("list, first page (organizer)", alice_client, "/bank/"),
        ("list, first page (site admin: every question)", root_client, "/bank/"),
        ("list, filtered search “thu tuc mot cua” + approved", alice_client, search),
        ("list, search one word “chung thuc”", alice_client, "/bank/?q=chung+thuc"),
        ("list, topic subtree + difficulty", alice_client, f"/bank/?topic={topic.pk}&difficulty=hard"),
        ("list, tag filter", alice_client, "/bank/?tag=đất+đai+11"),
        ("list, page 100 (offset 4,950)", alice_client, "/bank/?page=100"),
        ("baseline: naive list (no select_related / prefetch)", alice_client, "/bench/naive-list/"),
    ]
    results = []
    load_before = os.getloadavg()
    set_trigram_index(True)
    for label, client, url in scenarios:
        results.append(
            {
                "scenario": label,
                "trigram_index": True,
                **measure(client, url, args.reps),
                "matches": matches(users[id(client)], url),
            }
        )
    searches = scenarios[3:5] + [
        ("list, search a legal basis “nghi dinh 107/2021”", alice_client, "/bank/?q=nghi+dinh+107/2021")
    ]
    counts = {url: {"with": count_ms(users[id(c)], url)} for _label, c, url in searches}
    set_trigram_index(False)
    for _label, c, url in searches:
        counts[url]["without"] = count_ms(users[id(c)], url)
    for label, client, url in scenarios[3:5]:
        results.append(
            {
                "scenario": label,
                "trigram_index": False,
                **measure(client, url, args.reps),
                "matches": matches(users[id(client)], url),
            }
        )
    load_after = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM questionbank_question")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
    return {
        "benchmark": "bank_list",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions": total,
        "repetitions": args.reps,
        "migrate_seconds": round(migrate_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "database": pg_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU",
        "trigram_index_from_migration": migrated_index,
        "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        "method": "in-process django.test.Client, server time (middleware, session, queries, "
        "template); wall time and this process's CPU time; DEBUG off at run time; one warm-up "
        "request per scenario",
        "results": results,
        "search_count_ms": [
            {"url": url, "with_trigram_index": v["with"], "without": v["without"]}
            for url, v in counts.items()
        ],
    }


def write(report):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bank_list.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    home = next(r for r in report["results"] if r["url"] == "/")
    lines = [
        "# Bank list page — 50,000 questions",
        "",
        f"{report['date']} · {report['questions']:,} questions · {report['database']} · "
        f"Python {report['python']} · Django {report['django']} · {report['machine']}",
        "",
        f"Method: {report['method']}. {report['repetitions']} repetitions per scenario. "
        "Ratios are to the home page measured in the same run. "
        f"Machine load average (1 min) before / after: {report['load_average_1min'][0]} / "
        f"{report['load_average_1min'][1]} (other work shared the machine; the CPU column counts "
        "only this process's CPU time, so it moves less with that load).",
        "",
        "| scenario | trigram index | p50 ms | p95 ms | min ms | Django CPU p50 ms | queries | matches | p50 / home |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['scenario']} | {'yes' if r['trigram_index'] else 'no'} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['min_ms']} | {r['cpu_p50_ms']} | "
            f"{r['queries']} | {r['matches'] if r['matches'] is not None else '–'} | "
            f"{r['p50_ms'] / home['p50_ms']:.1f}× |"
        )
    lines += [
        "",
        "The search's COUNT(*) alone (median of 9, ms), with and without the pg_trgm index:",
        "",
        "| query | with index | without |",
        "|---|---:|---:|",
    ]
    for row in report["search_count_ms"]:
        lines.append(f"| `{row['url']}` | {row['with_trigram_index']} | {row['without']} |")
    lines += [
        "",
        f"Setup: migrations {report['migrate_seconds']} s, data {report['load_seconds']} s "
        "(COPY, then VACUUM FULL / ANALYZE).",
        "",
    ]
    (RESULTS / "bank_list.md").write_text("\n".join(lines))


def main():
    try:
        report = run(ARGS)
    finally:
        from django.db import connections

        connections.close_all()
        if not ARGS.keep:
            drop_database(ARGS.pg)
    write(report)
    print((RESULTS / "bank_list.md").read_text())


if __name__ == "__main__":
    main()
