"""Benchmark: finalising a big round, publishing and verifying it, exporting its results,
the participation report.

    .venv/bin/python bench/bench_awards.py [--attempts 100000] [--participants 60000]
        [--agencies 500] [--pg postgres://postgres@127.0.0.1:5432] [--keep]

Creates a scratch PostgreSQL database `ttt_bench_awards`, migrates it, fills it
with COPY (500 agencies, 60,000 officials — a few with hostile names such as
"=HYPERLINK(…)" —, one closed round with 100,000 attempts: 59 % perfect, as in
real CCHC weeks, so the prediction question and the timings decide), then measures:

1. finalising the round (`contests.results.services.finalise_round`: read, rank, hash,
   write 60,000 standings), twice from scratch, checking the two SHA-256 are
   equal; same-run baseline: reading the same 100,000 attempt rows;
2. publishing it (`contests.results.services.publish_round`, as the bench's
   admin, under a prize table of 1 + 2 + 3 + 25 prizes): proposing the
   winners, the awards, building and hashing `results.json` (the bundle, stored
   in Publication.bundle) and the winners' e-mails (to Django's in-memory
   backend); wall and CPU seconds, the bundle's size;
3. checking that bundle with `tools/verify_result.py` run by the system
   `python3` (standard library only), three times, in a child process (wall,
   its CPU from RUSAGE_CHILDREN, its peak memory), which must exit 0 and say
   "khớp / matches"; same-run baseline: a child that only reads the file,
   parses the JSON and takes its SHA-256;
4. exporting the results to .xlsx through the organiser's view (streamed),
   in a child process so its peak memory (max RSS) is its own; baselines: the
   same child doing nothing (Django loaded), and writing the same rows to CSV;
5. the participation report for 500 agencies (`contests.reports.selectors.participation`);
   baseline: one COUNT over the contest's attempts.

Targets (the issues): finalise ≤ 10 s; publish ≤ 30 s; verify ≤ 10 s; export ≤ 30 s
and ≤ 300 MB peak; participation ≤ 1 s. Writes bench/results/awards.json and
awards.md, then drops the database (unless --keep). Takes a few minutes.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from contests.results import tables

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "ttt_bench_awards"
RESULTS = ROOT / "bench" / "results"
TARGETS = {
    "finalise_s": 10.0,
    "publish_s": 30.0,
    "verify_s": 10.0,
    "export_s": 30.0,
    "export_peak_mb": 300.0,
    "participation_s": 1.0,
}
VERIFY_RUNS = 3
# What the verifier does at the least: read the file, parse it, hash it.
BASELINE_CODE = (
    "import hashlib, json, sys; raw = open(sys.argv[1], 'rb').read(); json.loads(raw); "
    "print(hashlib.sha256(raw).hexdigest())"
)
HOSTILE = ['=HYPERLINK("http://evil.example","Bấm")', "+84 912", "-1+1", "@SUM(A1:A9)"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=60_000)
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--fill-only", action="store_true", help="fill the database, keep it, measure nothing"
    )
    parser.add_argument("--child", choices=["export", "idle", "csv"], help=argparse.SUPPRESS)
    return parser.parse_args()


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def admin(pg, sql):
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(pg):
    os.environ["DATABASE_URL"] = f"{pg}/{DB_NAME}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def rss_mb():
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not
    inherited from the parent across fork and exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- filling ------------------------------------------------------------------------------------


def copy_rows(model, columns, rows):
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reset_sequence(model):
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def fill(args):
    from accounts.models import Agency, User
    from contests.models import Attempt, Block, Contest, Round

    rng = random.Random(20210503)
    now = datetime.now(UTC)
    # Agencies: a province and its children.
    agencies = [(1, "UBND tỉnh Bình Định", "province", "province", None, "/1/", 0, True, now)]
    for n in range(2, args.agencies + 1):
        kind = "department" if n % 3 else "commune"
        agencies.append((n, f"Cơ quan số {n}", f"cq-{n}", kind, 1, f"/1/{n}/", 0, True, now))
    copy_rows(
        Agency,
        ["id", "name", "code", "kind", "parent_id", "path", "headcount", "is_active", "created_at"],
        agencies,
    )
    reset_sequence(Agency)
    # Officials, spread over the agencies.
    members = dict.fromkeys(range(1, args.agencies + 1), 0)
    user_columns = [
        "id", "password", "is_superuser", "is_staff", "is_active", "date_joined", "email", "full_name",
        "gender", "phone", "cccd_last3", "kind", "agency_id", "position",
    ]  # fmt: skip

    def users():
        for n in range(1, args.participants + 1):
            agency = rng.randint(1, args.agencies)
            members[agency] += 1
            name = HOSTILE[n % len(HOSTILE)] if n % 10_000 == 0 else f"Nguyễn Văn Người {n}"
            yield (
                n, "!", False, False, True, now - timedelta(days=400, seconds=n), f"u{n}@bench.vn", name,
                "male", "0912345678", f"{n % 1000:03d}", "official", agency, "non_leader",
            )  # fmt: skip

    copy_rows(User, user_columns, users())
    reset_sequence(User)
    # Headcounts: members plus a third who have not taken part.
    from django.db.models import Case, IntegerField, Value, When

    Agency.objects.update(
        headcount=Case(
            *[When(pk=k, then=Value(v + v // 3 + 1)) for k, v in members.items()], output_field=IntegerField()
        )
    )
    admin_user = User.objects.create_superuser(email="bench-admin@bench.vn", password=None)
    contest = Contest.objects.create(
        owner_agency_id=1, title="Cuộc thi tìm hiểu CCHC (benchmark)", slug="bench", status="published",
        audience_officials=True, audience_citizens=False,
    )  # fmt: skip
    block = Block.objects.create(contest=contest, name="CBCCVC", code="cbccvc", participant_kind="official")
    opens = datetime(2021, 5, 3, tzinfo=UTC) - timedelta(hours=7)
    bench_round = Round.objects.create(
        contest=contest, number=1, title="Tuần 1", opens_at=opens, closes_at=opens + timedelta(days=7, seconds=-1),
        questions_per_attempt=20, time_limit_minutes=20, max_attempts=3, prediction_target="participants",
    )  # fmt: skip
    # The prize table publishing needs (contest-wide, every block); no profile
    # or staff conditions, so publishing depends on the ranking alone.
    tables.save_prize_table(
        actor=None, contest=contest, exclude_staff=False, require_complete_profile=False,
        tiers=[
            tables.TierData("Giải Nhất", 1, Decimal(2_000_000), 10),
            tables.TierData("Giải Nhì", 2, Decimal(1_500_000), 8),
            tables.TierData("Giải Ba", 3, Decimal(1_000_000), 6),
            tables.TierData("Giải Khuyến khích", 25, Decimal(500_000), 4),
        ],
    )  # fmt: skip
    second = args.attempts - args.participants  # persons 1..second have two attempts

    def attempts():
        attempt_id = 0
        for user in range(1, args.participants + 1):
            for number in (1, 2) if user <= second else (1,):
                attempt_id += 1
                perfect = rng.random() < 0.59
                correct = 20 if perfect else rng.randint(4, 19)
                duration = rng.randint(45_000, 1_200_000)
                finished = opens + timedelta(milliseconds=rng.randint(0, 7 * 86_400_000 - duration - 1))
                yield (
                    attempt_id, bench_round.pk, block.pk, user, number, "submitted", False,
                    finished - timedelta(milliseconds=duration), finished + timedelta(minutes=20), finished,
                    duration, 20, 20, correct, Decimal(correct * 5), Decimal(int(rng.gauss(60_000, 2_500))),
                    number == 1, None, f"B{attempt_id:09d}",
                )  # fmt: skip

    copy_rows(
        Attempt,
        [
            "id",
            "round_id",
            "block_id",
            "user_id",
            "number",
            "status",
            "is_preview",
            "started_at",
            "deadline",
            "finished_at",
            "duration_ms",
            "question_count",
            "answered_count",
            "correct_count",
            "score",
            "prediction",
            "counted",
            "live_score",
            "entry_code",
        ],  # fmt: skip
        attempts(),
    )
    reset_sequence(Attempt)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return contest, bench_round, admin_user


# --- measurements ----------------------------------------------------------------------------------


def measure_finalise(bench_round):
    from contests.models import Attempt, RoundResult
    from contests.results import selectors
    from contests.results import services as awards

    started = time.perf_counter()
    rows = list(
        Attempt.objects.filter(round=bench_round, is_preview=False).values_list(*selectors.ATTEMPT_FIELDS)
    )
    read_s = time.perf_counter() - started
    del rows
    runs = []
    for n in range(2):
        RoundResult.objects.filter(round=bench_round).delete()
        started, cpu = time.perf_counter(), time.process_time()
        result = awards.finalise_round(round=bench_round, actor=None)
        runs.append(
            {
                "seconds": round_s(time.perf_counter() - started),
                "cpu_seconds": round_s(time.process_time() - cpu),
                "load_average": round(os.getloadavg()[0], 2),
                "sha256": result.sha256,
                "entries": result.entries,
            }
        )
        log(f"finalise run {n + 1}: {runs[-1]}")
    return {
        "read_attempts_s": round_s(read_s),
        "runs": runs,
        "deterministic": runs[0]["sha256"] == runs[1]["sha256"],
    }


def round_s(value):
    return round(value, 3)


def measure_publish(bench_round, admin_user):
    """Publish the finalised round as the bench's admin (an organiser over every
    agency); the winners' e-mails go to Django's in-memory backend."""
    from django.core import mail
    from django.test import override_settings

    from contests.models import Standing
    from contests.results import services as awards

    started = time.perf_counter()
    records = list(Standing.objects.filter(result__round=bench_round).values_list("record_json", flat=True))
    read_s = time.perf_counter() - started
    del records
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        started, cpu = time.perf_counter(), time.process_time()
        publication = awards.publish_round(round=bench_round, actor=admin_user)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        emails = len(mail.outbox)
    raw = publication.bundle.encode("utf-8")
    figures = {
        "seconds": round_s(seconds),
        "cpu_seconds": round_s(cpu),
        "load_average": round(os.getloadavg()[0], 2),
        "read_standings_s": round_s(read_s),
        "bundle_bytes": len(raw),
        "sha256": publication.sha256,
        "sha256_of_stored_bundle_ok": hashlib.sha256(raw).hexdigest() == publication.sha256,
        "awards": publication.awards.count(),
        "emails": emails,
        "version": publication.version,
    }
    log(f"publish: {figures}")
    return figures, raw


def system_python():
    """The system's own python3 (not the venv's, not a pyenv shim)."""
    for candidate in ("/usr/bin/python3", "/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("python3")


def run_timed(command):
    """Run `command`; (wall s, its CPU s from RUSAGE_CHILDREN, its peak RSS MB or None, exit code,
    output). A child's ru_maxrss starts at its parent's (this process: Django, 100+ MB), so the
    peak comes from GNU time, whose own child starts from time's few MB."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        if os.access("/usr/bin/time", os.X_OK):
            command = ["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = int(peak_file.read_text().split()[-1]) / 1024 if peak_file.exists() else None
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, peak, done.returncode, done.stdout.decode("utf-8", "replace")


def peak_text(runs):
    peaks = [r["peak_rss_mb"] for r in runs if r["peak_rss_mb"] is not None]
    return f"peak {max(peaks)} MB" if peaks else "peak not measured"


def measure_verify(raw, sha256):
    """tools/verify_result.py on the published bundle, against a child that only
    reads, parses and hashes the same file; interleaved, VERIFY_RUNS times each."""
    python = system_python()
    version = subprocess.run([python, "--version"], capture_output=True, text=True).stdout.strip()
    verify_runs, base_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.json"
        path.write_bytes(raw)
        for n in range(VERIFY_RUNS):
            seconds, cpu, peak, code, output = run_timed(
                [python, str(ROOT / "tools" / "verify_result.py"), str(path), sha256]
            )
            if code != 0 or "khớp / matches" not in output:
                raise RuntimeError(f"verify_result.py exited {code}:\n{output[-3000:]}")
            verify_runs.append(
                {
                    "seconds": round_s(seconds),
                    "cpu_seconds": round_s(cpu),
                    "peak_rss_mb": peak and round(peak, 1),
                }
            )
            log(f"verify run {n + 1}: {verify_runs[-1]} — {output.strip()[:160]}")
            seconds, cpu, peak, code, output = run_timed([python, "-c", BASELINE_CODE, str(path)])
            if code != 0 or output.strip() != sha256:
                raise RuntimeError(f"baseline exited {code} or hashed differently:\n{output[-3000:]}")
            base_runs.append(
                {
                    "seconds": round_s(seconds),
                    "cpu_seconds": round_s(cpu),
                    "peak_rss_mb": peak and round(peak, 1),
                }
            )
            log(f"baseline run {n + 1}: {base_runs[-1]}")
    median = statistics.median(r["seconds"] for r in verify_runs)
    base_median = statistics.median(r["seconds"] for r in base_runs)
    cpu_median = statistics.median(r["cpu_seconds"] for r in verify_runs)
    base_cpu_median = statistics.median(r["cpu_seconds"] for r in base_runs)
    return {
        "python": f"{python} ({version})",
        "bundle_bytes": len(raw),
        "exit_code": 0,
        "output_says_matches": True,
        "runs": verify_runs,
        "median_s": round_s(median),
        "max_s": max(r["seconds"] for r in verify_runs),
        "median_cpu_s": round_s(cpu_median),
        "baseline_runs": base_runs,
        "baseline_median_s": round_s(base_median),
        "baseline_median_cpu_s": round_s(base_cpu_median),
        "ratio_wall": round(median / max(base_median, 0.001), 1),
        "ratio_cpu": round(cpu_median / max(base_cpu_median, 0.001), 1),
    }


def child(args):
    """Run in a fresh process: export the results (or do nothing, or write CSV)."""
    setup_django(args.pg)
    from django.test import RequestFactory

    from accounts.models import User
    from contests.models import Round, Standing
    from contests.reports import downloads

    bench_round = Round.objects.get(contest__slug="bench")
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    size = 0
    if args.child == "export":
        request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
        request.user = User.objects.get(email="bench-admin@bench.vn")
        response = downloads.report_results_xlsx(
            request, contest_id=bench_round.contest_id, round_id=bench_round.pk
        )
        for chunk in response.streaming_content:
            size += len(chunk)
    elif args.child == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        rows = Standing.objects.filter(result__round=bench_round).order_by("block_id", "position").values_list(
            "block_id", "position", "rank", "user__full_name", "user__email", "user__agency__name", "attempt_id",
            "score", "correct_count", "duration_ms", "finished_at", "prediction", "tied", "record_json",
        )  # fmt: skip
        for row in rows.iterator(chunk_size=5000):
            writer.writerow(row)
            if buffer.tell() > 1 << 20:
                size += len(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        size += len(buffer.getvalue())
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "seconds": round_s(seconds),
                "cpu_seconds": round_s(cpu),
                "bytes": size,
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(rss_mb(), 1),
            }
        )
    )


