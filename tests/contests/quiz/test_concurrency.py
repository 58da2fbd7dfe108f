"""Integrity under concurrency, on PostgreSQL: threads with their own
connections hammer start, save, submit and the expiry sweep at once."""

import contextlib
import os
import threading
from datetime import timedelta

import pytest
from django.db import connection

from contests.models import Attempt, AttemptQuestion, Round
from contests.quiz import answers, attempts
from tests.contests.conftest import NOW, correct_tokens, wrong_tokens
from tests.factories import make_user

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="concurrency tests need PostgreSQL: set DATABASE_URL=postgres://… (SQLite serialises writers)",
    ),
]
THREADS = 8


def hammer(count, work):
    """Run work(i) in `count` threads released together; results and errors by index."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 — reported by the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def test_simultaneous_starts_return_one_attempt(charlie, round):
    results, errors = hammer(THREADS, lambda i: attempts.start_attempt(user=charlie, round=round, now=NOW).pk)
    assert errors == [None] * THREADS
    assert len(set(results)) == 1
    assert Attempt.objects.filter(user=charlie).count() == 1
    assert AttemptQuestion.objects.count() == 5


def test_the_attempt_limit_holds_under_concurrent_starts(charlie, round):
    Round.objects.filter(pk=round.pk).update(max_attempts=3)

    def work(i):
        done = 0
        for n in range(4):
            try:
                attempt = attempts.start_attempt(user=charlie, round=round, now=NOW + timedelta(minutes=n))
            except attempts.AttemptLimit:
                return done
            with contextlib.suppress(attempts.AttemptError):
                attempts.submit_attempt(
                    attempt=attempt, user=charlie, prediction=1, now=NOW + timedelta(minutes=n, seconds=30)
                )
            done += 1
        return done

    results, errors = hammer(THREADS, work)
    assert errors == [None] * THREADS
    assert Attempt.objects.filter(user=charlie).count() == 3
    assert sorted(Attempt.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).count() <= 1
    assert Attempt.objects.filter(counted=True).count() <= 1


def test_simultaneous_submits_finalise_once(charlie, round):
    attempt = attempts.start_attempt(user=charlie, round=round, now=NOW)
    for position in (1, 2, 3):
        answers.save_answer(
            attempt=attempt,
            user=charlie,
            position=position,
            tokens=correct_tokens(attempt, position),
            now=NOW,
        )
    at = NOW + timedelta(minutes=2)
    results, errors = hammer(
        THREADS,
        lambda i: attempts.submit_attempt(
            attempt=attempt.pk, user=charlie, prediction=i + 1, now=at + timedelta(milliseconds=i)
        ),
    )
    assert errors == [None] * THREADS
    assert sum(1 for a in results if getattr(a, "finalised_now", False)) == 1
    assert {(a.correct_count, a.finished_at, a.prediction) for a in results} == {
        (results[0].correct_count, results[0].finished_at, results[0].prediction)
    }
    final = Attempt.objects.get()
    assert final.status == Attempt.Status.SUBMITTED and final.correct_count == 3 and final.counted


def test_an_acknowledged_answer_is_never_lost_to_a_racing_finalisation(charlie, round):
    """Five threads each own one question and keep changing its answer while a
    sixth submits: the last answer each thread saw acknowledged is the one
    stored and scored; every later save was refused."""
    attempt = attempts.start_attempt(user=charlie, round=round, now=NOW)
    options = {p: [correct_tokens(attempt, p), wrong_tokens(attempt, p)] for p in range(1, 6)}
    last_acknowledged = {}

    def work(i):
        if i == 0:
            return attempts.submit_attempt(
                attempt=attempt.pk, user=charlie, prediction=1, now=NOW + timedelta(minutes=1)
            )
        for n in range(40):
            tokens = options[i][n % 2]
            try:
                answers.save_answer(
                    attempt=attempt.pk,
                    user=charlie,
                    position=i,
                    tokens=tokens,
                    now=NOW + timedelta(seconds=30),
                )
            except (attempts.AttemptFinished, attempts.DeadlinePassed):
                return n
            last_acknowledged[i] = tokens
        return 40

    results, errors = hammer(6, work)
    assert errors == [None] * 6
    final = Attempt.objects.get()
    assert final.status == Attempt.Status.SUBMITTED
    rows = {r.position: r for r in AttemptQuestion.objects.filter(attempt=final)}
    for position, tokens in last_acknowledged.items():
        row = rows[position]
        stored = [c["t"] for c in row.choices if c["o"] in row.selected]
        assert stored == tokens, f"the last acknowledged answer to question {position} was lost"
        assert row.is_correct == (tokens == options[position][0])
    assert final.correct_count == sum(1 for r in rows.values() if r.is_correct)


def test_several_sweepers_finalise_each_expired_attempt_once(tree, round):
    people = [make_user(f"p{n}@example.vn", agency=tree["commune"]) for n in range(10)]
    for person in people:
        attempts.start_attempt(user=person, round=round, now=NOW)
    later = NOW + timedelta(minutes=30)
    results, errors = hammer(4, lambda i: attempts.finalise_expired(now=later))
    assert errors == [None] * 4
    assert sum(results) == 10
    assert Attempt.objects.filter(status=Attempt.Status.EXPIRED, counted=True).count() == 10
