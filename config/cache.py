"""Django's Redis cache, keeping its redis-py client objects.

Django's RedisCacheClient builds a new `redis.Redis` object (over the same
connection pool) for every call; with redis-py 7 that construction costs more
than the GET itself, and sessions (`cached_db`) do one on every request. A
`redis.Redis` is safe to share, and Django's cache handler gives each thread
its own cache object anyway, so one client per pool is kept.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ClientKeepingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ClientKeepingRedisCacheClient
