"""Delivery order inside one process: a viewer never gets an older snapshot
after a newer one, and a slow viewer gets the newest, never a backlog.

Sends are fakes that wait on futures the test resolves: nothing waits on
the clock, and every snapshot's time is written out."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from contests.live import hub as live


def run(scenario):
    """Run a coroutine function on its own loop in its own thread: a browser
    test's Playwright may hold an event loop in this thread for the session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def snapshot(version, seconds=0.0):
    """The text of a snapshot built from `version`, `seconds` after T0."""
    generated_at = T0 + timedelta(seconds=seconds)
    return json.dumps({"type": "snapshot", "version": version, "generated_at": generated_at.isoformat()})


def versions(texts):
    return [json.loads(text)["version"] for text in texts]


class Socket:
    """A fake send: records texts; with `held`, each send waits until released."""

    def __init__(self, held=False):
        self.sent = []
        self.held = held
        self.waiting = None

    async def send(self, text):
        if self.held:
            self.waiting = asyncio.get_running_loop().create_future()
            await self.waiting
        self.sent.append(text)

    def release(self):
        self.held = False
        self.waiting.set_result(None)


async def offer(viewer, text):
    await viewer.offer(live.stamp_of(text), text)


def test_it_orders_snapshots_by_version_then_generated_at():
    older = live.stamp_of(snapshot(6, seconds=2))
    newer = live.stamp_of(snapshot(7, seconds=1))  # built sooner by another process
    assert live.is_newer(newer, older)
    assert not live.is_newer(older, newer)
    assert not live.is_newer(newer, newer)
    assert live.is_newer(live.stamp_of(snapshot(7, seconds=1.5)), newer)  # same version, later (a freeze)
    assert live.is_newer(newer, None)


def test_it_takes_a_lower_version_generated_long_after_as_a_reset_of_the_counters():
    before = live.stamp_of(snapshot(57))
    just_after = live.stamp_of(snapshot(1, seconds=live.VERSION_RESET_AFTER.total_seconds()))
    long_after = live.stamp_of(snapshot(1, seconds=live.VERSION_RESET_AFTER.total_seconds() + 1))
    assert not live.is_newer(just_after, before)
    assert live.is_newer(long_after, before)


def test_a_viewer_never_gets_an_older_or_the_same_snapshot_again():
    socket = Socket()
    viewer = live.Viewer(socket.send)

    async def scenario():
        await offer(viewer, snapshot(2))
        await offer(viewer, snapshot(1, seconds=5))
        await offer(viewer, snapshot(2))
        await offer(viewer, snapshot(3, seconds=1))

    run(scenario)
    assert versions(socket.sent) == [2, 3]


def test_a_slow_viewer_gets_only_the_newest_snapshot_once_its_send_is_done():
    socket = Socket(held=True)
    viewer = live.Viewer(socket.send)

    async def scenario():
        first = asyncio.create_task(offer(viewer, snapshot(1)))
        await asyncio.sleep(0)  # the send of version 1 starts and waits
        assert viewer.busy and socket.sent == []
        for text in (snapshot(2, 1), snapshot(4, 3), snapshot(3, 2)):
            await offer(viewer, text)  # returns at once: kept for after the send
        assert versions([viewer.pending]) == [4]
        socket.release()
        await first
        assert not viewer.busy and viewer.pending is None
        await offer(viewer, snapshot(3, 2))  # older than what it was given
        await offer(viewer, snapshot(5, 4))

    run(scenario)
    assert versions(socket.sent) == [1, 4, 5]


def test_a_closed_viewer_gets_nothing_more():
    socket = Socket(held=True)
    viewer = live.Viewer(socket.send)

    async def scenario():
        first = asyncio.create_task(offer(viewer, snapshot(1)))
        await asyncio.sleep(0)
        await offer(viewer, snapshot(2))
        viewer.closed = True  # Hub.leave
        socket.release()
        await first
        await offer(viewer, snapshot(3))

    run(scenario)
    assert versions(socket.sent) == [1]


def test_a_failing_send_closes_only_its_viewer():
    good = Socket()

    async def broken(text):
        raise ConnectionError

    async def scenario():
        hub = live.Hub(asyncio.get_running_loop())
        dead, alive = live.Viewer(broken), live.Viewer(good.send)
        hub.viewers["r1.b0.pub"].update({dead, alive})
        hub.deliver("r1.b0.pub", snapshot(1))
        await hub.fanning["r1.b0.pub"]
        hub.deliver("r1.b0.pub", snapshot(2, 1))
        await hub.fanning["r1.b0.pub"]
        return dead

    dead = run(scenario)
    assert dead.closed
    assert versions(good.sent) == [1, 2]


def test_the_hub_drops_a_snapshot_older_than_one_it_delivered():
    """Two processes both published a tick: version 6 was read first but its
    build started later, so it arrives after version 7 with a later time."""
    socket = Socket()

    async def scenario():
        hub = live.Hub(asyncio.get_running_loop())
        hub.viewers["r1.b0.pub"].add(live.Viewer(socket.send))
        hub.deliver("r1.b0.pub", snapshot(7, seconds=1.0))
        hub.deliver("r1.b0.pub", snapshot(6, seconds=1.2))
        await hub.fanning["r1.b0.pub"]
        hub.deliver("r1.b0.pub", snapshot(6, seconds=1.3))
        assert "r1.b0.pub" not in hub.fanning  # dropped before any fan-out
        hub.deliver("r1.b0.pub", snapshot(8, seconds=2.0))
        await hub.fanning["r1.b0.pub"]
        return hub

    hub = run(scenario)
    assert versions(socket.sent) == [7, 8]
    assert versions([hub.latest["r1.b0.pub"][1]]) == [8]


def test_one_fan_out_per_board_sends_the_latest_once_the_current_pass_is_done():
    slow, fast = Socket(held=True), Socket()

    async def scenario():
        hub = live.Hub(asyncio.get_running_loop())
        hub.viewers["r1.b0.pub"].add(live.Viewer(slow.send))
        hub.deliver("r1.b0.pub", snapshot(1))
        await asyncio.sleep(0)  # the pass of version 1 waits on the slow socket
        task = hub.fanning["r1.b0.pub"]
        hub.viewers["r1.b0.pub"].add(live.Viewer(fast.send))  # joins mid-pass
        hub.deliver("r1.b0.pub", snapshot(2, 1))
        hub.deliver("r1.b0.pub", snapshot(3, 2))
        assert hub.fanning["r1.b0.pub"] is task  # no second task for the board
        slow.release()
        await task
        assert "r1.b0.pub" not in hub.fanning

    run(scenario)
    assert versions(slow.sent) == [1, 3]
    assert versions(fast.sent) == [3]


def test_a_joining_viewer_gets_the_newest_known_snapshot_and_nothing_older_later():
    socket = Socket()
    board = live.Board(key="r1.b0.pub", scope="round:1", build=None, signature=None)

    async def scenario():
        hub = live.Hub(asyncio.get_running_loop())
        hub.tasks = ["started"]  # no ticker or subscription: deliveries come from the test
        hub.deliver("r1.b0.pub", snapshot(4, 1))
        await hub.join(board, live.Viewer(socket.send))
        hub.deliver("r1.b0.pub", snapshot(3, 5))
        hub.deliver("r1.b0.pub", snapshot(5, 2))
        await hub.fanning["r1.b0.pub"]

    run(scenario)
    assert versions(socket.sent) == [4, 5]
