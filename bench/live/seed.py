"""Seed the benchmark database: one public contest, an open round, one block,
`--entries` finished and counted attempts (so the top 20 is full), their
standings in Redis, and the board's current snapshot as a template for the
raw and stock servers.

Run inside the project (DATABASE_URL / REDIS_URL / REDIS_PREFIX set by the
orchestrator); prints one JSON object.
"""

import argparse
import json
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.common import django_setup

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Xuân", "Thu"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Phúc",
    "Tâm",
]
AGENCIES = [
    ("so-noi-vu", "Sở Nội vụ"),
    ("so-tu-phap", "Sở Tư pháp"),
    ("ubnd-tuy-phuoc", "UBND huyện Tuy Phước"),
    ("ubnd-phu-cat", "UBND huyện Phù Cát"),
    ("so-gddt", "Sở Giáo dục và Đào tạo"),
]


def vietnamese_name(rng):
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def make_people(*, prefix, count, agencies, rng):
    from accounts.models import User

    users = [
        User(
            email=f"{prefix}{i}@bench.example.vn",
            password="!",
            full_name=vietnamese_name(rng),
            kind=User.Kind.OFFICIAL,
            agency=agencies[i % len(agencies)],
        )
        for i in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=2000)


def finished_attempt(round, block, user, *, rng, finished_at, number=1, correct=None):
    from contests.models import Attempt
    from contests.rules import ranking

    if correct is None:
        correct = rng.choice([20] * 6 + [19] * 3 + [18, 17, 15, 12])
    duration = rng.randint(45_000, 1_200_000)
    unit = ranking.finish_unit_ms(int((round.closes_at - round.opens_at).total_seconds() * 1000))
    entry = ranking.Entry(
        user_id=user.pk,
        correct=correct,
        duration_ms=duration,
        finished_offset_ms=int((finished_at - round.opens_at).total_seconds() * 1000),
    )
    return Attempt(
        round=round,
        block=block,
        user=user,
        number=number,
        status=Attempt.Status.SUBMITTED,
        started_at=finished_at - timedelta(milliseconds=duration),
        finished_at=finished_at,
        duration_ms=duration,
        question_count=round.questions_per_attempt,
        answered_count=round.questions_per_attempt,
        correct_count=correct,
        score=round_score(correct, round.questions_per_attempt),
        counted=True,
        live_score=ranking.encode_score(entry, unit),
    )


def round_score(correct, total):
    return round(100 * correct / total, 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()
    django_setup()

    from django.utils import timezone

    from accounts import services as account_services
    from contests.live import boards, standings
    from contests.live import hub as live
    from contests.models import Attempt, Block, Contest, Round

    rng = random.Random(20261126)
    province = account_services.create_agency(name="UBND tỉnh Bình Định", code="binh-dinh", kind="province")
    agencies = [
        account_services.create_agency(name=name, code=code, parent=province, headcount=200)
        for code, name in AGENCIES
    ]
    contest = Contest.objects.create(
        owner_agency=province,
        title="Cuộc thi trực tuyến tìm hiểu về cải cách hành chính (benchmark)",
        slug="bench-live",
        status=Contest.Status.PUBLISHED,
        audience_officials=True,
        audience_citizens=True,
        leaderboard=Contest.Leaderboard.LIVE,
        name_display=Contest.NameDisplay.MASKED,
    )
    now = timezone.now()
    round = Round.objects.create(
        contest=contest,
        number=1,
        title="Tuần thi thứ nhất",
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=5),
        questions_per_attempt=20,
        time_limit_minutes=20,
    )
    block = Block.objects.create(
        contest=contest, name="Khối CBCCVC", code="cbccvc", participant_kind="official"
    )
    people = make_people(prefix="seed", count=args.entries, agencies=agencies, rng=rng)
    attempts = [
        finished_attempt(
            round, block, user, rng=rng, finished_at=now - timedelta(seconds=rng.randint(60, 86_400))
        )
        for user in people
    ]
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    backend = standings.get_backend()
    if backend.name == "redis":
        backend.rebuild_round(round_id=round.pk)
    payload = boards.round_board(round_id=round.pk, block_id=block.pk, staff=False)
    payload["version"] = 0
    print(
        json.dumps(
            {
                "contest_id": contest.pk,
                "round_id": round.pk,
                "block_id": block.pk,
                "agency_ids": [a.pk for a in agencies],
                "board_key": boards.board_key(round_id=round.pk, block_id=block.pk, staff=False),
                "ws_path": f"/ws/rounds/{round.pk}/blocks/{block.pk}/board/",
                "payload": payload,
                "payload_bytes": len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()),
                "standings_backend": backend.name,
                "live_prefix": live._prefix(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
