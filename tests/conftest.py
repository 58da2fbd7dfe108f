"""Shared fixtures: the three personas and a small agency tree.

alice — organizer (and author) at Sở Nội vụ, verified e-mail
bob   — organizer at UBND huyện Tuy Phước (a sibling branch), verified
charlie — an official at a commune under Tuy Phước, no roles
"""

import uuid

import pytest
import redis

from tests.factories import make_agency, make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with stray connections ended before it
    is dropped. Consumers run database work in asgiref's and asyncio's worker
    threads; a thread's connection can outlive the test that made it, and
    PostgreSQL then refuses to drop the database ("being accessed by other
    users"), which left a warning and a test database behind."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 is deliberately slow; tests that create many users need not be."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Rate limits and caches must not leak from one test into the next.

    Each test gets its own cache namespace instead of a flush: flushing a
    shared Redis would also wipe the live boards of a server process that a
    browser test (or another test run on the same machine) is using.
    """
    default = dict(settings.CACHES["default"])
    namespace = f"t{uuid.uuid4().hex[:10]}"
    if default["BACKEND"].endswith("LocMemCache"):
        default["LOCATION"] = namespace
    else:
        default["KEY_PREFIX"] = namespace
    settings.CACHES = {**settings.CACHES, "default": default}
    yield


@pytest.fixture(autouse=True)
def _own_redis_prefix(settings):
    """Live boards and standings in Redis (CI pass 2) under a prefix of this
    test's own: round ids repeat from one test database to the next, so keys
    left by an earlier test or run must never be read as this test's board."""
    prefix = settings.REDIS_PREFIX = f"t{uuid.uuid4().hex[:10]}"
    yield
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def tree(db):
    province = make_agency("province", "UBND tỉnh", kind="province")
    snv = make_agency("snv", "Sở Nội vụ", parent=province, headcount=60)
    snv_unit = make_agency("snv-vt", "Văn thư Sở Nội vụ", parent=snv, headcount=5)
    district = make_agency(
        "tuyphuoc", "UBND huyện Tuy Phước", parent=province, kind="district", headcount=130
    )
    commune = make_agency("phuocthuan", "UBND xã Phước Thuận", parent=district, kind="commune", headcount=20)
    return {"province": province, "snv": snv, "snv_unit": snv_unit, "district": district, "commune": commune}


@pytest.fixture
def alice(tree):
    return make_user("alice@example.vn", agency=tree["snv"], roles=["organizer", "author"])


@pytest.fixture
def bob(tree):
    return make_user("bob@example.vn", agency=tree["district"], roles=["organizer"])


@pytest.fixture
def charlie(tree):
    return make_user("charlie@example.vn", agency=tree["commune"])
