"""Board consumers over real WebSocket plumbing (Channels' communicator):
permission on connect, snapshot, forwarded updates, freeze, own rank."""

import asyncio
import json
import threading
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from contests.live import consumers
from contests.live import hub as live
from contests.models import Contest
from tests.builders import make_contest
from tests.contests.live.helpers import finish, make_block, make_round
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def manual_ticks(settings):
    settings.LIVE_TICK_SECONDS = 3600  # the tests tick by hand; nothing waits on the clock
    settings.REDIS_PREFIX = f"t{uuid.uuid4().hex[:10]}"  # no board state leaks between tests
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def run(coro):
    async def wrapped():
        try:
            return await coro
        finally:
            await live.reset_hubs()

    return asyncio.run(wrapped())


async def open_board(user, round, block=None):
    app = consumers.RoundBoardConsumer.as_asgi()
    communicator = WebsocketCommunicator(app, f"/ws/rounds/{round.pk}/board/")
    communicator.scope["user"] = user
    kwargs = {"round_id": round.pk}
    if block is not None:
        kwargs["block_id"] = block.pk
    communicator.scope["url_route"] = {"kwargs": kwargs}
    connected, code = await communicator.connect()
    return communicator, connected, code


async def next_message(communicator, kind, timeout=5):
    while True:
        message = json.loads(await communicator.receive_from(timeout=timeout))
        if message["type"] == kind:
            return message


@pytest.fixture
def setup(tree):
    contest = make_contest(tree["snv"], audience_citizens=True)
    round = make_round(contest)
    block = make_block(contest)
    return contest, round, block


def test_it_sends_a_snapshot_on_connect_to_anyone_on_a_public_contest(setup, tree):
    contest, round, block = setup
    person = make_user("an@example.vn", agency=tree["snv"])
    finish(
        round,
        person,
        correct=19,
        duration_ms=301_000,
        finished_at=round.opens_at + timedelta(hours=3),
        block=block,
    )

    async def scenario():
        communicator, connected, _code = await open_board(AnonymousUser(), round, block)
        assert connected
        snapshot = await next_message(communicator, "snapshot")
        await communicator.disconnect()
        return snapshot

    snapshot = run(scenario())
    assert snapshot["participants"] == 1 and snapshot["provisional"] is True and snapshot["frozen"] is False
    (row,) = snapshot["top"]
    assert row == {
        "rank": 1,
        "name": "Nguyễn V. A.",
        "where": "Sở Nội vụ",
        "correct": 19,
        "duration_ms": 301_000,
    }
    assert "an@example.vn" not in json.dumps(snapshot)


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("anonymous", False),
        ("citizen", False),
        ("outsider_official", False),
        ("audience_official", True),
        ("organizer", True),
    ],
)
def test_a_restricted_contest_admits_its_audience_and_organizers(tree, alice, bob, who, allowed):
    contest = make_contest(tree["snv"], audience_citizens=False)
    contest.audience_agencies.add(tree["snv"])
    round = make_round(contest)
    users = {
        "anonymous": AnonymousUser(),
        "citizen": make_user("dan@example.vn", kind=User.Kind.CITIZEN),
        "outsider_official": make_user("out@example.vn", agency=tree["commune"]),
        "audience_official": make_user("in@example.vn", agency=tree["snv_unit"]),
        "organizer": alice,
    }

    async def scenario():
        communicator, connected, code = await open_board(users[who], round)
        if connected:
            await communicator.disconnect()
        return connected, code

    connected, code = run(scenario())
    assert connected is allowed
    if not allowed:
        assert code == consumers.CLOSE_FORBIDDEN


def test_a_draft_contest_is_for_organizers_only(tree, alice, charlie):
    contest = make_contest(tree["snv"], audience_citizens=True, status=Contest.Status.DRAFT)
    round = make_round(contest)

    async def scenario(user):
        communicator, connected, code = await open_board(user, round)
        if connected:
            await communicator.disconnect()
        return connected

    assert run(scenario(alice)) is True
    assert run(scenario(charlie)) is False


def test_an_unknown_round_is_refused(tree):
    contest = make_contest(tree["snv"])
    round = make_round(contest)
    round.pk = 987654

    async def scenario():
        _communicator, connected, code = await open_board(AnonymousUser(), round)
        return connected, code

    assert run(scenario()) == (False, consumers.CLOSE_NOT_FOUND)


