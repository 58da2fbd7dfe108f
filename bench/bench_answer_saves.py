"""Answer saves over HTTP: the hot path at deadline spikes.

One command, bounded in time (about 3 minutes), loopback only:

    python bench/bench_answer_saves.py [--seconds 15] [--concurrency 32] [--participants 120]
                                       [--configs daphne,daphne-pool,uvicorn-pool,gunicorn]

It creates a dedicated PostgreSQL database (dropped at the end), migrates
it, loads the demo data, creates logged-in participants (users, sessions and
an attempt each, through the attempt service), and for each configuration
starts two server processes on loopback and measures, with an asyncio HTTP
client (aiohttp):

1. a trivial JSON view (`GET /api/time/`: no database, no session) — the
   ceiling of this server stack on this machine;
2. `GET /healthz` (one SELECT 1 and a channel-layer round trip);
3. answer saves (`PUT /api/attempts/<id>/answers/<n>/` with the session
   cookie and the CSRF header), each client task owning its own
   participants so the last acknowledged save of every question is known.

Configurations (two server processes each, Redis for sessions and the
channel layer as in production when BENCH_REDIS_URL's server answers):

- `daphne`: two Daphne processes, a new database connection per request
  (the ASGI default, `CONN_MAX_AGE=0`);
- `daphne-pool` / `uvicorn-pool`: two Daphne / Uvicorn processes with
  Django's connection pool (`DATABASE_POOL=true`);
- `gunicorn`: the split deployment's HTTP side (deploy/): one Gunicorn with
  two gthread worker processes, each keeping its connection
  (`DATABASE_CONN_MAX_AGE=60`).

Afterwards every acknowledged answer is looked up in the database.

Figures go to bench/results/answer_saves.json and .md, with the servers' CPU
time per request (workers included) and the machine's load average (the
client, the servers and the database share the machine). The PostgreSQL
server comes from BENCH_DATABASE_URL, else DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres (only its host and credentials
are used).
"""

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_SAVES_PER_SECOND = 600
TARGET_P95_MS = 200
TARGET_RATIO = 0.5
PROCESSES = 2
CSRF = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
SECRET_KEY = secrets.token_urlsafe(40)  # shared by this process (sessions) and the servers


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_sql(server_url, sql):
    import psycopg

    admin = urlparse(server_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


# --- setup (in this process, through Django) ---------------------------------------------------


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("REDIS_URL", None)  # answer saves do not touch the channel layer
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(participants):
    """Demo data, `participants` citizens with sessions and an attempt each."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from contests import attempts, selectors
    from contests.models import Contest, Round

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    now = datetime.now(UTC)
    contest = Contest.objects.get(slug="cchc-binh-dinh-2021")
    open_round = next(
        r
        for r in Round.objects.filter(contest=contest, is_practice=False).select_related("contest")
        if selectors.round_is_open(r, now)
    )
    stamp = secrets.token_hex(3)
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench{n}-{stamp}@bench.invalid",
                password="!unusable",
                full_name=f"Người Thử {n}",
                date_of_birth=date(1990, 1, 1),
                phone="0912345678",
                cccd_hash=f"bench-{stamp}-{n}",
                cccd_last3=f"{n % 1000:03d}",
                kind=User.Kind.CITIZEN,
                province_code=52,
                ward_code=21583,
            )
            for n in range(participants)
        ]
    )
    people = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        attempt = attempts.start_attempt(user=user, round=open_round)
        questions = [
            (row.position, [c["t"] for c in row.choices])
            for row in attempt.questions.order_by("position").only("position", "choices")
        ]
        people.append({"cookie": session.session_key, "attempt": attempt.pk, "questions": questions})
    return open_round, people


def count_acknowledged(acknowledged):
    """(acknowledged answers, found as acknowledged in the database, mismatches)."""
    from contests.models import AttemptQuestion

    found = mismatched = 0
    by_attempt = {}
    for (attempt_id, position), tokens in acknowledged.items():
        by_attempt.setdefault(attempt_id, {})[position] = tokens
    for attempt_id, answers in by_attempt.items():
        for row in AttemptQuestion.objects.filter(attempt_id=attempt_id, position__in=list(answers)):
            token_of = {c["o"]: c["t"] for c in row.choices}
            stored = sorted(token_of[o] for o in row.selected)
            if stored == sorted(answers[row.position]) and row.answered_at is not None:
                found += 1
            else:
                mismatched += 1
    return len(acknowledged), found, mismatched


# --- servers -------------------------------------------------------------------------------------


SERVERS = {
    "daphne": ["-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", "{port}", "config.asgi:application"],
    "uvicorn": [
        "-m",
        "uvicorn",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "off",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "config.asgi:application",
    ],
    "gunicorn": [
        "-m",
        "gunicorn",
        "--workers",
        str(PROCESSES),  # one master, PROCESSES worker processes: as deploy/thitimhieu-http.service
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--keep-alive",
        "75",
        "--bind",
        "127.0.0.1:{port}",
        "--log-level",
        "warning",
        "config.wsgi:application",
    ],
}


# name → (server, Django's connection pool on?)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available():
    """True when the Redis server of REDIS_URL answers a PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


CONFIGS = {
    "daphne": ("daphne", False),
    "daphne-pool": ("daphne", True),
    "uvicorn-pool": ("uvicorn", True),
    "gunicorn": ("gunicorn", False),
}


def start_servers(database_url, log_dir, *, server="daphne", pool=False):
    if server == "gunicorn":
        pool = False  # a WSGI thread keeps its own connection instead
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "CCCD_HMAC_KEY": "bench-only",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "DATABASE_CONN_MAX_AGE": "60" if server == "gunicorn" else "0",
            "DATABASE_POOL": "true" if pool else "false",
        }
    )
    if redis_available():
        env["REDIS_URL"] = REDIS_URL  # sessions and the channel layer, as in production
        env["REDIS_PREFIX"] = f"bench-{secrets.token_hex(4)}"
    else:
        env.pop("REDIS_URL", None)
    servers = []
    # Daphne and Uvicorn: one process per port, as deploy/thitimhieu@.service.
    for _n in range(1 if server == "gunicorn" else PROCESSES):
        port = free_port()
        out = open(log_dir / f"{server}-{port}.log", "w")  # noqa: SIM115 — kept open for the process
        process = subprocess.Popen(
            [sys.executable, *(arg.format(port=port) for arg in SERVERS[server])],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        servers.append((port, process))
    deadline = time.monotonic() + 60
    for port, process in servers:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{server} on port {port} exited; see {log_dir}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/time/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server} on port {port} did not start") from None
                time.sleep(0.2)  # polling a starting process
    return servers


