"""CPU per answer save inside one Django process: ours against the stock baseline.

    python bench/bench_save_cpu.py [--requests 3000] [--rounds 3]

bench_answer_saves.py measures saves over HTTP with every process sharing
the two cores, where run-to-run noise is ±20%. This one calls the WSGI
application directly, one request at a time, so the figures isolate what a
save costs Django and PostgreSQL: the process's own CPU time per request, and
the CPU time of its PostgreSQL backend (from /proc) per request.

Two configurations, each in its own process, alternated `--rounds` times
(the lowest figure of each is reported; noise only adds):

- `ours`: the site's settings (accounts/backends.py, prepared statements);
- `stock`: bench/stock_settings.py with DATABASE_PREPARE=false (Django's
  own auth backends, the user loaded with `User.objects.get`, nothing
  prepared).

Both serve the same participants (sessions in Redis when it answers, as in
production) and also measure the trivial view `GET /api/time/`. Needs
PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL or the local server); creates
and drops its own database. Figures: bench/results/save_cpu.{json,md}.
"""

import argparse
import io
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # config, bench.stock_settings

import bench_answer_saves as saves

RESULTS = saves.RESULTS
CONFIGS = ("ours", "stock")  # stock: bench/stock_settings.py, DATABASE_PREPARE=false (server_env)


def log(message):
    print(f"[save-cpu {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


# --- the measuring process ---------------------------------------------------------------------


def measure(people_file, requests, cookie):
    """In a fresh process: CPU per trivial request and per save, in ms."""
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    app = get_wsgi_application()
    people = json.loads(Path(people_file).read_text())
    rng = random.Random(7)
    csrf = saves.CSRF

    def environ(method, path, body=b"", headers=None):
        env = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }
        env.update(headers or {})
        return env

    def save():
        person = rng.choice(people)
        position, tokens = rng.choice(person["questions"])
        body = json.dumps({"choices": [rng.choice(tokens)]}).encode()
        return environ(
            "PUT",
            f"/api/attempts/{person['attempt']}/answers/{position}/",
            body,
            {
                "CONTENT_TYPE": "application/json",
                "HTTP_COOKIE": f"sessionid={person[cookie]}; csrftoken={csrf}",
                "HTTP_X_CSRFTOKEN": csrf,
                "HTTP_ACCEPT_LANGUAGE": "en",
            },
        )

    def trivial():
        return environ("GET", "/api/time/")

    statuses = {}

    def call(env):
        seen = {}

        def start_response(status, headers, exc_info=None):
            seen["status"] = status

        b"".join(app(env, start_response))
        statuses[seen["status"]] = statuses.get(seen["status"], 0) + 1

    def backend_cpu():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        return saves.cpu_seconds([pid])

    out = {}
    for name, make in (("trivial", trivial), ("saves", save)):
        for _ in range(200):  # warm up: imports, connections, prepared statements
            call(make())
        envs = [make() for _ in range(requests)]
        database_before, before = backend_cpu(), time.process_time()
        for env in envs:
            call(env)
        used = time.process_time() - before
        database = backend_cpu() - database_before
        out[name] = {
            "django_cpu_ms": round(used * 1000 / requests, 3),
            "postgres_cpu_ms": round(database * 1000 / requests, 3),
        }
    out["statuses"] = statuses
    print(json.dumps(out))


# --- the driver ---------------------------------------------------------------------------------


def run(config, *, database_url, people_file, requests):
    env = saves.server_env(database_url, conn_max_age=60, stock=config == "stock")
    cookie = "stock_cookie" if config == "stock" else "cookie"
    result = subprocess.run(
        [sys.executable, __file__, "--measure", people_file, "--requests", str(requests), "--cookie", cookie],
        cwd=saves.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{config} failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    wrong = {status: n for status, n in figures["statuses"].items() if not status.startswith("200")}
    if wrong:
        raise RuntimeError(f"{config}: responses other than 200: {wrong}")
    return figures


def write_report(data):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "save_cpu.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    best = data["best"]
    lines = [
        "# CPU per answer save inside one Django process",
        "",
        f"Run {data['when']}, Python {data['python']}, {data['requests']} requests per phase, "
        f"{data['rounds']} alternated rounds per configuration (lowest figure of each), "
        f"sessions {data['sessions']}, PostgreSQL on this machine.",
        "",
        "| configuration | trivial view: Django CPU ms | save: Django CPU ms | save: PostgreSQL CPU ms |",
        "|---|---:|---:|---:|",
    ]
    for config in CONFIGS:
        b = best[config]
        lines.append(
            f"| {config} | {b['trivial']['django_cpu_ms']} | {b['saves']['django_cpu_ms']} | "
            f"{b['saves']['postgres_cpu_ms']} |"
        )
    ours, stock = best["ours"]["saves"], best["stock"]["saves"]
    lines += [
        "",
        f"Ours against stock: Django CPU per save {ours['django_cpu_ms'] / stock['django_cpu_ms']:.0%}, "
        f"PostgreSQL CPU per save {ours['postgres_cpu_ms'] / stock['postgres_cpu_ms']:.0%}.",
        "",
        "`ours` = the site's settings; `stock` = bench/stock_settings.py with DATABASE_PREPARE=false "
        "(Django's own auth backends, nothing prepared). Reproduce: `python bench/bench_save_cpu.py`.",
        "",
    ]
    (RESULTS / "save_cpu.md").write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds per configuration")
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", default="cookie", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.requests, args.cookie)
        return
    server_url = saves.postgres_server_url()
    name = f"ttt_savecpu_{secrets.token_hex(4)}"
    database_url = urlparse(server_url)._replace(path="/" + name).geturl()
    saves.admin_sql(server_url, f'CREATE DATABASE "{name}"')
    people_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"{name}.json"
    try:
        log(f"database {name}: migrating, loading the demo data, {args.participants} participants")
        saves.setup_django(database_url)
        _round, people = saves.prepare(args.participants)
        people_file.write_text(json.dumps(people))
        from django.db import connections

        connections.close_all()
        runs = {config: [] for config in CONFIGS}
        for n in range(args.rounds):
            for config in CONFIGS:
                figures = run(
                    config, database_url=database_url, people_file=str(people_file), requests=args.requests
                )
                runs[config].append(figures)
                log(
                    f"round {n + 1} {config}: trivial {figures['trivial']['django_cpu_ms']} ms, save "
                    f"{figures['saves']['django_cpu_ms']} ms + PostgreSQL {figures['saves']['postgres_cpu_ms']} ms"
                )
        best = {
            config: {
                phase: {key: min(r[phase][key] for r in results) for key in results[0][phase]}
                for phase in ("trivial", "saves")
            }
            for config, results in runs.items()
        }
        write_report(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "requests": args.requests,
                "rounds": args.rounds,
                "sessions": "Redis-cached (cached_db)" if saves.redis_available() else "database",
                "runs": runs,
                "best": best,
            }
        )
        log(f"written to {RESULTS / 'save_cpu.json'} and .md")
    finally:
        people_file.unlink(missing_ok=True)
        saves.drop_database(server_url, name)


if __name__ == "__main__":
    main()
