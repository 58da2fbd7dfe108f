"""Live boards: one snapshot per board per tick, published once, fanned out
inside each process to its own sockets.

Shape (measured in bench/bench_live.py): Channels' per-consumer group_send
costs one channel-layer message per viewer; here a tick costs one query and
one Redis PUBLISH per board, and each process loops over its local sockets
sending the same pre-serialised text.

- Every server process runs a ticker (started with its first viewer). Each
  second, for each board that has viewers in this process, it computes the
  board's signature (a version counter bumped after each finalised attempt,
  plus state such as the freeze) and atomically swaps it into Redis; only the
  process that swapped in a new signature rebuilds and PUBLISHes the board. Every process
  subscribes once and delivers what it receives to its own viewers.
- Without Redis (embedded default) there is one process: the ticker builds
  and delivers locally.
- One task per board sends a snapshot to that board's local sockets in a
  plain loop (a task per socket cost more than the send itself). A snapshot
  that arrives while the loop runs is sent next, the latest winning: a board
  never queues more than one snapshot. The loop awaits each send, which
  never waits for the network under Daphne or Uvicorn's default WebSocket
  protocol; a server whose send does wait would hold the loop with it.
- Snapshots only go forward. Each carries the version it was built from and
  its `generated_at`; two processes can both publish a tick (the version
  moved between their reads) and a slow build can arrive after a newer one,
  so the hub drops a snapshot older than the last it delivered, and each
  viewer drops one older than the last it was given, the one sent on connect
  included. A viewer whose send is in progress keeps only the newest
  snapshot for after it: no backlog builds up in our code. (What a slow
  client has not read yet waits in the server's transport buffer, which
  ASGI does not expose.)
"""

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import defaultdict
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings

log = logging.getLogger(__name__)

SNAPSHOT_TTL = 600
# A lower version is normally an older snapshot; one generated this much later
# means the version counters were lost (Redis restarted without persistence).
VERSION_RESET_AFTER = timedelta(seconds=60)


def tick_seconds():
    return getattr(settings, "LIVE_TICK_SECONDS", 1.0)


def _prefix():
    return getattr(settings, "REDIS_PREFIX", "ttt")


def redis_enabled():
    return bool(getattr(settings, "REDIS_URL", ""))


def board_channel(key):
    return f"{_prefix()}:board:{key}"


# --- change tracking (called from sync code after commits) -------------------

_local_versions = defaultdict(int)


def _sync_redis():
    import redis

    client = getattr(_sync_redis, "client", None)
    if client is None:
        client = redis.Redis.from_url(settings.REDIS_URL)
        _sync_redis.client = client
    return client


def bump(scope):
    """Mark every board of `scope` (e.g. "round:12", "contest:3") as changed."""
    if redis_enabled():
        _sync_redis().incr(f"{_prefix()}:ver:{scope}")
    else:
        _local_versions[scope] += 1


async def _version(scope, redis_client):
    if redis_client is not None:
        value = await redis_client.get(f"{_prefix()}:ver:{scope}")
        return int(value or 0)
    return _local_versions[scope]


def _off_loop(function):
    """`function` on a worker thread, giving its database connection back when it
    returns (to Django's pool under DATABASE_POOL, else closed): those threads
    serve no request, so nothing else would, and a kept one would hold a pool
    slot for good or stay broken after a database restart."""
    return database_sync_to_async(function, thread_sensitive=False)()


# --- viewers ------------------------------------------------------------------


def stamp_of(text):
    """A snapshot's place in its board's order: (version, generated_at)."""
    payload = json.loads(text)
    return payload.get("version", 0), datetime.fromisoformat(payload["generated_at"])


def is_newer(stamp, than):
    """Whether the snapshot stamped `stamp` may follow the one stamped `than`."""
    if than is None:
        return True
    if stamp[1] - than[1] > VERSION_RESET_AFTER:
        return True
    return stamp > than


class Viewer:
    """One socket on a board: the newest snapshot it was given, and at most one
    waiting for the send in progress."""

    __slots__ = ("send", "stamp", "pending", "busy", "closed")

    def __init__(self, send):
        self.send = send  # async callable taking the text to send
        self.stamp = None  # of the newest snapshot given to this viewer (sent or pending)
        self.pending = None
        self.busy = False
        self.closed = False

    async def offer(self, stamp, text):
        """Send `text` unless this viewer was already given a newer snapshot. If a
        send is in progress, keep `text` for after it, replacing any older one."""
        if self.closed or not is_newer(stamp, self.stamp):
            return
        self.stamp = stamp
        if self.busy:
            self.pending = text
            return
        self.busy = True
        try:
            while text is not None and not self.closed:
                await self.send(text)
                text, self.pending = self.pending, None
        except Exception:  # noqa: BLE001 — a dead socket must not stop the others
            self.closed = True
        finally:
            self.pending = None
            self.busy = False


class Board:
    """How to build a board's snapshot; registered per key prefix."""

    def __init__(self, key, scope, build, signature):
        self.key = key
        self.scope = scope  # version scope bumped by events
        self.build = build  # sync () -> dict
        self.signature = signature  # sync () -> hashable extra state (e.g. frozen)


