"""Two real server processes sharing PostgreSQL and Redis behave as one: a
submit handled by process A reaches a board viewer connected to process B."""

import pytest

from tests.multiprocess import needs_postgres_and_redis, sites_on_a_fresh_database, submit_reaches_a_viewer

pytestmark = needs_postgres_and_redis


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    specs = [("a", "daphne", {}), ("b", "daphne", {})]
    with sites_on_a_fresh_database(
        tmp_path_factory.mktemp("two"), specs, citizen=("hai@example.vn", "052090654321")
    ) as sites:
        yield sites


def test_a_submit_on_process_a_updates_a_viewer_on_process_b(two_sites):
    a, b = two_sites
    assert a.process.pid != b.process.pid
    first, last = submit_reaches_a_viewer(http_url=a.url, ws_url=b.url, email="hai@example.vn")
    assert last["participants"] == first["participants"] + 1
    assert any(row["name"] for row in last["top"])
