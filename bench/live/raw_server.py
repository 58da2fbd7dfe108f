"""(a) The ceiling: a bare `websockets` server that broadcasts the board.

Every connection gets the current snapshot on connect; then, on command,
the server sends a new snapshot to all connections once per second with
`websockets.broadcast()` (one frame built per message, written to every
socket, slow sockets skipped rather than awaited). Same top-20 payload as
the Django board; no compression (Daphne offers none either).

Usage: python bench/live/raw_server.py PORT PAYLOAD.json
Commands on stdin, one per line: "tick N" (N snapshots at 1 Hz, each
announced on stdout as a JSON line), "quit".
"""

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.server import broadcast, serve

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.common import raise_nofile


def snapshot(template, version):
    payload = dict(template)
    payload["generated_at"] = datetime.now(UTC).isoformat()
    payload["version"] = version
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")), payload["generated_at"]


async def main(port, template):
    raise_nofile()
    state = {"text": snapshot(template, 0)[0], "version": 0}

    async def handler(connection):
        await connection.send(state["text"])
        await connection.wait_closed()

    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        ping_interval=None,
        max_queue=1,
        backlog=4096,
    ) as server:
        print(json.dumps({"ready": port}), flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line == "quit":
                break
            if line.startswith("tick"):
                count = int(line.split()[1])
                for _ in range(count):
                    await asyncio.sleep(1 - (time.monotonic() % 1))
                    state["version"] += 1
                    state["text"], generated = snapshot(template, state["version"])
                    started = time.perf_counter()
                    broadcast(server.connections, state["text"])
                    spent = time.perf_counter() - started
                    line = {"version": state["version"], "generated_at": generated, "broadcast_s": spent}
                    print(json.dumps(line), flush=True)
                print(json.dumps({"ticks_done": count}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())))