def test_a_finalised_attempt_reaches_viewers_at_the_next_tick_and_only_once(setup, tree):
    contest, round, block = setup
    people = [make_user(f"v{i}@example.vn", agency=tree["snv"]) for i in range(2)]
    t0 = round.opens_at + timedelta(hours=1)
    finish(round, people[0], correct=15, duration_ms=200_000, finished_at=t0, block=block)

    async def scenario():
        communicator, _connected, _code = await open_board(AnonymousUser(), round, block)
        first = await next_message(communicator, "snapshot")
        hub = live.get_hub()
        await hub.tick()  # nothing changed since the snapshot was built: nothing is sent
        assert await communicator.receive_nothing(timeout=0.3)
        await sync_to_async(finish)(
            round, people[1], correct=20, duration_ms=100_000, finished_at=t0, block=block
        )
        await hub.tick()
        second = await next_message(communicator, "snapshot")
        await hub.tick()
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return first, second

    first, second = run(scenario())
    assert first["participants"] == 1
    assert second["participants"] == 2 and second["top"][0]["correct"] == 20
    assert second["version"] > first["version"]


def test_the_public_sees_the_frozen_board_while_organizers_see_live(tree, alice):
    contest = make_contest(tree["snv"], audience_citizens=True)
    now = timezone.now()
    round = make_round(contest, opens=now - timedelta(days=2), freeze_at=now - timedelta(hours=1))
    before = make_user("before@example.vn", agency=tree["snv"])
    after = make_user("after@example.vn", agency=tree["snv"])
    finish(round, before, correct=10, duration_ms=100_000, finished_at=now - timedelta(hours=5))
    finish(round, after, correct=20, duration_ms=100_000, finished_at=now - timedelta(minutes=5))

    async def scenario(user):
        communicator, _connected, _code = await open_board(user, round)
        snapshot = await next_message(communicator, "snapshot")
        await communicator.disconnect()
        return snapshot

    public = run(scenario(AnonymousUser()))
    staff = run(scenario(alice))
    assert public["frozen"] is True and public["participants"] == 1 and public["top"][0]["correct"] == 10
    assert staff["frozen"] is False and staff["participants"] == 2 and staff["top"][0]["correct"] == 20


def test_a_hidden_leaderboard_shows_no_rows_to_the_public(tree):
    contest = make_contest(tree["snv"], leaderboard=Contest.Leaderboard.HIDDEN)
    round = make_round(contest)
    finish(
        round,
        make_user("h@example.vn", agency=tree["snv"]),
        correct=5,
        duration_ms=1000,
        finished_at=round.opens_at + timedelta(hours=1),
    )

    async def scenario():
        communicator, _connected, _code = await open_board(AnonymousUser(), round)
        snapshot = await next_message(communicator, "snapshot")
        await communicator.disconnect()
        return snapshot

    snapshot = run(scenario())
    assert snapshot["hidden"] is True and snapshot["top"] == []


def test_a_viewer_gets_their_own_rank_on_connect_and_after_their_submit(setup, tree):
    contest, round, block = setup
    me = make_user("me@example.vn", agency=tree["snv"])
    rival = make_user("rival@example.vn", agency=tree["snv"])
    t0 = round.opens_at + timedelta(hours=1)
    finish(round, rival, correct=18, duration_ms=100_000, finished_at=t0, block=block)

    async def scenario():
        communicator, _connected, _code = await open_board(me, round, block)
        first = await next_message(communicator, "me")
        await sync_to_async(finish)(round, me, correct=19, duration_ms=100_000, finished_at=t0, block=block)
        second = await next_message(communicator, "me")
        await communicator.disconnect()
        return first, second

    first, second = run(scenario())
    assert first["rank"] is None
    assert second["rank"] == 1 and second["correct"] == 19 and second["participants"] == 2


def test_the_turnout_board_counts_people_per_agency(tree):
    contest = make_contest(tree["snv"], audience_citizens=True)
    round = make_round(contest)
    for i in range(3):
        finish(
            round,
            make_user(f"t{i}@example.vn", agency=tree["snv"]),
            correct=1,
            duration_ms=1000,
            finished_at=round.opens_at + timedelta(hours=1),
        )

    async def scenario():
        app = consumers.TurnoutConsumer.as_asgi()
        communicator = WebsocketCommunicator(app, f"/ws/contests/{contest.pk}/turnout/")
        communicator.scope["user"] = AnonymousUser()
        communicator.scope["url_route"] = {"kwargs": {"contest_id": contest.pk}}
        connected, _code = await communicator.connect()
        assert connected
        snapshot = await next_message(communicator, "turnout")
        await communicator.disconnect()
        return snapshot

    snapshot = run(scenario())
    rows = {row["agency"]: row for row in snapshot["agencies"]}
    assert rows["Sở Nội vụ"] == {"agency": "Sở Nội vụ", "participants": 3, "headcount": 60, "rate": 5.0}
    assert snapshot["officials"] == 3


# --- through the site's ASGI application (config.asgi) ------------------------------


