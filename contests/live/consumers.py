"""WebSocket consumers of the live boards: check permission, join the
process-local hub, forward. No scoring or writes here."""

import asyncio
import json
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from contests.live import boards, events
from contests.live import hub as live
from contests.models import Contest, Round

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

PUBLIC_ACCESS_SECONDS = 5.0
_public_access = {}  # (round_id, block_id) -> (expires_at, task of (round, allowed, staff))


async def _round_access(user, round_id, block_id, now=None):
    """Who may watch. For anonymous viewers the answer depends only on the round,
    block and contest, so one check serves every anonymous socket of the next few
    seconds: a reconnect storm costs one query, not a query per socket."""
    if user.is_authenticated:
        return await _check_round_access(user, round_id, block_id)
    key = (round_id, block_id)
    now = time.monotonic() if now is None else now
    loop = asyncio.get_running_loop()
    hit = _public_access.get(key)
    if hit is None or hit[0] < now or not _usable(hit[1], loop):
        task = loop.create_task(_check_round_access(user, round_id, block_id))
        hit = _public_access[key] = (now + PUBLIC_ACCESS_SECONDS, task)
    # Shielded: a socket that goes away while waiting must not cancel the others' check.
    return await asyncio.shield(hit[1])


def _usable(task, loop):
    if task.get_loop() is not loop:  # another event loop's (tests run one per scenario)
        return False
    return not task.done() or (not task.cancelled() and task.exception() is None)


@database_sync_to_async
def _check_round_access(user, round_id, block_id):
    round = Round.objects.select_related("contest__owner_agency").filter(pk=round_id).first()
    if round is None or (block_id and not round.contest.blocks.filter(pk=block_id).exists()):
        return None, False, False
    contest = round.contest
    allowed = boards.may_watch(user=user, contest=contest)
    staff = boards.is_staff_viewer(user=user, contest=contest)
    return round, allowed, staff


@database_sync_to_async
def _contest_access(user, contest_id):
    contest = Contest.objects.select_related("owner_agency").filter(pk=contest_id).first()
    if contest is None:
        return None, False
    return contest, boards.may_watch(user=user, contest=contest)


class _BoardConsumer(AsyncWebsocketConsumer):
    board = None
    viewer = None

    async def __call__(self, scope, receive, send):
        # Anonymous viewers have no user group: no channel on the channel layer,
        # so no receive loop per socket and nothing to tear down when it closes.
        if not scope["user"].is_authenticated:
            self.channel_layer_alias = None
        return await super().__call__(scope, receive, send)

    async def dispatch(self, message):
        # Channels runs close_old_connections() on the one sync thread before
        # every handler; pings and disconnects touch no database, and with
        # thousands of sockets those hops queue behind every connect.
        if message["type"] in ("websocket.receive", "websocket.disconnect"):
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)

    async def websocket_disconnect(self, message):
        # Channels' own ends with one more close_old_connections() hop; these
        # consumers join no `groups` (the user group is left in disconnect()).
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def _join(self, board):
        self.board = board
        self.viewer = live.Viewer(self._send_text)
        await live.get_hub().join(board, self.viewer)  # sends the current snapshot

    async def _send_text(self, text):
        await self.send(text_data=text)

    async def disconnect(self, code):
        if self.board is not None:
            live.get_hub().leave(self.board.key, self.viewer)
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            await self.channel_layer.group_discard(events.user_group(user.pk), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only ever send pings; anything else is ignored."""
        if text_data == "ping":
            await self.send(text_data='{"type":"pong"}')


class RoundBoardConsumer(_BoardConsumer):
    async def connect(self):
        user = self.scope["user"]
        round_id = int(self.scope["url_route"]["kwargs"]["round_id"])
        block_id = int(self.scope["url_route"]["kwargs"].get("block_id") or 0) or None
        round, allowed, staff = await _round_access(user, round_id, block_id)
        if round is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        self.round, self.block_id = round, block_id
        key = boards.board_key(round_id=round_id, block_id=block_id, staff=staff)
        board = live.Board(
            key=key,
            scope=events.round_scope(round_id),
            build=lambda: boards.round_board(round_id=round_id, block_id=block_id, staff=staff),
            signature=lambda: boards.round_board_signature(round_id=round_id, staff=staff),
        )
        await self._join(board)
        if user.is_authenticated:
            await self.channel_layer.group_add(events.user_group(user.pk), self.channel_name)
            await self._send_me()

    async def _send_me(self):
        standing = await database_sync_to_async(boards.my_standing)(
            round=self.round, block_id=self.block_id, user=self.scope["user"]
        )
        await self.send(text_data=json.dumps(standing))

    async def board_me(self, event):
        """The viewer's own attempt was finalised: send their rank to them only."""
        if event.get("round_id") == self.round.pk:
            await self._send_me()


class TurnoutConsumer(_BoardConsumer):
    async def connect(self):
        user = self.scope["user"]
        contest_id = int(self.scope["url_route"]["kwargs"]["contest_id"])
        contest, allowed = await _contest_access(user, contest_id)
        if contest is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        board = live.Board(
            key=boards.turnout_key(contest_id=contest_id),
            scope=events.contest_scope(contest_id),
            build=lambda: boards.turnout_board(contest_id=contest_id),
            signature=lambda: "live",
        )
        await self._join(board)
