"""The split deployment of deploy/: Gunicorn (WSGI) serves pages and the JSON
API, Daphne serves the WebSockets; both share PostgreSQL and Redis.

A submit handled by the WSGI process must reach a board viewer connected to
the ASGI process, and the health check must hold up when many WSGI threads
run it at once (channels-redis binds a receive loop to one event loop, and
under WSGI each request runs its own)."""

import json
import os
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import Site, _postgres_admin
from tests.live.test_two_processes import CITIZEN, Browser

pytestmark = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
    reason="needs DATABASE_URL and REDIS_URL: separate processes share state only through them (CI pass 2)",
)


@pytest.fixture(scope="module")
def split_sites(tmp_path_factory):
    database_url = os.environ["DATABASE_URL"]
    name = f"ttt_split_{uuid.uuid4().hex[:8]}"
    _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("split")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": urlparse(database_url)._replace(path="/" + name).geturl(),
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_PREFIX": f"split{uuid.uuid4().hex[:6]}",
            "MEDIA_ROOT": str(tmp / "media"),
        }
    )
    http = Site(env=env, log_path=tmp / "gunicorn.log", server="gunicorn")
    ws = Site(env=dict(env, DATABASE_CONN_MAX_AGE="0", DATABASE_POOL="true"), log_path=tmp / "daphne.log")
    http.manage("migrate", "--noinput")
    http.manage("load_demo")
    http.manage("shell", "-c", CITIZEN.format(email="tach@example.vn", cccd="052090123789"))
    http.start()
    ws.start()
    yield http, ws
    http.stop()
    ws.stop()
    _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_submit_through_wsgi_reaches_a_viewer_on_the_asgi_server(split_sites):
    from websockets.sync.client import connect

    http, ws = split_sites
    client = Browser(http.url)
    client.log_in("tach@example.vn", "Mat-khau-2-tien-trinh")
    _status, body = client.request("GET", "/api/rounds/open/")
    round_info = next(r for r in json.loads(body)["rounds"] if not r["is_practice"] and r["can_enter"])
    status, body = client.request("POST", f"/api/rounds/{round_info['id']}/start/", {})
    assert status == 201
    attempt = json.loads(body)

    _status, body = client.request("GET", f"/api/rounds/{round_info['id']}/leaderboard/?n=5")
    block = json.loads(body).get("block")
    path = f"/ws/rounds/{round_info['id']}/" + (f"blocks/{block['id']}/" if block else "") + "board/"
    with connect(f"ws://{urlparse(ws.url).netloc}{path}", origin=ws.url, open_timeout=10) as socket:
        first = json.loads(socket.recv(timeout=10))
        assert first["type"] == "snapshot"
        before = first["participants"]

        question = attempt["questions"][0]
        status, body = client.request(
            "PUT",
            f"/api/attempts/{attempt['attempt_id']}/answers/{question['position']}/",
            {"choices": [question["options"][0]["id"]]},
        )
        assert status == 200
        assert json.loads(body)["answered_count"] == 1
        status, _body = client.request(
            "POST", f"/api/attempts/{attempt['attempt_id']}/submit/", {"prediction": 50}
        )
        assert status == 200

        while True:
            message = json.loads(socket.recv(timeout=15))
            if message["type"] == "snapshot" and message["participants"] > before:
                break
    assert message["participants"] == before + 1


def test_health_checks_in_parallel_wsgi_threads_all_pass(split_sites):
    http, _ws = split_sites

    def check(_n):
        with urllib.request.urlopen(http.url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, range(40)))
    assert all(status == 200 and body["checks"]["channel_layer"] for status, body in results), results