def stop_servers(servers):
    for _port, process in servers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for _port, process in servers:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cpu_seconds(pids):
    """User + system CPU time of processes (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def with_children(pids):
    """The pids and all their descendants (Gunicorn's workers are children)."""
    parent_of = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent_of[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {pid for pid, parent in parent_of.items() if parent in frontier} - found
        found |= frontier
    return sorted(found)


def pids_named(*names):
    """Processes whose command name is one of `names` (the database, Redis)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in names:
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def client_cpu_seconds():
    times = os.times()
    return times.user + times.system


def measured(*, servers, **phase):
    """Run a phase; add the CPU time per successful request of the servers,
    of PostgreSQL and Redis (when they run on this machine) and of this
    client: where the two cores go."""
    pids = with_children([process.pid for _port, process in servers])
    backing = pids_named("postgres", "redis-server")
    before, load = cpu_seconds(pids), os.getloadavg()[0]
    backing_before, client_before = cpu_seconds(backing), client_cpu_seconds()
    result = asyncio.run(run_phase(ports=[port for port, _process in servers], **phase))
    used = cpu_seconds(pids) - before
    # Backends that started during the phase count in full; ones that also
    # ended in it (Daphne's connection per request) are missed.
    backing_used = cpu_seconds(set(backing) | set(pids_named("postgres", "redis-server"))) - backing_before
    client_used = client_cpu_seconds() - client_before

    def per_request(seconds):
        return round(seconds * 1000 / result["ok"], 2) if result["ok"] else None

    result["server_cpu_ms_per_request"] = per_request(used)
    result["database_and_redis_cpu_ms_per_request"] = per_request(backing_used)
    result["client_cpu_ms_per_request"] = per_request(client_used)
    result["load_average_before"] = round(load, 2)
    return result


# --- load ------------------------------------------------------------------------------------------


def summary(latencies, errors, elapsed):
    ordered = sorted(latencies)

    def pct(p):
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 1) if ordered else None

    return {
        "requests": len(latencies) + errors,
        "ok": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else None,
    }


async def run_phase(*, ports, seconds, concurrency, make_request, warmup=1.0):
    """`concurrency` tasks send requests for `seconds` (after `warmup`)."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency * 2, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    latencies, errors, problems = [], [0], {}
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        start = time.monotonic()
        measure_from = start + warmup
        stop = measure_from + seconds

        async def worker(k):
            base = f"http://127.0.0.1:{ports[k % len(ports)]}"
            n = 0
            while True:
                now = time.monotonic()
                if now >= stop:
                    return
                method, path, headers, body, on_ok = make_request(k, n)
                n += 1
                t0 = time.monotonic()
                try:
                    async with session.request(method, base + path, headers=headers, data=body) as response:
                        payload = await response.read()
                        status = response.status
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status, payload = 0, str(exc).encode()
                t1 = time.monotonic()
                if t0 < measure_from:
                    if status == 200 and on_ok:
                        on_ok(payload)
                    continue
                if status == 200:
                    latencies.append(t1 - t0)
                    if on_ok:
                        on_ok(payload)
                else:
                    errors[0] += 1
                    key = f"{status} {payload[:120]!r}"
                    problems[key] = problems.get(key, 0) + 1

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        elapsed = time.monotonic() - measure_from
    result = summary(latencies, errors[0], elapsed)
    if problems:
        result["error_samples"] = dict(list(problems.items())[:5])
    return result


def trivial_requests():
    def make(k, n):
        return "GET", "/api/time/", None, None, None

    return make


def save_requests(people, concurrency, acknowledged):
    """Each client task owns its participants; it picks one of their questions
    and one option at random and PUTs it, remembering what was acknowledged."""
    owned = [people[k::concurrency] for k in range(concurrency)]
    rng = random.Random(2021)

    def make(k, n):
        person = owned[k][n % len(owned[k])] if owned[k] else people[k % len(people)]
        position, tokens = rng.choice(person["questions"])
        choice = [rng.choice(tokens)]
        headers = {
            "Cookie": f"sessionid={person['cookie']}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/json",
            "Accept-Language": "en",
        }
        body = json.dumps({"choices": choice})

        def on_ok(payload, key=(person["attempt"], position), choice=choice):
            acknowledged[key] = choice

        return "PUT", f"/api/attempts/{person['attempt']}/answers/{position}/", headers, body, on_ok

    if any(not group for group in owned):
        raise SystemExit("--participants must be at least --concurrency")
    return make


# --- report ------------------------------------------------------------------------------------------


def healthz_requests():
    def make(k, n):
        return "GET", "/healthz", None, None, None

    return make


def run_config(*, name, database_url, log_dir, server, pool, people, args, acknowledged):
    """Start the servers, measure the three phases, stop them."""
    servers = start_servers(database_url, log_dir, server=server, pool=pool)
    try:
        phases = {}
        for phase, make in (
            ("trivial", trivial_requests()),
            ("healthz", healthz_requests()),
            ("saves", save_requests(people, args.concurrency, acknowledged)),
        ):
            log(f"[{name}] {phase} for {args.seconds} s")
            result = measured(
                servers=servers, seconds=args.seconds, concurrency=args.concurrency, make_request=make
            )
            phases[phase] = result
            log(
                f"  {result['per_second']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                f"errors {result['errors']}, CPU ms/request: server {result['server_cpu_ms_per_request']}, "
                f"PostgreSQL+Redis {result['database_and_redis_cpu_ms_per_request']}, "
                f"client {result['client_cpu_ms_per_request']}"
            )
            for sample, count in result.get("error_samples", {}).items():
                log(f"  error ×{count}: {sample}")
    finally:
        stop_servers(servers)
    saves, trivial, healthz = phases["saves"], phases["trivial"], phases["healthz"]
    ratio = saves["per_second"] / trivial["per_second"] if trivial["per_second"] else 0
    ratio_healthz = saves["per_second"] / healthz["per_second"] if healthz["per_second"] else 0
    phases["ratio_to_trivial"] = round(ratio, 3)
    phases["ratio_to_healthz"] = round(ratio_healthz, 3)
    phases["targets"] = [
        (
            f"≥ {TARGET_SAVES_PER_SECOND} saves/s",
            saves["per_second"],
            saves["per_second"] >= TARGET_SAVES_PER_SECOND,
        ),
        (
            f"p95 ≤ {TARGET_P95_MS} ms",
            saves["p95_ms"],
            saves["p95_ms"] is not None and saves["p95_ms"] <= TARGET_P95_MS,
        ),
        ("0 errors", saves["errors"], saves["errors"] == 0),
        (f"≥ {TARGET_RATIO:.0%} of the trivial JSON view", f"{ratio:.0%}", ratio >= TARGET_RATIO),
        (f"≥ {TARGET_RATIO:.0%} of /healthz", f"{ratio_healthz:.0%}", ratio_healthz >= TARGET_RATIO),
    ]
    return phases


def write_report(data):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "answer_saves.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    setup, checks = data["setup"], data["checks"]
    lines = [
        "# Answer saves over HTTP",
        "",
        f"Run {data['when']} on {data['machine']['cpus']} CPU(s) (load average "
        f"{data['machine']['load_average_at_start']} at the start), Python {data['machine']['python']}, "
        f"{setup['server']}, {setup['processes']} server processes per configuration, Django "
        f"{setup['django']}, PostgreSQL "
        f"{setup['postgres']}, {setup['participants']} logged-in participants, {setup['concurrency']} "
        f"concurrent clients, {setup['seconds']} s per phase. The client, both servers and the database "
        "share the machine.",
        "",
        "| configuration | phase | requests/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/request |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "trivial": "trivial JSON view `GET /api/time/`",
        "healthz": "`GET /healthz` (SELECT 1 + channel layer)",
        "saves": "answer save `PUT …/answers/<n>/`",
    }
    for name, config in data["configs"].items():
        for phase in ("trivial", "healthz", "saves"):
            r = config[phase]
            lines.append(
                f"| {name} | {labels[phase]} | {r['per_second']} | {r['p50_ms']} | {r['p95_ms']} | "
                f"{r['p99_ms']} | {r['errors']} | {r['server_cpu_ms_per_request']} |"
            )
    lines += [
        "",
        "Configurations: `daphne` = Daphne as `make run` serves (`CONN_MAX_AGE=0`: a new PostgreSQL "
        "connection per request); `daphne-pool`, `uvicorn-pool` = Daphne, Uvicorn (uvloop, httptools) "
        "with Django's connection pool (`DATABASE_POOL=true`); `gunicorn` = the HTTP side of the "
        "split deployment in deploy/ (one Gunicorn, two gthread workers × 4 threads, persistent "
        f"connections). Sessions: {setup['sessions']}.",
        "",
        f"Acknowledged answers counted in the database afterwards: {checks['found']} of "
        f"{checks['acknowledged']} ({checks['mismatched']} missing or different).",
        "",
        "| configuration | target | value | met |",
        "|---|---|---|---|",
    ]
    for name, config in data["configs"].items():
        for target, value, met in config["targets"]:
            lines.append(f"| {name} | {target} | {value} | {'yes' if met else 'no'} |")
    lines += ["", "Reproduce: `python bench/bench_answer_saves.py` (see its docstring).", ""]
    (RESULTS / "answer_saves.md").write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per phase (max 120)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent client tasks")
    parser.add_argument("--participants", type=int, default=120, help="logged-in participants")
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"comma-separated configurations to run, from: {', '.join(CONFIGS)}",
    )
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 1), 120)
    server_url = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/postgres"
    )
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("The benchmark needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    server_url = server_url.split("?", 1)[0]
    name = f"ttt_bench_{secrets.token_hex(4)}"
    database_url = urlparse(server_url)._replace(path="/" + name).geturl()
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / name
    log_dir.mkdir(parents=True, exist_ok=True)
    load_at_start = round(os.getloadavg()[0], 2)
    admin_sql(server_url, f'CREATE DATABASE "{name}"')
    try:
        log(f"database {name}: migrating and loading the demo data")
        setup_django(database_url)
        bench_round, people = prepare(args.participants)
        log(f"{len(people)} participants with an attempt in “{bench_round}”")
        wanted = [c for c in args.configs.split(",") if c]
        unknown = [c for c in wanted if c not in CONFIGS]
        if unknown:
            raise SystemExit(f"unknown configuration(s) {unknown}; choose from {sorted(CONFIGS)}")
        try:
            import psycopg_pool  # noqa: F401
        except ImportError:
            log("psycopg_pool is not installed: pooled configurations are skipped")
            wanted = [c for c in wanted if not CONFIGS[c][1]]
        acknowledged, results = {}, {}
        for config in wanted:
            server, pool = CONFIGS[config]
            results[config] = run_config(
                name=config,
                database_url=database_url,
                log_dir=log_dir,
                server=server,
                pool=pool,
                people=people,
                args=args,
                acknowledged=acknowledged,
            )
        total, found, mismatched = count_acknowledged(acknowledged)
        log(f"acknowledged answers in the database: {found} of {total}")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
        connection.close()
        import daphne
        import django
        import gunicorn
        import uvicorn

        data = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average_at_start": load_at_start,
            },
            "setup": {
                "server": f"Daphne {daphne.__version__}, Uvicorn {uvicorn.__version__}, "
                f"Gunicorn {gunicorn.__version__}",
                "sessions": "Redis-cached (`cached_db`)" if redis_available() else "database",
                "django": django.get_version(),
                "processes": PROCESSES,
                "postgres": postgres,
                "participants": len(people),
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "debug": False,
            },
            "configs": results,
            "checks": {"acknowledged": total, "found": found, "mismatched": mismatched},
        }
        write_report(data)
        log(f"written to {RESULTS / 'answer_saves.json'} and .md")
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 — Django may not be set up yet
            pass
        admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped {name}")


if __name__ == "__main__":
    main()