async def open_site_board(round, cookie=None):
    """A socket to the whole site app, as a browser opens it: Origin, and a
    session cookie only when given."""
    from config.asgi import application

    headers = [(b"origin", b"http://testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, f"/ws/rounds/{round.pk}/board/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.fixture
def layer_aliases(monkeypatch):
    """The channel layer alias each consumer asked for (None: no channel)."""
    from channels import consumer

    asked = []

    def get_channel_layer(alias):
        asked.append(alias)
        return channel_layers[alias] if alias is not None else None

    monkeypatch.setattr(consumer, "get_channel_layer", get_channel_layer)
    return asked


def test_it_sends_a_snapshot_to_a_socket_without_a_cookie_and_takes_no_channel(setup, tree, layer_aliases):
    contest, round, _block = setup
    finish(
        round,
        make_user("an@example.vn", agency=tree["snv"]),
        correct=19,
        duration_ms=301_000,
        finished_at=round.opens_at + timedelta(hours=3),
    )

    async def scenario():
        communicator, connected, _code = await open_site_board(round)
        assert connected
        snapshot = await next_message(communicator, "snapshot")
        assert await communicator.receive_nothing(timeout=0.2)  # no "me": nobody to rank
        await communicator.disconnect()
        return snapshot

    snapshot = run(scenario())
    assert snapshot["participants"] == 1 and snapshot["top"][0]["correct"] == 19
    assert layer_aliases == [None]


def test_it_closes_a_socket_without_a_cookie_to_a_restricted_board_with_4403(tree):
    contest = make_contest(tree["snv"], audience_citizens=False)
    round = make_round(contest)

    async def scenario():
        _communicator, connected, code = await open_site_board(round)
        return connected, code

    assert run(scenario()) == (False, consumers.CLOSE_FORBIDDEN)


def test_a_logged_in_viewer_still_gets_the_board_and_their_own_rank(setup, tree, layer_aliases):
    from django.conf import settings
    from django.test import Client

    contest, round, _block = setup
    me = make_user("me@example.vn", agency=tree["snv"])
    t0 = round.opens_at + timedelta(hours=1)
    finish(
        round, make_user("rival@example.vn", agency=tree["snv"]), correct=20, duration_ms=1000, finished_at=t0
    )
    finish(round, me, correct=18, duration_ms=1000, finished_at=t0)
    client = Client()
    client.force_login(me)
    cookie = (
        f"csrftoken=x; {settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    )

    async def scenario():
        communicator, connected, _code = await open_site_board(round, cookie=cookie)
        assert connected
        snapshot = await next_message(communicator, "snapshot")
        mine = await next_message(communicator, "me")
        await communicator.disconnect()
        return snapshot, mine

    snapshot, mine = run(scenario())
    assert snapshot["participants"] == 2
    assert mine["rank"] == 2 and mine["correct"] == 18
    assert layer_aliases == ["default"]


def test_one_access_check_serves_anonymous_sockets_for_a_few_seconds(setup, monkeypatch):
    contest, round, block = setup
    checks = []
    check = consumers._check_round_access

    async def counted(user, round_id, block_id):
        checks.append((round_id, block_id))
        return await check(user, round_id, block_id)

    monkeypatch.setattr(consumers, "_check_round_access", counted)
    anonymous = AnonymousUser()

    async def scenario():
        t = 1000.0
        first = await asyncio.gather(
            *[consumers._round_access(anonymous, round.pk, None, now=t) for _ in range(5)]
        )
        await consumers._round_access(anonymous, round.pk, None, now=t + consumers.PUBLIC_ACCESS_SECONDS)
        assert len(checks) == 1
        await consumers._round_access(anonymous, round.pk, block.pk, now=t)  # another board
        assert len(checks) == 2
        await consumers._round_access(
            anonymous, round.pk, None, now=t + consumers.PUBLIC_ACCESS_SECONDS + 0.1
        )
        assert len(checks) == 3
        return first

    first = run(scenario())
    assert {(r.pk, allowed, staff) for r, allowed, staff in first} == {(round.pk, True, False)}


def test_board_builds_give_their_database_connection_back(setup, tree, monkeypatch):
    """Builds run on worker threads that serve no request: each gives its
    connection back (to the pool, or closed) when it returns."""
    from channels import db

    contest, round, block = setup
    person = make_user("p@example.vn", agency=tree["snv"])
    closes = []
    close = db.close_old_connections

    def counted():
        closes.append(threading.get_ident())
        close()

    monkeypatch.setattr(db, "close_old_connections", counted)

    async def scenario():
        communicator, _connected, _code = await open_board(AnonymousUser(), round, block)
        await next_message(communicator, "snapshot")
        closes.clear()
        await sync_to_async(finish)(
            round,
            person,
            correct=3,
            duration_ms=1000,
            finished_at=round.opens_at + timedelta(hours=1),
            block=block,
        )
        await live.get_hub().tick()  # a signature read and a build: two calls, closed before and after
        await next_message(communicator, "snapshot")
        await communicator.disconnect()

    run(scenario())
    assert len(closes) >= 4
