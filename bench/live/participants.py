"""Prepare the deadline spike's participants for the quiz JSON API.

Loads the demo contest (`manage.py load_demo`: question bank, open weekly
round with draw rules), creates N citizens with complete profiles, starts an
attempt for each through the attempt service (as `POST /api/rounds/<id>/start/`
would) and logs each in by writing a Django session row directly. Prints, per
participant, what the load generator sends: the session cookie, a CSRF secret
(cookie and X-CSRFToken header), `PUT /api/attempts/<id>/answers/1/` and a
valid body.

Prints {"ok": false, "reason": ...} when the API cannot be used yet (it is
being written alongside this benchmark); the orchestrator then falls back to
GET /healthz.

Usage: python bench/live/participants.py N
"""

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.common import django_setup


def prepare(n):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.models import User
    from contests.models import Attempt, AttemptQuestion, Round
    from contests.quiz import attempts

    started = time.monotonic()
    now = timezone.now()
    call_command("load_demo", "--force", verbosity=0)  # our throw-away database
    round = (
        Round.objects.filter(
            opens_at__lte=now, closes_at__gt=now, is_practice=False, contest__audience_citizens=True
        )
        .order_by("opens_at")
        .first()
    )
    if round is None:
        return {"ok": False, "reason": "the demo data has no open round for citizens"}
    tag = get_random_string(6).lower()
    people = User.objects.bulk_create(
        [
            User(
                email=f"spike-{tag}-{i}@bench.example.vn",
                password="!",
                full_name=f"Trần Thị Bench {i}",
                date_of_birth=date(1990, 1, 1),
                gender=User.Gender.FEMALE,
                phone="0912345678",
                kind=User.Kind.CITIZEN,
                province_code=52,
                ward_code=21583,
                cccd_hash=get_random_string(64).lower(),
                cccd_last3=f"{i % 1000:03d}",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    # One attempt through the service (as POST /api/rounds/<id>/start/ does);
    # the others are its copies, written in bulk: the service takes ~0.2 s a
    # start on this box, too slow to prepare 2,000 inside the time budget.
    template = attempts.start_attempt(user=people[0], round=round)
    questions = list(AttemptQuestion.objects.filter(attempt=template).order_by("position"))
    copied = Attempt.objects.bulk_create(
        [clone(template, user=u, exclude={"id"}) for u in people[1:]], batch_size=1000
    )
    started_attempts = [template, *copied]
    AttemptQuestion.objects.bulk_create(
        [clone(q, attempt=a, exclude={"id"}) for a in copied for q in questions], batch_size=5000
    )
    tokens = {a.pk: questions[0].choices for a in started_attempts}
    store = SessionStore()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = now + timedelta(days=1)
    sessions, out = [], []
    for user, attempt in zip(people, started_attempts, strict=True):
        key = get_random_string(32).lower()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        out.append(
            {
                "session": key,
                "csrf": get_random_string(32),
                "path": reverse("api:attempt-answer", args=[attempt.pk, 1]),
                "body": {"choices": [tokens[attempt.pk][0]["t"]]},
            }
        )
    Session.objects.bulk_create(sessions, batch_size=1000)
    return {
        "ok": True,
        "round_id": round.pk,
        "prepare_s": round_s(time.monotonic() - started),
        "participants": out,
    }


def clone(instance, *, exclude, **changes):
    """An unsaved copy of a model instance with some fields changed."""
    fields = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname not in exclude
    }
    for name, value in changes.items():
        fields.pop(f"{name}_id", None)
        fields[name] = value
    return type(instance)(**fields)


def round_s(seconds):
    return round(seconds, 1)


def main():
    django_setup()
    try:
        result = prepare(int(sys.argv[1]))
    except Exception as exc:  # noqa: BLE001 — report why, the orchestrator falls back
        result = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"[:500]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
