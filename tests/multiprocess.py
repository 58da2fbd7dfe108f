"""Real server processes on a fresh PostgreSQL database sharing Redis, and a
submit that must reach a board viewer on another process.

Used by tests/contests/live/test_two_processes.py (two Daphne processes) and
tests/deploy/test_split_servers.py (Gunicorn for HTTP, Daphne for /ws/)."""

import contextlib
import http.cookiejar
import json
import os
import urllib.request
import uuid
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import Site, _postgres_admin

needs_postgres_and_redis = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
    reason="needs DATABASE_URL and REDIS_URL: separate processes share state only through them (CI pass 2)",
)

PASSWORD = "Mat-khau-2-tien-trinh"
CITIZEN = """
from datetime import date
from allauth.account.models import EmailAddress
from accounts import services
from accounts.models import User
u = User.objects.create_user(email="{email}", password="Mat-khau-2-tien-trinh")
EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)
services.update_profile(user=u, cccd="{cccd}", full_name="Hai Tiến Trình", date_of_birth=date(1990, 5, 17),
    gender="male", phone="0912345678", kind="citizen", agency=None, position="", province_code=52, ward_code=21583)
"""


class Browser:
    """A tiny cookie-keeping HTTP client speaking to one server."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self):
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, method, path, data=None, form=False):
        headers = {"Referer": self.base + "/"}
        body = None
        if data is not None:
            if form:
                body = urllib.parse.urlencode(data).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                body = json.dumps(data).encode()
                headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.csrf()
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        with self.opener.open(req, timeout=20) as response:
            return response.status, response.read()

    def log_in(self, email, password):
        self.request("GET", "/accounts/login/")
        status, _body = self.request(
            "POST",
            "/accounts/login/",
            {"login": email, "password": password, "csrfmiddlewaretoken": self.csrf()},
            form=True,
        )
        assert status == 200  # redirects are followed to the profile page
        assert any(c.name == "sessionid" for c in self.jar)


@contextlib.contextmanager
def sites_on_a_fresh_database(tmp, specs, *, citizen):
    """Start one Site per (name, server, extra env) in `specs` on a new
    PostgreSQL database with the demo data and one citizen (email, cccd)."""
    database_url = os.environ["DATABASE_URL"]
    name = f"ttt_mp_{uuid.uuid4().hex[:8]}"
    _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": urlparse(database_url)._replace(path="/" + name).geturl(),
            "REDIS_PREFIX": f"mp{uuid.uuid4().hex[:6]}",
            "MEDIA_ROOT": str(tmp / "media"),
        }
    )
    sites = [
        Site(env={**env, **extra}, log_path=tmp / f"{label}.log", server=server)
        for label, server, extra in specs
    ]
    try:
        sites[0].manage("migrate", "--noinput")
        sites[0].manage("load_demo")
        email, cccd = citizen
        sites[0].manage("shell", "-c", CITIZEN.format(email=email, cccd=cccd))
        for site in sites:
            site.start()
        yield sites
    finally:
        for site in sites:
            site.stop()
        _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def submit_reaches_a_viewer(*, http_url, ws_url, email):
    """Log in and submit an attempt through `http_url` while a board viewer
    watches on `ws_url`; return the viewer's first and last snapshots."""
    from websockets.sync.client import connect

    client = Browser(http_url)
    client.log_in(email, PASSWORD)
    _status, body = client.request("GET", "/api/rounds/open/")
    round_info = next(r for r in json.loads(body)["rounds"] if not r["is_practice"] and r["can_enter"])
    status, body = client.request("POST", f"/api/rounds/{round_info['id']}/start/", {})
    assert status == 201
    attempt = json.loads(body)

    # The viewer watches the whole round (the citizens' block) on the other process.
    _status, body = Browser(ws_url).request("GET", f"/api/rounds/{round_info['id']}/leaderboard/?n=5")
    block = json.loads(body).get("block")
    path = f"/ws/rounds/{round_info['id']}/" + (f"blocks/{block['id']}/" if block else "") + "board/"
    with connect(f"ws://{urlparse(ws_url).netloc}{path}", origin=ws_url, open_timeout=10) as socket:
        first = json.loads(socket.recv(timeout=10))
        assert first["type"] == "snapshot"

        question = attempt["questions"][0]
        status, body = client.request(
            "PUT",
            f"/api/attempts/{attempt['attempt_id']}/answers/{question['position']}/",
            {"choices": [question["options"][0]["id"]]},
        )
        assert status == 200
        assert json.loads(body)["answered_count"] == 1
        status, _body = client.request(
            "POST", f"/api/attempts/{attempt['attempt_id']}/submit/", {"prediction": 100}
        )
        assert status == 200

        # The submitting process finalised and published; the viewer's must forward it.
        while True:
            message = json.loads(socket.recv(timeout=15))
            if message["type"] == "snapshot" and message["participants"] > first["participants"]:
                return first, message
