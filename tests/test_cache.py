"""config.cache.RedisCache: Django's Redis cache that keeps its client objects."""

import os
import uuid

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="needs REDIS_URL: the Redis cache is used only with Redis (CI pass 2)",
)


def test_it_reuses_one_client_and_still_reads_and_writes():
    cache = caches["default"]
    assert type(cache).__module__ == "config.cache"
    key = f"cache-test-{uuid.uuid4().hex}"
    client = cache._cache.get_client(key)
    assert cache._cache.get_client(key) is client
    assert cache._cache.get_client(key, write=True) is client  # one server: one pool, one client
    cache.set(key, {"a": 1}, 30)
    assert cache.get(key) == {"a": 1}
    cache.delete(key)
    assert cache.get(key, "gone") == "gone"
