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
- A slow socket never accumulates a backlog in our code: each viewer holds at
  most one pending snapshot, replaced by newer ones.
"""

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import defaultdict

from asgiref.sync import sync_to_async
from django.conf import settings

log = logging.getLogger(__name__)

SNAPSHOT_TTL = 600


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


# --- viewers ------------------------------------------------------------------


class Viewer:
    """One socket's delivery slot: at most one snapshot in flight, one pending."""

    __slots__ = ("send", "pending", "busy", "closed")

    def __init__(self, send):
        self.send = send  # async callable taking the text to send
        self.pending = None
        self.busy = False
        self.closed = False

    def offer(self, text):
        if self.closed:
            return
        if self.busy:
            self.pending = text  # replace: a slow client only ever gets the latest
            return
        self.busy = True
        asyncio.get_running_loop().create_task(self._drain(text))

    async def _drain(self, text):
        try:
            while text is not None and not self.closed:
                await self.send(text)
                text, self.pending = self.pending, None
        except Exception:  # noqa: BLE001 — a dead socket must not stop the others
            self.closed = True
        finally:
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
        self.latest = {}  # key -> text
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
        self._ensure_started()
        self.boards[board.key] = board
        self.viewers[board.key].add(viewer)
        return await self.current_text(board)

    def leave(self, key, viewer):
        viewer.closed = True
        viewers = self.viewers.get(key)
        if viewers is not None:
            viewers.discard(viewer)
            if not viewers:
                del self.viewers[key]

    async def current_text(self, board):
        """The latest snapshot: this process's copy, Redis' copy, or a fresh build."""
        text = self.latest.get(board.key)
        if text is None and self.redis is not None:
            cached = await self.redis.get(f"{_prefix()}:snap:{board.key}")
            if cached is not None:
                text = cached.decode()
        if text is None:
            text, signature = await self._build(board)
            await self._store(board, text, signature, publish=False)
            self.latest[board.key] = text
        return text

    def deliver(self, key, text):
        self.latest[key] = text
        for viewer in list(self.viewers.get(key, ())):
            viewer.offer(text)

    # building
    async def _signature(self, board):
        version = await _version(board.scope, self.redis)
        extra = await sync_to_async(board.signature, thread_sensitive=False)()
        if isinstance(extra, dict) and "static" in extra:
            version = 0  # e.g. a frozen public board: new attempts do not change it
        return version, json.dumps([version, extra], default=str)

    async def _build(self, board):
        """(text, signature) of a fresh snapshot. The signature is read first,
        so a change that lands while building is published at the next tick."""
        version, signature = await self._signature(board)
        payload = await sync_to_async(board.build, thread_sensitive=False)()
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
            self.deliver(key, message["data"].decode())


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
        for task in hub.tasks:
            task.cancel()
        if hub.redis is not None:
            with contextlib.suppress(Exception):
                await hub.redis.aclose()
    _hubs.clear()
    _local_versions.clear()