def run_child(args, kind):
    command = [sys.executable, __file__, "--child", kind, "--pg", args.pg]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"child {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_participation(contest):
    from contests.models import Attempt
    from contests.reports import selectors as reports

    timings, base = [], []
    for _n in range(5):
        started = time.perf_counter()
        data = reports.participation(contest=contest)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        Attempt.objects.filter(round__contest=contest, is_preview=False).count()
        base.append(time.perf_counter() - started)
    return {
        "agencies": len(data.rows),
        "median_s": round_s(statistics.median(timings)),
        "max_s": round_s(max(timings)),
        "baseline_count_median_s": round_s(statistics.median(base)),
        "participants": data.total_participants,
    }


# --- report ---------------------------------------------------------------------------------------------


def machine():
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_results(figures):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "awards.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    f, e, p = figures["finalise"], figures["export"], figures["participation"]
    pub, v = figures["publish"], figures["verify"]
    worst = max(r["seconds"] for r in f["runs"])
    lines = [
        "# Awards benchmark",
        "",
        f"Run {figures['when']} on {figures['machine']['platform']}, {figures['machine']['cpus']} CPUs, "
        f"load average {figures['machine']['load_average']} (a shared machine: other work was running), "
        f"PostgreSQL, {figures['data']['attempts']:,} attempts from {figures['data']['participants']:,} "
        f"participants in {figures['data']['agencies']} agencies.",
        "",
        "| measure | figure | target | baseline (same run) | ratio |",
        "|---|---|---|---|---|",
        f"| finalise the round (read, rank, hash, write {f['runs'][0]['entries']:,} standings) | "
        f"{', '.join(str(r['seconds']) for r in f['runs'])} s wall; "
        f"{', '.join(str(r['cpu_seconds']) for r in f['runs'])} s CPU in Python | ≤ {TARGETS['finalise_s']} s | "
        f"read the same attempts with the ORM: {f['read_attempts_s']} s | {worst / f['read_attempts_s']:.1f}× (slower run) |",
        f"| same SHA-256 both times | {f['deterministic']} | true | | |",
        f"| publish the round ({pub['awards']} prizes, results.json of {pub['bundle_bytes']:,} bytes, "
        f"{pub['emails']} e-mails) | {pub['seconds']} s wall, {pub['cpu_seconds']} s CPU in Python | "
        f"≤ {TARGETS['publish_s']} s | read the standings' records with the ORM: {pub['read_standings_s']} s | "
        f"{pub['seconds'] / max(pub['read_standings_s'], 0.001):.1f}× |",
        f"| verify results.json with tools/verify_result.py ({v['python']}, child process; "
        f"{len(v['runs'])} runs, median) | "
        f"{', '.join(str(r['seconds']) for r in v['runs'])} s wall (median {v['median_s']}); "
        f"{', '.join(str(r['cpu_seconds']) for r in v['runs'])} s CPU; "
        f"{peak_text(v['runs'])}; exit 0, “khớp / matches” | "
        f"≤ {TARGETS['verify_s']} s | read, json-parse and SHA-256 the file: {v['baseline_median_s']} s wall, "
        f"{v['baseline_median_cpu_s']} s CPU, {peak_text(v['baseline_runs'])} | "
        f"{v['ratio_wall']}× wall, {v['ratio_cpu']}× CPU |",
        f"| export results to .xlsx (streamed) | {e['export']['seconds']} s wall, {e['export']['cpu_seconds']} s CPU, "
        f"{e['export']['bytes']:,} bytes | "
        f"≤ {TARGETS['export_s']} s | same rows to CSV: {e['csv']['seconds']} s wall, {e['csv']['cpu_seconds']} s CPU | "
        f"{e['export']['seconds'] / max(e['csv']['seconds'], 0.001):.1f}× |",
        f"| export peak memory (max RSS of the process) | {e['export']['peak_rss_mb']} MB | "
        f"≤ {TARGETS['export_peak_mb']} MB | Django loaded, idle: {e['idle']['peak_rss_mb']} MB | "
        f"+{e['export']['peak_rss_mb'] - e['idle']['peak_rss_mb']:.0f} MB |",
        f"| participation report, {p['agencies']} agencies (median of 5) | {p['median_s']} s (max {p['max_s']}) | "
        f"≤ {TARGETS['participation_s']} s | one COUNT: {p['baseline_count_median_s']} s | "
        f"{p['median_s'] / max(p['baseline_count_median_s'], 0.0001):.1f}× |",
        "",
        f"All targets met (every run): **{figures['targets_met']}**. Wall times depend on what else the "
        "machine runs; the CPU seconds (of this process in Python, or of the child) are steadier.",
        "",
        "Reproduce: `.venv/bin/python bench/bench_awards.py` (PostgreSQL on 127.0.0.1:5432).",
        "",
    ]
    (RESULTS / "awards.md").write_text("\n".join(lines))


