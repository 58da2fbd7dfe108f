"""A real server for browser tests: Daphne in a subprocess on its own database.

The server runs the same settings as production would with this machine's
configuration: SQLite (a file) with no variables, or a fresh PostgreSQL
database plus Redis when DATABASE_URL / REDIS_URL are set. Chromium is
Debian's (`/usr/bin/chromium`), driven by Playwright.

`page.wait_for_function` predicates are written as functions ("() => …"):
Playwright evaluates a plain expression anew with `eval` on every poll, which
the site's Content-Security-Policy forbids, so a predicate that is not true at
once failed with an EvalError; a function is evaluated once, then called.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from config.servers import GUNICORN_HTTP

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Without Chromium, every browser test is skipped here with the reason
    (printed by -ra), and under CI the run stops instead."""
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("Chromium is not installed: CI must run the browser tests, not skip them")
    skip = pytest.mark.skip(
        reason="Chromium is not installed (apt-get install chromium); .ci/run installs it"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_admin(database_url, sql):
    import psycopg

    parsed = urlparse(database_url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class Site:
    env: dict
    log_path: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    server: str = "daphne"  # or "gunicorn" (HTTP) / "uvicorn" (WebSockets): the split deployment

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args, check=True):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
        )

    def start(self):
        log = open(self.log_path, "a")  # noqa: SIM115 — kept open for the server's life
        if self.server == "gunicorn":
            command = [
                "gunicorn",
                *GUNICORN_HTTP,
                "--bind",
                f"127.0.0.1:{self.port}",
                "config.wsgi:application",
            ]
        elif self.server == "uvicorn":
            command = ["uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(self.port)]
            command += ["--ws", "websockets-sansio", "--lifespan", "off"]
        else:
            command = ["daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            # Wait on the process itself between probes: returns at once if it dies.
            try:
                self.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError("server exited:\n" + self.log_path.read_text()[-3000:])
        raise RuntimeError("server did not start:\n" + self.log_path.read_text()[-3000:])

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=15)

    def restart(self, sig=signal.SIGKILL):
        self.stop(sig)
        self.start()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def last_link(self, pattern):
        links = re.findall(pattern, self.log())
        assert links, f"no link matching {pattern} in the server log"
        return links[-1]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "MEDIA_ROOT": str(tmp / "media"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    database_url = os.environ.get("DATABASE_URL")
    db_name = None
    if database_url:
        db_name = f"ttt_e2e_{uuid.uuid4().hex[:8]}"
        _postgres_admin(database_url, f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = urlparse(database_url)._replace(path="/" + db_name).geturl()
    else:
        env["SQLITE_PATH"] = str(tmp / "e2e.sqlite3")
    if os.environ.get("REDIS_URL"):
        env["REDIS_PREFIX"] = f"e2e{uuid.uuid4().hex[:6]}"
    site = Site(env=env, log_path=tmp / "server.log")
    site.manage("migrate", "--noinput")
    site.manage("load_demo")
    site.start()
    yield site
    site.stop()
    if db_name:
        _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, site):
    """A phone-sized page in a fresh browser context (its own cookies)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", base_url=site.url)
    page = context.new_page()
    yield page
    context.close()
