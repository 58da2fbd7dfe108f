"""The split deployment of deploy/: Gunicorn (WSGI) serves pages and the JSON
API, Uvicorn serves the WebSockets; both share PostgreSQL and Redis, with the
settings the systemd units give them.

A submit handled by the WSGI process must reach a board viewer connected to
the ASGI process, and the health check must hold up when many WSGI threads
run it at once (channels-redis binds a receive loop to one event loop, and
under WSGI each request runs its own)."""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.multiprocess import needs_postgres_and_redis, sites_on_a_fresh_database, submit_reaches_a_viewer

pytestmark = needs_postgres_and_redis


@pytest.fixture(scope="module")
def split_sites(tmp_path_factory):
    specs = [
        ("gunicorn", "gunicorn", {"DATABASE_CONN_MAX_AGE": "60"}),
        ("uvicorn", "uvicorn", {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL": "true"}),
    ]
    with sites_on_a_fresh_database(
        tmp_path_factory.mktemp("split"), specs, citizen=("tach@example.vn", "052090123789")
    ) as sites:
        yield sites


def test_a_submit_through_wsgi_reaches_a_viewer_on_the_asgi_server(split_sites):
    http, ws = split_sites
    first, last = submit_reaches_a_viewer(http_url=http.url, ws_url=ws.url, email="tach@example.vn")
    assert last["participants"] == first["participants"] + 1


def test_health_checks_in_parallel_wsgi_threads_all_pass(split_sites):
    http, _ws = split_sites

    def check(_n):
        with urllib.request.urlopen(http.url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, range(40)))
    assert all(status == 200 and body["checks"]["channel_layer"] for status, body in results), results
