"""(c)'s traffic: finalise one attempt per second so the board changes.

Each tick, half-way between two of the hub's ticks (they fire on whole
seconds of the monotonic clock, see contests.live.hub.Hub._tick_forever), a new
person finishes an attempt and `contests.live.events.attempt_finalised` runs as
the attempt services run it after commit: standings updated, the round's
and contest's boards marked changed, the participant's own sockets told.
So every hub tick sees exactly one change and publishes one snapshot.

Usage: python bench/live/driver.py ROUND_ID BLOCK_ID TICKS
Prints one JSON line per finalised attempt.
"""

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.common import django_setup


def main():
    round_id, block_id, ticks = (int(a) for a in sys.argv[1:4])
    phase = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
    django_setup()

    from django.utils import timezone

    from accounts.models import Agency
    from bench.live.seed import finished_attempt, make_people
    from contests.live import events
    from contests.models import Block, Round

    rng = random.Random()
    round = Round.objects.select_related("contest").get(pk=round_id)
    block = Block.objects.get(pk=block_id)
    agencies = list(Agency.objects.filter(parent__isnull=False)[:5])
    people = make_people(prefix=f"drv{time.time_ns()}-", count=ticks, agencies=agencies, rng=rng)
    print(json.dumps({"ready": len(people)}), flush=True)
    for user in people:
        time.sleep((phase - time.monotonic() % 1) % 1 or 1)
        # A perfect score, so the newcomer often enters the top 20.
        attempt = finished_attempt(round, block, user, rng=rng, finished_at=timezone.now(), correct=20)
        attempt.save()
        events.attempt_finalised(attempt)
        print(json.dumps({"finalised": attempt.pk, "at": time.time()}), flush=True)


if __name__ == "__main__":
    main()
