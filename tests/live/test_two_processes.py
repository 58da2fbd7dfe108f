"""Two real server processes sharing PostgreSQL and Redis behave as one: a
submit handled by process A reaches a board viewer connected to process B."""

import http.cookiejar
import json
import os
import urllib.request
import uuid
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import Site, _postgres_admin

pytestmark = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
    reason="needs DATABASE_URL and REDIS_URL: separate processes share state only through them (CI pass 2)",
)

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


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    database_url = os.environ["DATABASE_URL"]
    name = f"ttt_two_{uuid.uuid4().hex[:8]}"
    _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("two")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": urlparse(database_url)._replace(path="/" + name).geturl(),
            "REDIS_PREFIX": f"two{uuid.uuid4().hex[:6]}",
            "MEDIA_ROOT": str(tmp / "media"),
        }
    )
    a = Site(env=env, log_path=tmp / "a.log")
    b = Site(env=env, log_path=tmp / "b.log")
    a.manage("migrate", "--noinput")
    a.manage("load_demo")
    a.manage("shell", "-c", CITIZEN.format(email="hai@example.vn", cccd="052090654321"))
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()
    _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_submit_on_process_a_updates_a_viewer_on_process_b(two_sites):
    from websockets.sync.client import connect

    a, b = two_sites
    assert a.process.pid != b.process.pid
    client = Browser(a.url)
    client.log_in("hai@example.vn", "Mat-khau-2-tien-trinh")
    _status, body = client.request("GET", "/api/rounds/open/")
    round_info = next(r for r in json.loads(body)["rounds"] if not r["is_practice"] and r["can_enter"])
    status, body = client.request("POST", f"/api/rounds/{round_info['id']}/start/", {})
    attempt = json.loads(body)
    assert status == 201

    # The viewer watches the whole round on process B (the citizens' block).
    _status, body = Browser(b.url).request("GET", f"/api/rounds/{round_info['id']}/leaderboard/?n=5")
    block = json.loads(body).get("block")
    path = f"/ws/rounds/{round_info['id']}/" + (f"blocks/{block['id']}/" if block else "") + "board/"
    host = urlparse(b.url).netloc
    with connect(f"ws://{host}{path}", origin=b.url, open_timeout=10) as socket:
        first = json.loads(socket.recv(timeout=10))
        assert first["type"] == "snapshot"
        before = first["participants"]

        question = attempt["questions"][0]
        client.request(
            "PUT",
            f"/api/attempts/{attempt['attempt_id']}/answers/{question['position']}/",
            {"choices": [question["options"][0]["id"]]},
        )
        status, body = client.request(
            "POST", f"/api/attempts/{attempt['attempt_id']}/submit/", {"prediction": 100}
        )
        assert status == 200

        # Process A finalised and published; process B must forward it.
        while True:
            message = json.loads(socket.recv(timeout=15))
            if message["type"] == "snapshot" and message["participants"] > before:
                break
    assert any(row["name"] for row in message["top"])
