"""Closing an open round early: the confirmation page, the service, and what
happens to the attempts in progress."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contests.live import standings
from contests.models import Attempt, AttemptQuestion, Contest, Round
from contests.quiz import answers, attempts, closing
from contests.rules import ranking, timer
from contests.setup import services
from tests.contests.conftest import NOW, OPENS, answer, correct_tokens, make_round
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GRACE = timer.ANSWER_GRACE


@pytest.fixture(autouse=True)
def _own_redis_keys(settings):
    """Boards touched after commit use keys of this test only (Redis mode)."""
    settings.REDIS_PREFIX = f"close{uuid.uuid4().hex[:8]}"
    yield
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=settings.REDIS_PREFIX + ":*"):
            client.delete(key)


def close_url(round):
    return reverse(
        "contests:organize-round-close", kwargs={"contest_id": round.contest_id, "round_id": round.pk}
    )


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def closes_at(round):
    return Round.objects.values_list("closes_at", flat=True).get(pk=round.pk)


# --- the action --------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_it_closes_an_open_round_now(client, alice, charlie, round, django_capture_on_commit_callbacks):
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(close_url(round), follow=True)
    assert response.redirect_chain[0] == (
        reverse("contests:award-round", kwargs={"contest_id": round.contest_id, "round_id": round.pk}),
        302,
    )
    assert "The round is closed." in response.content.decode()
    assert closes_at(round) == NOW
    with pytest.raises(attempts.RoundNotOpen, match="This round has closed."):
        attempts.start_attempt(user=charlie, round=round)
    assert not Attempt.objects.exists()


def test_the_round_records_when_and_by_whom_it_was_closed_early(client, alice, round, contest):
    round_pages = [
        reverse("contests:organize-detail", kwargs={"contest_id": contest.pk}),
        reverse("contests:organize-round-live", kwargs={"contest_id": contest.pk, "round_id": round.pk}),
        reverse("contests:award-round", kwargs={"contest_id": contest.pk, "round_id": round.pk}),
    ]
    login(client, alice)
    with time_machine.travel(NOW, tick=False):
        for url in round_pages:  # nothing to say before
            assert "Closed early" not in client.get(url).content.decode()
        client.post(close_url(round))
        recorded = Round.objects.get(pk=round.pk)
        assert (recorded.closed_early_at, recorded.closed_early_by) == (NOW, alice)
        when = timezone.localtime(NOW).strftime("%H:%M:%S %d/%m/%Y")
        for url in round_pages:
            page = client.get(url).content.decode()
            assert f"Closed early at {when} by {alice.full_name}." in page, url
        vietnamese = client.get(round_pages[0], HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert f"Đã kết thúc sớm lúc {when}, do {alice.full_name} thực hiện." in vietnamese
    # Once the organiser's account is gone (SET_NULL), the time alone is shown.
    Round.objects.filter(pk=round.pk).update(closed_early_by=None)
    with time_machine.travel(NOW, tick=False):
        page = client.get(round_pages[0]).content.decode()
    assert f"Closed early at {when}." in page


def test_a_refused_close_records_nothing(client, alice, round):
    login(client, alice)
    with time_machine.travel(round.opens_at - timedelta(hours=1), tick=False):
        client.post(close_url(round))
    recorded = Round.objects.get(pk=round.pk)
    assert recorded.closed_early_at is None and recorded.closed_early_by is None


def test_the_confirmation_page_says_what_happens(client, alice, charlie, round):
    attempts.start_attempt(user=charlie, round=round, now=NOW - timedelta(minutes=2))
    login(client, alice)
    with time_machine.travel(NOW, tick=False):
        page = client.get(close_url(round)).content.decode()
    assert "The 1 attempt in progress ends now." in page
    assert "accepted for 2 more seconds" in page
    assert "finalised on its results page" in page
    assert f'action="{close_url(round)}"' in page and "csrfmiddlewaretoken" in page
    assert closes_at(round) != NOW  # a GET changes nothing


def test_the_contest_and_round_pages_offer_the_action_for_an_open_round_only(client, alice, round, contest):
    upcoming = make_round(
        contest,
        topic=round.draw_rules.get().topic,
        number=2,
        opens=NOW + timedelta(days=7),
        closes=NOW + timedelta(days=14),
    )
    login(client, alice)
    with time_machine.travel(NOW, tick=False):
        detail = client.get(reverse("contests:organize-detail", kwargs={"contest_id": contest.pk}))
        live = client.get(
            reverse("contests:organize-round-live", kwargs={"contest_id": contest.pk, "round_id": round.pk})
        )
        edit = client.get(
            reverse(
                "contests:organize-round-edit", kwargs={"contest_id": contest.pk, "round_id": upcoming.pk}
            )
        )
    assert close_url(round) in detail.content.decode()
    assert close_url(upcoming) not in detail.content.decode()
    assert close_url(round) in live.content.decode()
    assert close_url(upcoming) not in edit.content.decode()


# --- attempts in progress ----------------------------------------------------------------------


def test_an_attempt_in_progress_ends_at_the_close_with_its_saved_answers(alice, charlie, round):
    attempt = attempts.start_attempt(user=charlie, round=round, now=NOW - timedelta(minutes=3))
    answer(attempt, charlie, right=2, now=NOW - timedelta(minutes=1), positions=[1, 2])
    with time_machine.travel(NOW, tick=False):
        closing.close_round(actor=alice, round=round)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.deadline) == (Attempt.Status.IN_PROGRESS, NOW)

    # Within the announced grace, an answer already on its way is still taken.
    answers.save_answer(
        attempt=attempt, user=charlie, position=3, tokens=correct_tokens(attempt, 3), now=NOW + GRACE
    )
    with pytest.raises(attempts.DeadlinePassed, match="Time is up: answers are no longer accepted."):
        answers.save_answer(
            attempt=attempt,
            user=charlie,
            position=4,
            tokens=correct_tokens(attempt, 4),
            now=NOW + GRACE + timedelta(milliseconds=1),
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert (attempt.answered_count, attempt.correct_count, attempt.finished_at) == (3, 3, NOW)
    assert attempt.counted and attempt.live_score is not None
    assert not AttemptQuestion.objects.filter(attempt=attempt, position=4).exclude(answered_at=None).exists()


def test_the_periodic_command_finalises_what_was_in_progress(alice, charlie, dan, round, capsys):
    first = attempts.start_attempt(user=charlie, round=round, now=NOW - timedelta(minutes=3))
    answer(first, charlie, right=1, now=NOW - timedelta(minutes=2), positions=[1])
    second = attempts.start_attempt(user=dan, round=round, now=NOW - timedelta(minutes=1))
    preview = attempts.start_attempt(user=alice, round=round, now=NOW - timedelta(minutes=1), preview=True)
    with time_machine.travel(NOW, tick=False):
        closing.close_round(actor=alice, round=round)
    with time_machine.travel(NOW + GRACE, tick=False):
        call_command("finalise_expired")
    assert "Finalised 0 expired attempt" in capsys.readouterr().out  # not before the grace is over
    with time_machine.travel(NOW + GRACE + timedelta(seconds=1), tick=False):
        call_command("finalise_expired")
    assert "Finalised 2 expired attempt" in capsys.readouterr().out
    first.refresh_from_db()
    second.refresh_from_db()
    preview.refresh_from_db()
    assert (first.status, first.correct_count, first.finished_at) == (Attempt.Status.EXPIRED, 1, NOW)
    assert (second.status, second.answered_count) == (Attempt.Status.EXPIRED, 0)
    # An organiser's preview keeps its own time: it is never counted.
    assert (preview.status, preview.deadline) == (
        Attempt.Status.IN_PROGRESS,
        NOW - timedelta(minutes=1) + timedelta(minutes=round.time_limit_minutes),
    )


def test_an_attempt_whose_deadline_was_not_pulled_back_still_ends_at_the_close(alice, charlie, dan, round):
    """A start that committed while the round was being closed keeps a deadline
    past the close: the engine ends it at the close all the same."""
    late = attempts.start_attempt(user=charlie, round=round, now=NOW - timedelta(minutes=1))
    preview = attempts.start_attempt(user=alice, round=round, now=NOW - timedelta(minutes=1), preview=True)
    Round.objects.filter(pk=round.pk).update(closes_at=NOW)  # as if closed, deadlines untouched
    late.refresh_from_db()
    assert late.deadline > NOW + GRACE

    with pytest.raises(attempts.DeadlinePassed):
        answers.save_answer(
            attempt=late, user=charlie, position=1, tokens=correct_tokens(late, 1), now=NOW + GRACE * 2
        )
    late.refresh_from_db()
    assert (late.status, late.finished_at) == (Attempt.Status.EXPIRED, NOW)
    # The preview is not cut short, and the periodic finaliser leaves it alone.
    answers.save_answer(
        attempt=preview, user=alice, position=1, tokens=correct_tokens(preview, 1), now=NOW + GRACE * 2
    )
    assert attempts.finalise_expired(now=NOW + GRACE * 2) == 0
    preview.refresh_from_db()
    assert preview.status == Attempt.Status.IN_PROGRESS


def test_a_leaderboard_freeze_after_the_close_moves_to_the_close(alice, round):
    Round.objects.filter(pk=round.pk).update(freeze_at=NOW + timedelta(days=5))
    with time_machine.travel(NOW, tick=False):
        closed = closing.close_round(actor=alice, round=round)
    assert closed.freeze_at == NOW
    assert Round.objects.get(pk=round.pk).freeze_at == NOW


def test_closing_a_long_round_early_rescores_its_board(
    alice, charlie, contest, topic, bank, django_capture_on_commit_callbacks
):
    long_round = make_round(contest, topic=topic, closes=OPENS + timedelta(days=30))
    attempt = attempts.start_attempt(user=charlie, round=long_round, now=NOW)
    answer(attempt, charlie, right=2, now=NOW + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        attempts.submit_attempt(attempt=attempt, user=charlie, prediction=10, now=NOW + timedelta(minutes=2))
    before = Attempt.objects.get(pk=attempt.pk).live_score
    with (
        time_machine.travel(NOW + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        closing.close_round(actor=alice, round=long_round)
    attempt.refresh_from_db()
    expected = ranking.live_score(
        user_id=charlie.pk,
        correct=2,
        duration_ms=attempt.duration_ms,
        finished_at=attempt.finished_at,
        opens_at=OPENS,
        closes_at=NOW + timedelta(hours=1),
    )
    assert attempt.live_score == expected != before  # the finish unit went from 2 s to 1 s
    top = standings.get_backend().top(round_id=long_round.pk, block_id=None, n=5)
    assert top == [(charlie.pk, expected)]


def test_a_practice_round_closes_the_same_way(client, alice, charlie, contest, topic, bank):
    practice = make_round(contest, topic=topic, is_practice=True, prediction_target="", max_attempts=None)
    attempt = attempts.start_attempt(user=charlie, round=practice, now=NOW - timedelta(minutes=30))
    login(client, alice)
    with time_machine.travel(NOW, tick=False):
        response = client.post(close_url(practice), follow=True)
    assert response.redirect_chain == [
        (reverse("contests:organize-detail", kwargs={"contest_id": contest.pk}), 302)
    ]
    assert "The practice round is closed." in response.content.decode()
    assert attempts.finalise_expired(now=NOW + GRACE) == 0
    assert attempts.finalise_expired(now=NOW + GRACE + timedelta(seconds=1)) == 1
    attempt.refresh_from_db()
    assert (attempt.status, attempt.finished_at) == (Attempt.Status.EXPIRED, NOW)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "change", "message"),
    [
        (OPENS - timedelta(minutes=1), None, "This round has not opened yet; to move it, change its dates."),
        (NOW + timedelta(days=7), None, "This round has already closed."),
        (NOW, Contest.Status.DRAFT, "The contest is still a draft"),
        (NOW, Contest.Status.CLOSED, "This contest is closed"),
    ],
)
def test_it_refuses_a_round_that_is_not_open(client, alice, round, when, change, message):
    if change:
        Contest.objects.filter(pk=round.contest_id).update(status=change)
    before = closes_at(round)
    login(client, alice)
    with time_machine.travel(when, tick=False):
        response = client.post(close_url(round), follow=True)
    assert response.redirect_chain == [(close_url(round), 302)]
    page = response.content.decode()
    assert message in page
    assert f'action="{close_url(round)}"' not in page  # no button to close it
    assert closes_at(round) == before
    with pytest.raises(services.ContestError, match=message):
        closing.close_round(actor=alice, round=round, now=when)


@pytest.mark.parametrize("who", ["charlie", "bob"])
@pytest.mark.parametrize(("citizens", "status"), [(True, 403), (False, 404)])
def test_others_may_not_close_it(client, request, round, who, citizens, status):
    Contest.objects.filter(pk=round.contest_id).update(audience_citizens=citizens)
    user = request.getfixturevalue(who)
    login(client, user)
    before = closes_at(round)
    with time_machine.travel(NOW, tick=False):
        assert client.post(close_url(round)).status_code == status
        assert client.get(close_url(round)).status_code == status
        with pytest.raises(services.PermissionDenied):
            closing.close_round(actor=user, round=round)
    assert closes_at(round) == before


def test_anonymous_visitors_are_sent_to_log_in(client, round):
    response = client.post(close_url(round))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert closes_at(round) != NOW


def test_it_changes_only_on_post_with_the_csrf_token(client, alice, round):
    login(client, alice)
    strict = login(Client(enforce_csrf_checks=True), alice)
    with time_machine.travel(NOW, tick=False):
        assert client.put(close_url(round)).status_code == 405
        assert strict.post(close_url(round)).status_code == 403
    assert closes_at(round) != NOW