def main():
    args = parse_args()
    if args.child:
        child(args)
        return
    log(f"creating {DB_NAME}")
    admin(args.pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin(args.pg, f'CREATE DATABASE "{DB_NAME}"')
    try:
        setup_django(args.pg)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        contest, bench_round, admin_user = fill(args)
        log(f"filled in {time.perf_counter() - started:.1f} s")
        if args.fill_only:
            args.keep = True
            return
        finalise = measure_finalise(bench_round)
        publish, raw = measure_publish(bench_round, admin_user)
        verify = measure_verify(raw, publish["sha256"])
        del raw
        log("export (child processes)")
        export = {kind: run_child(args, kind) for kind in ("idle", "csv", "export")}
        log(f"export: {export['export']}")
        participation = measure_participation(contest)
        log(f"participation: {participation}")
        worst = max(r["seconds"] for r in finalise["runs"])
        figures = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "data": {"attempts": args.attempts, "participants": args.participants, "agencies": args.agencies},
            "targets": TARGETS,
            "finalise": finalise,
            "publish": publish,
            "verify": verify,
            "export": export,
            "participation": participation,
        }
        figures["targets_met"] = (
            worst <= TARGETS["finalise_s"]
            and finalise["deterministic"]
            and publish["seconds"] <= TARGETS["publish_s"]
            and publish["sha256_of_stored_bundle_ok"]
            and verify["max_s"] <= TARGETS["verify_s"]
            and export["export"]["seconds"] <= TARGETS["export_s"]
            and export["export"]["peak_rss_mb"] <= TARGETS["export_peak_mb"]
            and participation["median_s"] <= TARGETS["participation_s"]
        )
        write_results(figures)
        log(f"written bench/results/awards.json and .md; targets met: {figures['targets_met']}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin(args.pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
