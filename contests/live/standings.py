"""Live standings per round and block, behind one small interface with two
backends chosen by settings: the database (embedded default) and Redis
sorted sets (when REDIS_URL is set). `block_id=None` means the whole round
(every block together).

Both order by (Attempt.live_score, user id): see contests.rules.ranking. The
database is the source of truth; `rebuild_round` refills Redis from it.
"""

from django.conf import settings
from django.db.models import Q

from contests.models import Attempt
from contests.rules import ranking


def _counted(round_id, block_id):
    qs = Attempt.objects.filter(round_id=round_id, counted=True, is_preview=False, live_score__isnull=False)
    return qs.filter(block_id=block_id) if block_id else qs


class DatabaseStandings:
    name = "database"

    def record(self, *, round_id, block_id, user_id, score):
        """Nothing to do: the counted attempt row is the standing."""

    def remove(self, *, round_id, block_id, user_id):
        pass

    def top(self, *, round_id, block_id, n):
        rows = (
            _counted(round_id, block_id)
            .order_by("live_score", "user_id")
            .values_list("user_id", "live_score")[:n]
        )
        return [(user_id, score) for user_id, score in rows]

    def rank_of(self, *, round_id, block_id, user_id):
        mine = (
            _counted(round_id, block_id).filter(user_id=user_id).values_list("live_score", flat=True).first()
        )
        if mine is None:
            return None
        ahead = (
            _counted(round_id, block_id)
            .filter(Q(live_score__lt=mine) | Q(live_score=mine, user_id__lt=user_id))
            .count()
        )
        return ahead + 1, mine

    def around(self, *, round_id, block_id, user_id, k):
        found = self.rank_of(round_id=round_id, block_id=block_id, user_id=user_id)
        if found is None:
            return []
        rank, _score = found
        start = max(rank - 1 - k, 0)
        rows = (
            _counted(round_id, block_id)
            .order_by("live_score", "user_id")
            .values_list("user_id", "live_score")
        )
        return [(start + i + 1, u, s) for i, (u, s) in enumerate(rows[start : rank + k])]

    def count(self, *, round_id, block_id):
        return _counted(round_id, block_id).count()

    def rebuild_round(self, *, round_id):
        """Nothing to rebuild: this backend reads the attempts' rows."""


class RedisStandings:
    name = "redis"

    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(settings.REDIS_URL)
        return self._client

    @staticmethod
    def key(round_id, block_id):
        return f"{getattr(settings, 'REDIS_PREFIX', 'ttt')}:lb:{round_id}:{block_id or 0}"

    def record(self, *, round_id, block_id, user_id, score):
        """Write the standing to its block's board and to the whole round's."""
        with self.client.pipeline(transaction=True) as pipe:
            for key in {self.key(round_id, block_id), self.key(round_id, None)}:
                pipe.zadd(key, {ranking.member(user_id): score})
            pipe.execute()

    def remove(self, *, round_id, block_id, user_id):
        with self.client.pipeline(transaction=True) as pipe:
            for key in {self.key(round_id, block_id), self.key(round_id, None)}:
                pipe.zrem(key, ranking.member(user_id))
            pipe.execute()

    def top(self, *, round_id, block_id, n):
        rows = self.client.zrange(self.key(round_id, block_id), 0, n - 1, withscores=True)
        return [(int(m), int(s)) for m, s in rows]

    def rank_of(self, *, round_id, block_id, user_id):
        key, m = self.key(round_id, block_id), ranking.member(user_id)
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zrank(key, m)
            pipe.zscore(key, m)
            rank, score = pipe.execute()
        if rank is None:
            return None
        return rank + 1, int(score)

    def around(self, *, round_id, block_id, user_id, k):
        found = self.rank_of(round_id=round_id, block_id=block_id, user_id=user_id)
        if found is None:
            return []
        rank, _score = found
        start = max(rank - 1 - k, 0)
        rows = self.client.zrange(self.key(round_id, block_id), start, rank - 1 + k, withscores=True)
        return [(start + i + 1, int(m), int(s)) for i, (m, s) in enumerate(rows)]

    def count(self, *, round_id, block_id):
        return self.client.zcard(self.key(round_id, block_id))

    def rebuild_round(self, *, round_id):
        """Replace the Redis boards of a round with what the database says."""
        block_ids = set(
            Attempt.objects.filter(round_id=round_id).values_list("block_id", flat=True).distinct()
        )
        existing = list(self.client.scan_iter(match=self.key(round_id, "*"), count=500))
        with self.client.pipeline(transaction=True) as pipe:
            for key in existing:
                pipe.delete(key)
            for block_id in block_ids | {None}:
                entries = {
                    ranking.member(u): s
                    for u, s in _counted(round_id, block_id).values_list("user_id", "live_score").iterator()
                }
                if entries:
                    pipe.zadd(self.key(round_id, block_id), entries)
            pipe.execute()
        return self.count(round_id=round_id, block_id=None)


def get_backend():
    if getattr(settings, "REDIS_URL", ""):
        return RedisStandings()
    return DatabaseStandings()
