"""(b)'s publisher: `group_send` the top-20 board to the tutorial consumers'
group once per second, on whole seconds of the monotonic clock.

Usage: python bench/live/stock_publisher.py PAYLOAD.json TICKS
Prints one JSON line per group_send, then {"ticks_done": TICKS}.
"""

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.common import django_setup

GROUP = "bench-board"  # bench.live.stock_asgi.GROUP (not imported: that module builds the ASGI app)


async def publish(template, ticks):
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    for version in range(1, ticks + 1):
        await asyncio.sleep(1 - (time.monotonic() % 1))
        payload = dict(template, generated_at=datetime.now(UTC).isoformat(), version=version)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        started = time.perf_counter()
        await layer.group_send(GROUP, {"type": "board.update", "text": text})
        spent = time.perf_counter() - started
        line = {"version": version, "generated_at": payload["generated_at"], "group_send_s": spent}
        print(json.dumps(line), flush=True)
    print(json.dumps({"ticks_done": ticks}), flush=True)


if __name__ == "__main__":
    django_setup()
    asyncio.run(publish(json.loads(Path(sys.argv[1]).read_text()), int(sys.argv[2])))
