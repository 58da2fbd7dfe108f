"""(c+) The site with the five patches proposed in the benchmark report.

Everything is `config.asgi:application` unchanged except:

1. Admission. `contests.consumers._round_access` gets a short per-process
   cache for anonymous viewers, one database round trip per round and block
   shared by every socket that connects meanwhile. Under Daphne each connect
   runs it on asgiref's single thread-sensitive executor after the auth
   middleware's `close_old_connections()` closed that thread's connection
   (CONN_MAX_AGE = 0): a new PostgreSQL connection and two queries per
   socket, one socket at a time. What an anonymous viewer may see depends
   only on the round, its block and its contest.

2. Fan-out. `contests.live.Hub.deliver` sends a snapshot to a board's local
   viewers from one task per board, in a plain loop, instead of one task per
   viewer (asyncio.create_task was the largest single cost of a delivery under
   Daphne, whose send never waits for the socket). One task per board keeps
   the order, and a snapshot that arrives mid-loop is sent next (the latest
   wins), so a board never queues more than one snapshot.

3. No channel for anonymous viewers. A Channels consumer takes a channel on
   the channel layer and keeps a receive loop waiting on it (with
   channels-redis: two tasks and a place in the process-wide receive lock's
   queue), only to hear about its user group. Anonymous viewers have no user
   group, so their consumers run without a channel layer: less memory per
   socket, and closing thousands at once no longer walks the lock's queue
   once per socket.

4. No sync-thread hop for pings and disconnects. Channels' `dispatch` runs
   `close_old_connections()` through asgiref's single thread-sensitive
   executor before every handler, so every ping (board.js sends one every
   25 s) and every disconnect queues behind every connect on one thread.
   Those handlers touch no database; connect keeps the hop, and the access
   check's own query (a cache miss, at most one per round and block every
   few seconds) runs through `database_sync_to_async`, which closes stale
   connections around it.

5. No auth lookup without a session cookie. `AuthMiddlewareStack` resolves
   the user through `database_sync_to_async` for every socket, even one that
   sends no session cookie and can only be anonymous: one more hop per
   connect. Here sockets without the cookie go to the router with an
   AnonymousUser; sockets with one take the usual stack.

The rest of contests.live (ticker, election, Redis publish/subscribe) runs
unchanged.
"""

import asyncio
import time

from config.asgi import django_asgi_app  # first: it sets Django up

# isort: split
from channels.auth import AuthMiddlewareStack
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from config.routing import websocket_urlpatterns
from contests import consumers, live

TTL_SECONDS = 5.0
_original_access = database_sync_to_async(consumers._round_access.func)
_cache = {}  # (round_id, block_id) -> (expires_at, future of (round, allowed, staff))


async def _round_access(user, round_id, block_id):
    if user.is_authenticated:
        return await _original_access(user, round_id, block_id)
    key = (round_id, block_id)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or hit[0] < now or (hit[1].done() and hit[1].exception() is not None):
        hit = _cache[key] = (
            now + TTL_SECONDS,
            asyncio.ensure_future(_original_access(user, round_id, block_id)),
        )
    return await asyncio.shield(hit[1])


def deliver(self, key, text):
    self.latest[key] = text
    fanning = self.__dict__.setdefault("fanning", set())
    if key not in fanning:  # a fan-out in progress sends the latest text when it is done
        fanning.add(key)
        self.loop.create_task(_fan_out(self, key))


async def _fan_out(hub, key):
    try:
        sent = None
        while (text := hub.latest.get(key)) is not sent:
            sent = text
            for viewer in list(hub.viewers.get(key, ())):
                if viewer.closed:
                    continue
                try:
                    await viewer.send(text)
                except Exception:  # noqa: BLE001 — a dead socket must not stop the others
                    viewer.closed = True
    finally:
        hub.fanning.discard(key)


_original_call = consumers._BoardConsumer.__call__


async def _call(self, scope, receive, send):
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        self.channel_layer_alias = None  # no user group, so nothing to receive from the layer
    return await _original_call(self, scope, receive, send)


_original_dispatch = consumers._BoardConsumer.dispatch
NO_DATABASE = ("websocket.receive", "websocket.disconnect")


async def _dispatch(self, message):
    if message["type"] in NO_DATABASE:
        await getattr(self, get_handler_name(message))(message)
        return
    await _original_dispatch(self, message)


async def _websocket_disconnect(self, message):
    # Channels' own ends with another close_old_connections() hop; the board
    # consumers join no `groups` and their disconnect touches no database.
    await self.disconnect(message["code"])
    raise StopConsumer()


consumers._round_access = _round_access
live.Hub.deliver = deliver
consumers._BoardConsumer.__call__ = _call
consumers._BoardConsumer.dispatch = _dispatch
consumers._BoardConsumer.websocket_disconnect = _websocket_disconnect


_router = URLRouter(websocket_urlpatterns)
_with_auth = AuthMiddlewareStack(_router)
_cookie = settings.SESSION_COOKIE_NAME.encode() + b"="


async def _websocket(scope, receive, send):
    if not any(name == b"cookie" and _cookie in value for name, value in scope["headers"]):
        return await _router(dict(scope, user=AnonymousUser()), receive, send)
    return await _with_auth(scope, receive, send)


application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": AllowedHostsOriginValidator(_websocket)}
)
