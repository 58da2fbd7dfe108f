"""Benchmark: importing a 5,000-row .xlsx into the question bank (check + insert).

    .venv/bin/python bench/bench_question_import.py [--rows 5000] [--baseline-seconds 90]
        [--pg postgres://postgres@127.0.0.1:5432] [--backends sqlite,postgres]

For each backend (a fresh SQLite file; a scratch PostgreSQL database
`ttt_bench_import` created and dropped by the run) a child process migrates the
database, builds a 5,000-row workbook with the export writer (so it is the
template's format), and measures:

  - import: `importing.import_file` (parse, every check incl. duplicates against
    the bank, bulk insert, in one transaction); wall time, queries, and the
    process's peak RSS (getrusage: covers openpyxl/lxml's C allocations too);
  - the same import again in a second agency under tracemalloc (peak Python
    allocations; run separately because tracing slows everything down);
  - baseline, same run, same rows: the naive path — parse, then per row
    `selectors.duplicates_of` and `services.create_question`, in one transaction.
    Bounded by --baseline-seconds: when cut off, its time is extrapolated from
    the rows it did (marked so in the results).

The bars: import under 20 s and under 300 MB peak. Writes
bench/results/question_import.json and question_import.md. Runs in about
two to three minutes with the default bound.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DB_NAME = "ttt_bench_import"
TIME_BAR_S = 20
MEMORY_BAR_MB = 300


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--baseline-seconds", type=float, default=90)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    return parser.parse_args()


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- child: one backend -------------------------------------------------------------------


def child(args):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    rss_after_setup = peak_rss_mb()

    from accounts import services as account_services
    from accounts.models import User
    from questionbank import exporters, importers, importing, selectors, services
    from questionbank.demo import load_topics
    from questionbank.models import Question
    from questionbank.rules import OptionData, QuestionData

    province = account_services.create_agency(name="UBND tỉnh", code="bench-province", kind="province")
    agencies = [
        account_services.create_agency(name=f"Cơ quan {n}", code=f"bench-{n}", parent=province)
        for n in range(4)
    ]
    author = User.objects.create_user(email="bench@example.vn", password="x", is_superuser=True)
    topics = load_topics()
    codes = sorted(topics)

    def question(n):
        kind = ("single", "single", "single", "multiple", "truefalse")[n % 5]
        if kind == "truefalse":
            options = [("Đúng", n % 2 == 0), ("Sai", n % 2 == 1)]
        else:
            options = [(f"Phương án {letter} của câu {n}: thủ tục hành chính", False) for letter in "ABCD"]
            options[n % 4] = (options[n % 4][0], True)
            if kind == "multiple":
                options[(n + 1) % 4] = (options[(n + 1) % 4][0], True)
        return exporters.ExportRow(
            text=f"Câu hỏi số {n}: theo Kế hoạch tuyên truyền cải cách hành chính năm 2021, "
            f"cơ quan nào chủ trì nhiệm vụ thứ {n} về cơ chế một cửa, một cửa liên thông?",
            kind=kind,
            options=options,
            topic_code=codes[n % len(codes)],
            difficulty=("easy", "medium", "hard")[n % 3],
            explanation=f"Giải thích cho câu {n}: xem mục III của Kế hoạch." if n % 2 else "",
            legal_basis="Nghị định 61/2018/NĐ-CP" if n % 3 == 0 else "",
            tags=[f"đợt {n % 10}", "CCHC"],
        )

    rows = [question(n) for n in range(args.rows)]
    content = exporters.workbook_bytes(rows=rows, topics=exporters.topic_codes())
    del rows
    result = {
        "backend": args.child,
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rows": args.rows,
        "file_bytes": len(content),
    }

    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    # 1. The import as the confirm and the command run it: one call, timed.
    load_before = os.getloadavg()[0]
    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        report = importing.import_file(
            actor=author, owner_agency=agencies[0], file_name="bench.xlsx", content=content
        )
        import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert report.total == args.rows == Question.objects.filter(owner_agency=agencies[0]).count()
    del report
    result["import"] = {
        "seconds": round(import_s, 3),
        "cpu_seconds_this_process": round(import_cpu, 3),
        "queries": queries["n"],
        "peak_rss_mb_process": round(peak_rss_mb(), 1),
        "peak_rss_mb_after_setup": round(rss_after_setup, 1),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }

    # 2. Where the time goes: the same steps one by one, into a second agency.
    started = time.perf_counter()
    parsed = importers.read_file(content=content, file_name="bench.xlsx")
    read_s = time.perf_counter() - started
    assert not parsed.errors and len(parsed.rows) == args.rows
    del parsed
    started = time.perf_counter()
    report = importing.check_file(content=content, file_name="bench.xlsx", owner_agency=agencies[1])
    check_s = time.perf_counter() - started
    assert report.ok, [str(e) for e in report.errors[:5]]
    started = time.perf_counter()
    with transaction.atomic():
        importing._insert(actor=author, owner_agency=agencies[1], sharing="private", report=report)
    insert_s = time.perf_counter() - started
    del report
    result["phases"] = {
        "read_seconds": round(read_s, 3),
        "read_and_check_seconds": round(check_s, 3),
        "insert_seconds": round(insert_s, 3),
    }

    # Memory: the same import again, into a third agency, traced.
    tracemalloc.start()
    importing.import_file(actor=author, owner_agency=agencies[2], file_name="bench.xlsx", content=content)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["import"]["tracemalloc_peak_mb"] = round(traced_peak / 2**20, 1)

    # 3. Baseline: parse, then one duplicates_of + create_question per row; bounded in time.
    queries["n"] = 0
    done = 0
    started = time.perf_counter()
    parsed = importers.read_file(content=content, file_name="bench.xlsx")
    with connection.execute_wrapper(count), transaction.atomic():
        for row in parsed.rows:
            if time.perf_counter() - started > args.baseline_seconds:
                break
            data = QuestionData(
                kind=row.kind,
                text=row.text,
                options=[OptionData(t, c) for t, c in zip(row.options, row.correct, strict=True)],
                difficulty=row.difficulty,
                explanation=row.explanation,
                legal_basis=row.legal_basis,
                tags=row.tags,
            )
            assert not selectors.duplicates_of(text=row.text, owner_agency=agencies[3]).exists()
            services.create_question(
                actor=author, owner_agency=agencies[3], topic=topics[row.topic], data=data
            )
            done += 1
    baseline_s = time.perf_counter() - started
    per_row = baseline_s / max(done, 1)
    result["baseline_naive"] = {
        "rows_done": done,
        "seconds_measured": round(baseline_s, 3),
        "seconds_for_all_rows": round(baseline_s if done == args.rows else per_row * args.rows, 1),
        "extrapolated": done < args.rows,
        "queries_measured": queries["n"],
        "queries_per_row": round(queries["n"] / max(done, 1), 1),
    }
    result["speedup_vs_naive"] = round(result["baseline_naive"]["seconds_for_all_rows"] / import_s, 1)
    result["passes"] = {
        "time_under_20s": import_s < TIME_BAR_S,
        "memory_under_300mb": result["import"]["peak_rss_mb_process"] < MEMORY_BAR_MB,
    }
    print("RESULT " + json.dumps(result))


# --- parent: both backends, then the files ---------------------------------------------------


def run_backend(args, backend):
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING", DEBUG="false")
    env.update(SECRET_KEY="bench-only-secret-key-0123456789abcdef", CCCD_HMAC_KEY="bench-only-cccd-key")
    env.pop("REDIS_URL", None)
    scratch = None
    if backend == "sqlite":
        env.pop("DATABASE_URL", None)
        scratch = tempfile.TemporaryDirectory()
        env["SQLITE_PATH"] = str(Path(scratch.name) / "bench.sqlite3")
    else:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        env["DATABASE_URL"] = f"{args.pg}/{DB_NAME}"
    command = [sys.executable, __file__, "--child", backend, "--rows", str(args.rows)]
    command += ["--baseline-seconds", str(args.baseline_seconds)]
    try:
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=args.baseline_seconds + 600
        )
    finally:
        if scratch is not None:
            scratch.cleanup()
        if backend == "postgres":
            import psycopg

            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit(f"{backend} run failed:\n{done.stdout}\n{done.stderr}")


def markdown(summary):
    lines = [
        "# Question import benchmark",
        "",
        f"{summary['rows']:,} rows in one .xlsx ({summary['results'][0]['file_bytes'] / 1024:.0f} KB), "
        f"check + all-or-nothing insert, on {summary['machine']}; "
        + ", ".join(f"{r['backend']} run {r['when']}" for r in summary["results"])
        + ".",
        "Bars: under 20 s and under 300 MB peak. Baseline, same run and data: parse, then "
        "`duplicates_of` + `create_question` per row.",
        "",
        "| backend | import (s) | phases: read / read+check / insert (s) | queries | peak RSS (MB) | traced peak (MB) "
        "| naive (s) | naive queries/row | speed-up | bars |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["results"]:
        i, p, b = r["import"], r["phases"], r["baseline_naive"]
        naive = f"{b['seconds_for_all_rows']}"
        if b["extrapolated"]:
            naive += f" (extrapolated from {b['rows_done']} rows)"
        bars = (
            "pass"
            if all(r["passes"].values())
            else "FAIL " + ", ".join(k for k, v in r["passes"].items() if not v)
        )
        lines.append(
            f"| {r['backend']} | {i['seconds']} (CPU {i['cpu_seconds_this_process']}) "
            f"| {p['read_seconds']} / {p['read_and_check_seconds']} / {p['insert_seconds']} "
            f"| {i['queries']} | {i['peak_rss_mb_process']} | {i['tracemalloc_peak_mb']} | {naive} "
            f"| {b['queries_per_row']} | ×{r['speedup_vs_naive']} | {bars} |"
        )
    lines += [
        "",
        "Peak RSS is the whole benchmark process (Python, Django, openpyxl, the 5,000-row file built in memory), "
        f"measured with getrusage; about {summary['results'][0]['import']['peak_rss_mb_after_setup']} MB of it is "
        "Django and the migrated app before the import starts. The traced peak is what the import itself allocates "
        "in Python (tracemalloc, a separate run). The phases come from a second, step-by-step run. "
        "Queries are those Django sees: on PostgreSQL the options, status changes and tag links go in "
        "by COPY (three more statements), on SQLite by executemany.",
        "",
        "CPU is this process's time (reading, checks, building statements); the rest of the wall time is the "
        "database's own work and waiting for a CPU. Load average (1 min) around the timed import: "
        + ", ".join(
            f"{r['backend']} {r['import']['load_average_before']} → {r['import']['load_average_after']}"
            for r in summary["results"]
        )
        + f", on {summary['machine'].split(', ')[1]}.",
        "",
    ]
    return "\n".join(lines)


def main():
    args = parse_args()
    if args.child:
        child(args)
        return
    results = [run_backend(args, backend) for backend in args.backends.split(",") if backend]
    # A backend run alone (--backends postgres) replaces only its own entry of an earlier run.
    previous = RESULTS / "question_import.json"
    if previous.exists():
        done = {r["backend"] for r in results}
        kept = json.loads(previous.read_text()).get("results", [])
        results = [r for r in kept if r["backend"] not in done and r["rows"] == args.rows] + results
        results.sort(key=lambda r: ["sqlite", "postgres"].index(r["backend"]))
    summary = {
        "benchmark": "question_import",
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "rows": args.rows,
        "bars": {"seconds": TIME_BAR_S, "peak_mb": MEMORY_BAR_MB},
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "question_import.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "question_import.md").write_text(markdown(summary))
    print(markdown(summary))


if __name__ == "__main__":
    main()
