"""Load-generator worker: thousands of WebSocket viewers (and HTTP participants)
in one asyncio loop, driven by the orchestrator over a multiprocessing pipe.

Viewers speak WebSocket through the `websockets` library's sans-I/O client
protocol (handshake, framing, ping/pong, close) on a bare asyncio.Protocol:
the same protocol code as `websockets.connect`, without a task, a queue and
futures per socket, so one worker process can read 5,000 sockets at 1 Hz
and still timestamp every snapshot promptly. No compression is offered:
Daphne does not negotiate permessage-deflate, so every server is measured
sending plain frames.

Each received snapshot is recorded as (viewer, version, generated_at,
received_at); the orchestrator turns those into latencies, delivered
ratios and ordering checks.
"""

import asyncio
import contextlib
import random
import time
from array import array
from collections import Counter
from datetime import datetime

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri

from bench.live.common import raise_nofile

VERSION_KEY = b'"version":'
GENERATED_KEY = b'"generated_at":"'


class Viewer(asyncio.Protocol):
    """One WebSocket viewer: records every snapshot it receives."""

    __slots__ = (
        "pool",
        "idx",
        "uri",
        "origin",
        "proto",
        "transport",
        "opened",
        "status",
        "last_version",
        "received",
        "misordered",
        "duplicates",
        "open_at",
        "first_at",
        "closing",
        "lost",
        "partial",
        "buffer",
    )

    def __init__(self, pool, idx, uri, origin):
        self.pool = pool
        self.idx = idx
        self.uri = uri
        self.origin = origin
        self.proto = ClientProtocol(parse_uri(uri), origin=Origin(origin), max_size=2**22)
        self.transport = None
        self.opened = pool.loop.create_future()
        self.status = None
        self.last_version = -1
        self.received = 0
        self.misordered = 0
        self.duplicates = 0
        self.open_at = None
        self.first_at = None
        self.closing = False
        self.lost = False
        self.partial = None
        self.buffer = bytearray()

    # asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport
        self.proto.send_request(self.proto.connect())
        self._flush()

    def data_received(self, data):
        if self.open_at is not None:
            self._frames(data)
            return
        # Handshake: websockets parses and checks the HTTP response; the bytes
        # after it (the first snapshot may share the segment) are frames.
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head, rest = bytes(self.buffer[: end + 4]), bytes(self.buffer[end + 4 :])
        self.buffer = bytearray()
        proto = self.proto
        proto.receive_data(head)
        ok = False
        for event in proto.events_received():
            if isinstance(event, Response):
                self.status = event.status_code
                ok = event.status_code == 101 and proto.handshake_exc is None
        if ok:
            self.open_at = time.time()
        if not self.opened.done():
            self.opened.set_result(ok)
        if not ok:
            if self.transport is not None:
                self.transport.close()
            return
        if rest:
            self._frames(rest)

    def _frames(self, data):
        """Read server frames (never masked, RFC 6455 §5.1) from `data` plus any leftover."""
        now = time.time()
        if self.buffer:
            self.buffer += data
            data = bytes(self.buffer)
            self.buffer = bytearray()
        size = len(data)
        at = 0
        while size - at >= 2:
            b0, b1 = data[at], data[at + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if size - at < 4:
                    break
                length = int.from_bytes(data[at + 2 : at + 4], "big")
                head = 4
            elif length == 127:
                if size - at < 10:
                    break
                length = int.from_bytes(data[at + 2 : at + 10], "big")
                head = 10
            end = at + head + length
            if end > size:
                break
            payload = data[at + head : end]
            at = end
            opcode = b0 & 0x0F
            if opcode in (1, 2):  # text, binary
                if b0 & 0x80:
                    self._message(payload, now)
                else:
                    self.partial = bytearray(payload)
            elif opcode == 0 and self.partial is not None:  # continuation
                self.partial += payload
                if b0 & 0x80:
                    payload, self.partial = bytes(self.partial), None
                    self._message(payload, now)
            elif opcode == 9:  # ping → pong
                self._write_frame(Opcode.PONG, payload)
            elif opcode == 8:  # close → answer and hang up
                with contextlib.suppress(Exception):
                    self._write_frame(Opcode.CLOSE, payload[:2])
                if self.transport is not None:
                    self.transport.close()
                return
        if at < size:
            self.buffer = bytearray(data[at:])

    def _write_frame(self, opcode, payload):
        if self.transport is not None:
            self.transport.write(Frame(opcode, payload).serialize(mask=True, extensions=[]))

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_result(False)
        if not self.closing:
            self.lost = True
        self.transport = None

    def _flush(self):
        chunks = self.proto.data_to_send()
        if chunks and self.transport is not None:
            self.transport.writelines([c for c in chunks if c])

    def _message(self, data, now):
        pool = self.pool
        if self.first_at is None:
            self.first_at = now
        at = data.rfind(VERSION_KEY)
        if at < 0:
            pool.other_messages += 1
            return
        start = at + len(VERSION_KEY)
        end = start
        while end < len(data) and 48 <= data[end] <= 57:
            end += 1
        version = int(data[start:end])
        at = data.find(GENERATED_KEY)
        generated = 0.0
        if at >= 0:
            start = at + len(GENERATED_KEY)
            raw = bytes(data[start : data.index(b'"', start)])
            generated = pool.parse_time(raw)
        if version < self.last_version:
            self.misordered += 1
        elif version == self.last_version:
            self.duplicates += 1
        else:
            self.last_version = version
        self.received += 1
        pool.rec_viewer.append(self.idx)
        pool.rec_version.append(version)
        pool.rec_generated.append(generated)
        pool.rec_received.append(now)

    def close(self, abort=False):
        self.closing = True
        if self.transport is None:
            return
        if abort:
            self.transport.abort()
            return
        with contextlib.suppress(Exception):
            self._write_frame(Opcode.CLOSE, (1000).to_bytes(2, "big"))
        self.transport.close()


class Pool:
    def __init__(self, loop):
        self.loop = loop
        self.viewers = {}
        self.rec_viewer = array("q")
        self.rec_version = array("q")
        self.rec_generated = array("d")
        self.rec_received = array("d")
        self.other_messages = 0
        self._times = {}

    def parse_time(self, raw):
        value = self._times.get(raw)
        if value is None:
            text = raw.decode()
            if text.endswith("Z"):
                text = text[:-1] + "+00:00"
            value = datetime.fromisoformat(text).timestamp()
            if len(self._times) > 10000:
                self._times.clear()
            self._times[raw] = value
        return value

    def clear_records(self):
        self.rec_viewer = array("q")
        self.rec_version = array("q")
        self.rec_generated = array("d")
        self.rec_received = array("d")
        self.other_messages = 0

    async def open_one(self, idx, host, port, path, timeout):
        """(viewer or None, status or error name)."""
        uri = f"ws://{host}:{port}{path}"
        viewer = Viewer(self, idx, uri, f"http://{host}:{port}")
        try:
            await asyncio.wait_for(self.loop.create_connection(lambda: viewer, host, port), timeout)
            ok = await asyncio.wait_for(viewer.opened, timeout)
        except TimeoutError:
            viewer.close(abort=True)
            return None, "timeout"
        except OSError as exc:
            viewer.close(abort=True)
            return None, type(exc).__name__
        if not ok:
            viewer.close(abort=True)
            return None, str(viewer.status or "closed")
        return viewer, "101"

    async def connect(self, targets, indices, concurrency, timeout, budget):
        """Open viewers `indices`, at most `concurrency` handshakes in flight; a
        failed one is retried (after 0.2–1 s) until `budget` seconds have passed."""
        started = time.time()
        deadline = time.monotonic() + budget
        statuses = Counter()
        failures = Counter()
        semaphore = asyncio.Semaphore(concurrency)

        async def one(i):
            host, port, path = targets[i % len(targets)]
            while time.monotonic() < deadline:
                async with semaphore:
                    if time.monotonic() >= deadline:
                        break
                    viewer, status = await self.open_one(i, host, port, path, timeout)
                if viewer is not None:
                    self.viewers[i] = viewer
                    statuses["101"] += 1
                    return
                failures[status] += 1
                await asyncio.sleep(random.uniform(0.2, 1.0))
            statuses["not connected"] += 1

        await asyncio.gather(*(one(i) for i in indices))
        return {
            "opened": statuses["101"],
            "statuses": dict(statuses),
            "failures": dict(failures),
            "elapsed": time.time() - started,
        }

    def close_some(self, keep):
        """Close (abort) every viewer whose index is not below `keep`."""
        for i in [i for i in self.viewers if i >= keep]:
            self.viewers.pop(i).close(abort=True)
        return {"open": len(self.open_viewers())}

    def open_viewers(self):
        return [v for v in self.viewers.values() if v.transport is not None and not v.closing]

    async def wait_version(self, version, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = sum(1 for v in self.open_viewers() if v.last_version < version)
            if behind == 0:
                return {"behind": 0}
            await asyncio.sleep(0.05)
        return {"behind": sum(1 for v in self.open_viewers() if v.last_version < version)}

    def collect(self):
        viewers = list(self.viewers.values())
        return {
            "viewer": self.rec_viewer.tobytes(),
            "version": self.rec_version.tobytes(),
            "generated": self.rec_generated.tobytes(),
            "received": self.rec_received.tobytes(),
            "open": len(self.open_viewers()),
            "lost": sum(1 for v in viewers if v.lost),
            "misordered": sum(v.misordered for v in viewers),
            "duplicates": sum(v.duplicates for v in viewers),
            "other_messages": self.other_messages,
            "last_versions": Counter(v.last_version for v in viewers if not v.lost),
        }

    async def close_all(self, abort=True):
        for viewer in self.viewers.values():
            viewer.close(abort=abort)
        self.viewers = {}
        await asyncio.sleep(0.2)
        return {"closed": True}

    async def storm(self, timeout, cap_seconds=30.0, base_seconds=0.5, handshake_timeout=20.0):
        """Close every viewer at once, then reconnect each immediately; on a
        failure retry after full jitter: random [0, min(cap, base·2^failures)].
        (static/js/board.js does the same; it also jitters the first retry.)"""
        old = dict(self.viewers)
        targets = {i: parse_uri(v.uri) for i, v in old.items()}
        for viewer in old.values():
            viewer.close(abort=False)
        self.viewers = {}
        t0 = time.time()
        deadline = t0 + timeout
        result = {
            "t0": t0,
            "reconnected_at": [],
            "first_snapshot_at": [],
            "failures": Counter(),
            "gave_up": 0,
        }

        async def one(i):
            uri = targets[i]
            failures = 0
            while time.time() < deadline:
                viewer, status = await self.open_one(
                    i,
                    uri.host,
                    uri.port,
                    uri.resource_name,
                    min(handshake_timeout, max(0.1, deadline - time.time())),
                )
                if viewer is not None:
                    self.viewers[i] = viewer
                    result["reconnected_at"].append(viewer.open_at)
                    while viewer.first_at is None and time.time() < deadline and viewer.transport is not None:
                        await asyncio.sleep(0.02)
                    if viewer.first_at is not None:
                        result["first_snapshot_at"].append(viewer.first_at)
                    return
                failures += 1
                result["failures"][status] += 1
                await asyncio.sleep(random.uniform(0, min(cap_seconds, base_seconds * 2**failures)))
            result["gave_up"] += 1

        await asyncio.gather(*(one(i) for i in targets))
        result["failures"] = dict(result["failures"])
        result["attempted"] = len(targets)
        return result

    async def http_load(self, host, requests, duration, think, timeout=30.0):
        """Each entry of `requests` is one participant: (method, path, headers, body, port)
        sent in a loop on its own keep-alive connection, with a random think time."""
        latencies = array("d")
        sent_at = array("d")
        statuses = Counter()
        stop_at = time.time() + duration

        async def participant(method, path, headers, body, port):
            reader = writer = None
            await asyncio.sleep(random.uniform(0, think))
            while time.time() < stop_at:
                head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                payload = body or b""
                head += f"Content-Length: {len(payload)}\r\n\r\n"
                started = time.time()
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                    writer.write(head.encode() + payload)
                    status, keep = await asyncio.wait_for(_read_response(reader), timeout)
                    statuses[str(status)] += 1
                    latencies.append(time.time() - started)
                    sent_at.append(started)
                    if not keep:
                        writer.close()
                        writer = None
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                    statuses[type(exc).__name__] += 1
                    latencies.append(time.time() - started)
                    sent_at.append(started)
                    if writer is not None:
                        writer.close()
                    writer = None
                await asyncio.sleep(random.uniform(0, 2 * think))
            if writer is not None:
                writer.close()

        await asyncio.gather(*(participant(*r) for r in requests))
        return {"latency": latencies.tobytes(), "sent_at": sent_at.tobytes(), "statuses": dict(statuses)}


async def _read_response(reader):
    line = await reader.readline()
    if not line:
        raise asyncio.IncompleteReadError(b"", None)
    status = int(line.split()[1])
    length = 0
    keep = True
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
    if length:
        await reader.readexactly(length)
    return status, keep


def worker_main(conn):
    """Entry point of a worker process: serve commands from the pipe until "exit"."""
    raise_nofile()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pool = Pool(loop)
    done = loop.create_future()

    async def run(name, kwargs):
        try:
            if name == "exit":
                await pool.close_all()
                result = {"bye": True}
                done.set_result(None)
            elif name == "connect":
                result = await pool.connect(**kwargs)
            elif name == "wait_version":
                result = await pool.wait_version(**kwargs)
            elif name == "clear":
                pool.clear_records()
                result = {}
            elif name == "collect":
                result = pool.collect()
            elif name == "close_some":
                result = pool.close_some(**kwargs)
            elif name == "close_all":
                result = await pool.close_all(**kwargs)
            elif name == "storm":
                result = await pool.storm(**kwargs)
            elif name == "http_load":
                result = await pool.http_load(**kwargs)
            elif name == "ping":
                result = {"pong": time.time()}
            else:
                result = {"error": f"unknown command {name}"}
        except Exception as exc:  # noqa: BLE001 — report any failure to the orchestrator
            result = {"error": f"{type(exc).__name__}: {exc}"}
        conn.send(result)

    def on_command():
        try:
            name, kwargs = conn.recv()
        except EOFError:
            if not done.done():
                done.set_result(None)
            return
        loop.create_task(run(name, kwargs))

    loop.add_reader(conn.fileno(), on_command)
    loop.run_until_complete(done)
    loop.remove_reader(conn.fileno())
    loop.close()