class Hub:
    def __init__(self, loop):
        self.loop = loop
        self.viewers = defaultdict(set)
        self.boards = {}
        self.latest = {}  # key -> (stamp, text) of the newest snapshot
        self.fanning = {}  # key -> its running fan-out task
        self.published = {}  # key -> signature last delivered (embedded mode)
        self.redis = None
        self.tasks = []
        self.pid = os.getpid()

    # lifecycle
    def _ensure_started(self):
        if self.tasks:
            return
        if redis_enabled():
            import redis.asyncio as aioredis

            self.redis = aioredis.Redis.from_url(settings.REDIS_URL)
            self.tasks.append(self.loop.create_task(self._listen()))
        self.tasks.append(self.loop.create_task(self._tick_forever()))

    async def join(self, board, viewer):
        """Add a viewer to its board and send it the current snapshot."""
        self._ensure_started()
        self.boards[board.key] = board
        self.viewers[board.key].add(viewer)
        stamp, text = await self.current(board)
        await viewer.offer(stamp, text)

    def leave(self, key, viewer):
        viewer.closed = True
        viewers = self.viewers.get(key)
        if viewers is not None:
            viewers.discard(viewer)
            if not viewers:
                del self.viewers[key]

    async def current(self, board):
        """(stamp, text) of the latest snapshot: this process's copy, Redis' copy,
        or a fresh build."""
        latest = self.latest.get(board.key)
        if latest is not None:
            return latest
        text = None
        if self.redis is not None:
            cached = await self.redis.get(f"{_prefix()}:snap:{board.key}")
            if cached is not None:
                text = cached.decode()
        if text is None:
            text, signature = await self._build(board)
            await self._store(board, text, signature, publish=False)
        # A newer snapshot may have been delivered while this one was fetched.
        self._remember(board.key, stamp_of(text), text)
        return self.latest[board.key]

    def _remember(self, key, stamp, text):
        """Keep (stamp, text) as the board's latest unless a newer one is kept."""
        latest = self.latest.get(key)
        if latest is not None and not is_newer(stamp, latest[0]):
            return False
        self.latest[key] = (stamp, text)
        return True

    def deliver(self, key, text):
        if not self._remember(key, stamp_of(text), text):
            return  # older than what this process already delivered
        if key in self.viewers and key not in self.fanning:
            # A running fan-out sends the latest snapshot when it is done.
            self.fanning[key] = self.loop.create_task(self._fan_out(key))

    async def _fan_out(self, key):
        try:
            sent = None
            while (latest := self.latest.get(key)) is not sent:
                sent = latest
                stamp, text = latest
                for viewer in list(self.viewers.get(key, ())):
                    await viewer.offer(stamp, text)
        finally:
            del self.fanning[key]

    # building
    async def _signature(self, board):
        version = await _version(board.scope, self.redis)
        extra = await _off_loop(board.signature)
        changes = version
        if isinstance(extra, dict) and "static" in extra:
            changes = 0  # e.g. a frozen public board: new attempts do not change it
        return version, json.dumps([changes, extra], default=str)

    async def _build(self, board):
        """(text, signature) of a fresh snapshot. The signature is read first,
        so a change that lands while building is published at the next tick."""
        version, signature = await self._signature(board)
        payload = await _off_loop(board.build)
        payload["version"] = version
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")), signature

    async def _store(self, board, text, signature, publish, keep_signature=False):
        if self.redis is None:
            self.published[board.key] = signature
            if publish:
                self.deliver(board.key, text)
            return
        prefix = _prefix()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(f"{prefix}:snap:{board.key}", text, ex=SNAPSHOT_TTL)
            if not keep_signature:
                pipe.set(f"{prefix}:sig:{board.key}", signature, ex=SNAPSHOT_TTL)
            if publish:
                pipe.publish(board_channel(board.key), text)
            await pipe.execute()

    async def tick(self):
        """One tick: rebuild and publish each locally watched board that changed."""
        for key in list(self.viewers):
            board = self.boards.get(key)
            if board is None:
                continue
            try:
                await self._tick_board(board)
            except Exception:  # one broken board must not stop the others
                log.exception("live board %s failed", key)

    async def _tick_board(self, board):
        _version_now, signature = await self._signature(board)
        if self.redis is None:
            if self.published.get(board.key) == signature:
                return
        else:
            # Election without locks: whoever swaps in a new signature publishes;
            # every other process computing the same signature this tick sees it
            # already there and skips.
            previous = await self.redis.set(
                f"{_prefix()}:sig:{board.key}", signature, get=True, ex=SNAPSHOT_TTL
            )
            if previous is not None and previous.decode() == signature:
                return
        text, signature = await self._build(board)
        await self._store(board, text, signature, publish=True, keep_signature=self.redis is not None)

    async def _tick_forever(self):
        while True:
            # Sleep first: a board's first viewer already got a fresh snapshot.
            await asyncio.sleep(tick_seconds() - (time.monotonic() % tick_seconds()))
            await self.tick()

    async def _listen(self):
        pubsub = self.redis.pubsub()
        await pubsub.psubscribe(board_channel("*"))
        prefix_len = len(board_channel(""))
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            except Exception:  # reconnect after a Redis hiccup
                log.exception("live board subscription failed; retrying")
                await asyncio.sleep(1)
                with contextlib.suppress(Exception):
                    await pubsub.psubscribe(board_channel("*"))
                continue
            if message is None or message.get("type") != "pmessage":
                continue
            key = message["channel"].decode()[prefix_len:]
            try:
                self.deliver(key, message["data"].decode())
            except Exception:  # a malformed message must not end the subscription
                log.exception("live board %s: undeliverable snapshot", key)


_hubs = {}


def get_hub():
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(loop)
    return hub


async def reset_hubs():
    """Stop every hub task (tests)."""
    for hub in list(_hubs.values()):
        for task in [*hub.tasks, *hub.fanning.values()]:
            task.cancel()
        if hub.redis is not None:
            with contextlib.suppress(Exception):
                await hub.redis.aclose()
    _hubs.clear()
    _local_versions.clear()
