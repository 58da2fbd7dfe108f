"""Answer saves over HTTP: the hot path at deadline spikes.

(Over 600 lines on purpose: one benchmark is one script a reader follows top to
bottom, with its configurations, phases and report.)

One command, bounded in time (about 3 minutes), loopback only:

    python bench/bench_answer_saves.py [--seconds 15] [--slices 3] [--concurrency 32] [--participants 120]
                                       [--configs daphne,daphne-pool,uvicorn-pool,gunicorn,gunicorn-stock]

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
  (`DATABASE_CONN_MAX_AGE=60`);
- `gunicorn-stock`: the same with bench/stock_settings.py, the baseline of
  the save path's own optimisations: Django's and allauth's auth backends
  (the user loaded by the ORM) and no prepared statements.

Afterwards every acknowledged answer is looked up in the database.

All configurations' servers run at once (idle ones cost nothing) and every
phase of every configuration is measured in interleaved slices (`--slices`,
default 3), so that the machine's drifting speed does not bias the ratios. Figures go to bench/results/answer_saves.json and
.md, with the CPU time per request of the servers (workers included), of
PostgreSQL and Redis, and of this client, over the measured windows only,
and the machine's load average (all of them share the machine). The PostgreSQL
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
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config.servers import GUNICORN_HTTP  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_SAVES_PER_SECOND = 600
TARGET_P95_MS = 200
TARGET_RATIO = 0.5
PROCESSES = 2
CSRF = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
SECRET_KEY = secrets.token_urlsafe(40)  # shared by this process (sessions) and the servers


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_server_url():
    """The PostgreSQL server to create the benchmark's database on (only its
    host and credentials are used)."""
    url = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/postgres"
    )
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("The benchmark needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    return url.split("?", 1)[0]


def drop_database(server_url, name):
    """Close this process's connections (if Django is set up) and drop `name`."""
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001 — Django may not be set up yet
        pass
    admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"dropped {name}")


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
    from contests.models import Contest, Round
    from contests.quiz import attempts, selectors

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
        keys = {}
        for cookie, backend in (
            ("cookie", "accounts.backends.ModelBackend"),
            ("stock_cookie", "django.contrib.auth.backends.ModelBackend"),  # bench/stock_settings.py
        ):
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = backend
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            keys[cookie] = session.session_key
        attempt = attempts.start_attempt(user=user, round=open_round)
        questions = [
            (row.position, [c["t"] for c in row.choices])
            for row in attempt.questions.order_by("position").only("position", "choices")
        ]
        people.append({**keys, "attempt": attempt.pk, "questions": questions})
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
        *GUNICORN_HTTP,  # one master, two worker processes: as deploy/thitimhieu-http.service
        "--bind",
        "127.0.0.1:{port}",
        "--log-level",
        "warning",
        "config.wsgi:application",
    ],
}


REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available():
    """True when the Redis server of REDIS_URL answers a PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


# name → (server, Django's connection pool on?, stock?). A stock
# configuration runs bench/stock_settings.py: Django's and allauth's own auth
# backends and no prepared statements, the baseline of accounts/backends.py
# and config/db.py.
CONFIGS = {
    "daphne": ("daphne", False, False),
    "daphne-pool": ("daphne", True, False),
    "uvicorn-pool": ("uvicorn", True, False),
    "gunicorn": ("gunicorn", False, False),
    "gunicorn-stock": ("gunicorn", False, True),
}


def server_env(database_url, *, conn_max_age, pool=False, stock=False):
    """The environment of a site process under measurement: production
    settings on loopback, Redis for sessions and the channel layer when it
    answers (as in production); `stock` = bench/stock_settings.py without
    prepared statements."""
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
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
            "DATABASE_POOL": "true" if pool else "false",
            "DJANGO_SETTINGS_MODULE": "bench.stock_settings" if stock else "config.settings",
        }
    )
    if stock:
        env["DATABASE_PREPARE"] = "false"
    if redis_available():
        env["REDIS_URL"] = REDIS_URL
        env["REDIS_PREFIX"] = f"bench-{secrets.token_hex(4)}"
    else:
        env.pop("REDIS_URL", None)
    return env


def start_servers(database_url, log_dir, *, server="daphne", pool=False, stock=False):
    if server == "gunicorn":
        pool = False  # a WSGI thread keeps its own connection instead
    env = server_env(
        database_url,
        conn_max_age=60 if server == "gunicorn" else 0,
        pool=pool,
        stock=stock,
    )
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


class CpuMeter:
    """CPU seconds used by the servers (workers included), by PostgreSQL and
    Redis when they run here, and by this client: where the two cores go.
    Database backends that start during a window count in full; ones that
    also end in it (Daphne's connection per request) are missed."""

    def __init__(self, servers):
        self.servers = with_children([process.pid for _port, process in servers])

    def read(self):
        backing = set(pids_named("postgres", "redis-server"))
        return {
            "pids": backing,
            "server": cpu_seconds(self.servers),
            "backing": cpu_seconds(backing),
            "client": client_cpu_seconds(),
        }

    def used(self, before):
        now = self.read()
        backing = cpu_seconds(before["pids"] | now["pids"]) - before["backing"]
        return {
            "server": now["server"] - before["server"],
            "backing": backing,
            "client": now["client"] - before["client"],
        }


def measure_slice(*, servers, meter, **phase):
    """One slice of a phase: its raw latencies, errors and CPU use."""
    return asyncio.run(run_phase(ports=[port for port, _process in servers], meter=meter, **phase))


def combine(slices):
    """A phase's figures over all its slices."""
    latencies = [latency for part in slices for latency in part["latencies"]]
    errors = sum(part["errors"] for part in slices)
    result = summary(latencies, errors, sum(part["elapsed"] for part in slices))
    problems = {}
    for part in slices:
        for key, count in part["problems"].items():
            problems[key] = problems.get(key, 0) + count
    if problems:
        result["error_samples"] = dict(list(problems.items())[:5])

    def per_request(key):
        used = sum(part["cpu"][key] for part in slices)
        return round(used * 1000 / result["ok"], 2) if result["ok"] else None

    result["server_cpu_ms_per_request"] = per_request("server")
    result["database_and_redis_cpu_ms_per_request"] = per_request("backing")
    result["client_cpu_ms_per_request"] = per_request("client")
    result["slices"] = len(slices)
    result["per_second_by_slice"] = [
        round(len(part["latencies"]) / part["elapsed"], 1) if part["elapsed"] else 0 for part in slices
    ]
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


async def run_phase(*, ports, seconds, concurrency, make_request, meter, warmup=1.0):
    """`concurrency` tasks send requests for `seconds` (after `warmup`); the
    meter reads the CPU at the start and end of the measured window."""
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

        async def window():
            await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
            before = meter.read()
            await asyncio.sleep(max(0.0, stop - time.monotonic()))
            return before

        *_, before = await asyncio.gather(*(worker(k) for k in range(concurrency)), window())
        cpu = meter.used(before)  # the workers' last requests end slightly after `stop`
        elapsed = time.monotonic() - measure_from
    return {"latencies": latencies, "errors": errors[0], "problems": problems, "elapsed": elapsed, "cpu": cpu}


def trivial_requests():
    def make(k, n):
        return "GET", "/api/time/", None, None, None

    return make


def save_requests(people, concurrency, acknowledged, *, cookie="cookie"):
    """Each client task owns its participants; it picks one of their questions
    and one option at random and PUTs it, remembering what was acknowledged.
    `cookie` names the session to use (the stock configuration's sessions
    name Django's own auth backend)."""
    owned = [people[k::concurrency] for k in range(concurrency)]
    rng = random.Random(2021)

    def make(k, n):
        person = owned[k][n % len(owned[k])] if owned[k] else people[k % len(people)]
        position, tokens = rng.choice(person["questions"])
        choice = [rng.choice(tokens)]
        headers = {
            "Cookie": f"sessionid={person[cookie]}; csrftoken={CSRF}",
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


def run_all(*, configs, database_url, log_dir, people, args, acknowledged):
    """Start every configuration's servers, measure all phases of all of them
    in interleaved slices, stop them. Idle servers cost nothing; the machine's
    speed drifts (other tenants), and ratios between figures measured minutes
    apart would carry that drift."""
    running = {}
    try:
        for name in configs:
            server, pool, stock = CONFIGS[name]
            servers = start_servers(database_url, log_dir, server=server, pool=pool, stock=stock)
            running[name] = (servers, CpuMeter(servers))
        makers = {
            name: {
                "trivial": trivial_requests(),
                "healthz": healthz_requests(),
                "saves": save_requests(
                    people,
                    args.concurrency,
                    acknowledged,
                    cookie="stock_cookie" if CONFIGS[name][2] else "cookie",
                ),
            }
            for name in configs
        }
        slices = {name: {phase: [] for phase in makers[name]} for name in configs}
        share = args.seconds / args.slices
        load = os.getloadavg()[0]
        for n in range(args.slices):
            for name in configs:
                log(f"slice {n + 1}/{args.slices} [{name}]: trivial, healthz, saves, {share:g} s each")
                servers, meter = running[name]
                for phase, make in makers[name].items():
                    slices[name][phase].append(
                        measure_slice(
                            servers=servers,
                            meter=meter,
                            seconds=share,
                            concurrency=args.concurrency,
                            make_request=make,
                        )
                    )
    finally:
        for servers, _meter in running.values():
            stop_servers(servers)
    return {name: config_result(name, slices[name], load) for name in configs}


def config_result(name, slices, load):
    phases = {}
    for phase, parts in slices.items():
        result = phases[phase] = combine(parts)
        result["load_average_before"] = round(load, 2)
        log(
            f"[{name}] {phase}: {result['per_second']} req/s (slices {result['per_second_by_slice']}), "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
            f"errors {result['errors']}, CPU ms/request: server {result['server_cpu_ms_per_request']}, "
            f"PostgreSQL+Redis {result['database_and_redis_cpu_ms_per_request']}, "
            f"client {result['client_cpu_ms_per_request']}"
        )
        for sample, count in result.get("error_samples", {}).items():
            log(f"  error ×{count}: {sample}")
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
        f"concurrent clients, {setup['seconds']} s per phase in {setup.get('slices', 1)} slices, "
        "every phase of every configuration interleaved. The client, both servers and the database share the "
        "machine; CPU columns are milliseconds of CPU per successful request.",
        "",
        "| configuration | phase | requests/s | p50 ms | p95 ms | p99 ms | errors "
        "| CPU: servers | CPU: PostgreSQL + Redis | CPU: client |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
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
                f"{r['p99_ms']} | {r['errors']} | {r['server_cpu_ms_per_request']} | "
                f"{r['database_and_redis_cpu_ms_per_request']} | {r['client_cpu_ms_per_request']} |"
            )
    lines += [
        "",
        "Configurations: `daphne` = Daphne as `make run` serves (`CONN_MAX_AGE=0`: a new PostgreSQL "
        "connection per request); `daphne-pool`, `uvicorn-pool` = Daphne, Uvicorn (uvloop, httptools) "
        "with Django's connection pool (`DATABASE_POOL=true`); `gunicorn` = the HTTP side of the "
        "split deployment in deploy/ (one Gunicorn, two gthread workers × 4 threads, persistent "
        "connections); `gunicorn-stock` = the same with Django's and allauth's own auth backends and "
        "no prepared statements (bench/stock_settings.py), the baseline of accounts/backends.py and "
        f"config/db.py. Sessions: {setup['sessions']}.",
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
    parser.add_argument(
        "--slices", type=int, default=3, help="each phase is measured in this many slices, interleaved"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent client tasks")
    parser.add_argument("--participants", type=int, default=120, help="logged-in participants")
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"comma-separated configurations to run, from: {', '.join(CONFIGS)}",
    )
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 1), 120)
    args.slices = min(max(args.slices, 1), 10)
    server_url = postgres_server_url()
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
        acknowledged = {}
        results = run_all(
            configs=wanted,
            database_url=database_url,
            log_dir=log_dir,
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
                "slices": args.slices,
                "debug": False,
            },
            "configs": results,
            "checks": {"acknowledged": total, "found": found, "mismatched": mismatched},
        }
        write_report(data)
        log(f"written to {RESULTS / 'answer_saves.json'} and .md")
    finally:
        drop_database(server_url, name)


if __name__ == "__main__":
    main()
