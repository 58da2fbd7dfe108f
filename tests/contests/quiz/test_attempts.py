"""The attempt engine: start, resume, save, submit, deadlines, limits, counting."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from contests.models import Attempt, AttemptQuestion, Contest, Round
from contests.quiz import answers, attempts
from contests.rules import timer
from questionbank.models import Option, QuestionVersion
from tests.contests.conftest import NOW, answer, correct_tokens, make_round, wrong_tokens
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def start(user, round, now=NOW, **kwargs):
    return attempts.start_attempt(user=user, round=round, now=now, **kwargs)


def submitted(user, round, *, right, now=NOW, took=timedelta(minutes=3), prediction=100):
    attempt = start(user, round, now=now)
    answer(attempt, user, right=right, now=now + took / 2)
    return attempts.submit_attempt(attempt=attempt, user=user, prediction=prediction, now=now + took)


# --- start ------------------------------------------------------------------------------------


def test_it_starts_an_attempt_with_drawn_questions_and_opaque_choices(charlie, round):
    attempt = start(charlie, round)
    assert attempt.created and attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.number == 1 and attempt.block.code == "cbccvc"
    assert attempt.started_at == NOW and attempt.deadline == NOW + timedelta(minutes=10)
    rows = list(attempt.questions.order_by("position"))
    assert [r.position for r in rows] == [1, 2, 3, 4, 5]
    assert len({r.version_id for r in rows}) == 5
    option_ids = set(Option.objects.values_list("id", flat=True))
    for row in rows:
        tokens = [c["t"] for c in row.choices]
        assert len(set(tokens)) == len(tokens)
        assert all(len(t) == 8 and not t.isdigit() for t in tokens)
        assert not {t for t in tokens if t.isdigit() and int(t) in option_ids}
        assert {c["o"] for c in row.choices} == set(
            Option.objects.filter(version_id=row.version_id).values_list("id", flat=True)
        )
    assert all(QuestionVersion.objects.get(pk=r.version_id).used_at == NOW for r in rows)


def test_it_resumes_the_attempt_in_progress(charlie, round):
    first = start(charlie, round)
    again = start(charlie, round, now=NOW + timedelta(minutes=2))
    assert again.pk == first.pk and again.created is False
    assert Attempt.objects.count() == 1
    assert list(again.questions.values_list("choices", flat=True)) == list(
        first.questions.values_list("choices", flat=True)
    )


def test_it_never_lets_the_deadline_pass_the_close_of_the_round(charlie, round):
    late = round.closes_at - timedelta(minutes=4)
    attempt = start(charlie, round, now=late)
    assert attempt.deadline == round.closes_at


def test_it_refuses_a_round_that_is_not_open(charlie, round):
    with pytest.raises(attempts.RoundNotOpen, match="opens at"):
        start(charlie, round, now=round.opens_at - timedelta(seconds=1))
    with pytest.raises(attempts.RoundNotOpen, match="closed"):
        start(charlie, round, now=round.closes_at)
    Contest.objects.filter(pk=round.contest_id).update(status=Contest.Status.DRAFT)
    with pytest.raises(attempts.RoundNotOpen, match="not open for entries"):
        start(charlie, round)
    assert not Attempt.objects.exists()


def test_it_refuses_an_incomplete_profile_and_says_what_is_missing(tree, round):
    newcomer = make_user("moi@example.vn", complete=False)
    with pytest.raises(attempts.NotEligible) as caught:
        start(newcomer, round)
    problems = caught.value.details["problems"]
    assert "date of birth" in problems[0] and "citizen ID number (CCCD)" in problems[0]
    assert not Attempt.objects.exists()


def test_it_refuses_when_the_question_pool_is_too_small(charlie, contest, topic, bank):
    round = make_round(contest, topic=topic, count=5)
    round.draw_rules.update(count=50)
    with pytest.raises(attempts.RoundNotReady):
        start(charlie, round)
    assert not Attempt.objects.exists()


def test_it_keeps_true_false_options_in_the_authors_order(charlie, round):
    attempt = start(charlie, round)
    for row in attempt.questions.select_related("version"):
        if row.version.kind == "truefalse":
            texts = [Option.objects.get(pk=c["o"]).text for c in row.choices]
            assert texts == ["Đúng", "Sai"]


def test_it_keeps_the_authors_order_when_the_round_does_not_shuffle(charlie, round):
    Round.objects.filter(pk=round.pk).update(shuffle_options=False)
    attempt = start(charlie, round)
    for row in attempt.questions.all():
        positions = [Option.objects.get(pk=c["o"]).position for c in row.choices]
        assert positions == sorted(positions)


# --- limits -----------------------------------------------------------------------------------


def test_it_allows_the_rounds_number_of_attempts(charlie, round):
    for n in range(3):
        submitted(charlie, round, right=n, now=NOW + timedelta(hours=n))
    with pytest.raises(attempts.AttemptLimit, match="3 attempts per round") as caught:
        start(charlie, round, now=NOW + timedelta(hours=5))
    assert caught.value.details == {"limit": 3, "per": "round"}
    assert Attempt.objects.count() == 3


def test_it_allows_attempts_per_vietnamese_day(charlie, round):
    Round.objects.filter(pk=round.pk).update(max_attempts=None, max_attempts_per_day=1)
    round.refresh_from_db()
    # NOW is 10:00 in Việt Nam; the Vietnamese day ends at 17:00 UTC.
    submitted(charlie, round, right=1)
    with pytest.raises(attempts.AttemptLimit, match="1 attempt per day"):
        start(charlie, round, now=NOW.replace(hour=16, minute=59))
    assert start(charlie, round, now=NOW.replace(hour=17, minute=0)).number == 2


def test_previews_do_not_use_up_attempts(alice, charlie, round):
    Round.objects.filter(pk=round.pk).update(max_attempts=1)
    round.refresh_from_db()
    preview = start(alice, round, preview=True)
    attempts.submit_attempt(attempt=preview, user=alice, now=NOW + timedelta(minutes=1))
    assert start(charlie, round).number == 1


# --- saving -----------------------------------------------------------------------------------


def test_it_saves_answers_and_the_last_write_wins(charlie, round):
    attempt = start(charlie, round)
    first, second = wrong_tokens(attempt, 1), correct_tokens(attempt, 1)
    saved = answers.save_answer(attempt=attempt, user=charlie, position=1, tokens=first, now=NOW)
    assert saved.answered_count == 1 and saved.saved_at == NOW
    answers.save_answer(
        attempt=attempt.pk, user=charlie, position=1, tokens=second, now=NOW + timedelta(seconds=5)
    )
    row = AttemptQuestion.objects.get(attempt=attempt, position=1)
    # (A multiple-answer question drawn at position 1 has several correct options.)
    assert row.selected == sorted(c["o"] for c in row.choices if c["t"] in second)
    assert row.answered_at == NOW + timedelta(seconds=5) and row.is_correct is None


def test_an_empty_choice_clears_the_answer(charlie, round):
    attempt = start(charlie, round)
    answers.save_answer(attempt=attempt, user=charlie, position=2, tokens=wrong_tokens(attempt, 2), now=NOW)
    saved = answers.save_answer(attempt=attempt, user=charlie, position=2, tokens=[], now=NOW)
    assert saved.answered_count == 0
    assert AttemptQuestion.objects.get(attempt=attempt, position=2).selected == []


def test_it_refuses_someone_elses_attempt(charlie, dan, round):
    attempt = start(charlie, round)
    with pytest.raises(attempts.AttemptNotFound):
        answers.save_answer(attempt=attempt, user=dan, position=1, tokens=correct_tokens(attempt, 1), now=NOW)
    with pytest.raises(attempts.AttemptNotFound):
        attempts.submit_attempt(attempt=attempt, user=dan, prediction=1, now=NOW)


def test_it_refuses_questions_and_choices_that_are_not_in_the_attempt(charlie, round):
    attempt = start(charlie, round)
    with pytest.raises(attempts.InvalidAnswer, match="no question 9"):
        answers.save_answer(attempt=attempt, user=charlie, position=9, tokens=[], now=NOW)
    other_option = Option.objects.exclude(
        version_id=AttemptQuestion.objects.get(attempt=attempt, position=1).version_id
    ).first()
    for bad in (["nope"], [str(other_option.pk)], "abc", [1]):
        with pytest.raises(attempts.InvalidAnswer):
            answers.save_answer(attempt=attempt, user=charlie, position=1, tokens=bad, now=NOW)
    assert not AttemptQuestion.objects.filter(attempt=attempt, answered_at__isnull=False).exists()


def test_a_single_choice_question_takes_one_answer_and_multiple_takes_several(charlie, round):
    attempt = start(charlie, round)
    for row in attempt.questions.select_related("version"):
        tokens = [c["t"] for c in row.choices[:2]]
        if row.version.kind == "multiple":
            answers.save_answer(attempt=attempt, user=charlie, position=row.position, tokens=tokens, now=NOW)
        else:
            with pytest.raises(attempts.InvalidAnswer, match="only one answer"):
                answers.save_answer(
                    attempt=attempt, user=charlie, position=row.position, tokens=tokens, now=NOW
                )


def test_it_accepts_answers_within_the_grace_and_refuses_them_after(charlie, round):
    attempt = start(charlie, round)
    in_grace = attempt.deadline + timer.ANSWER_GRACE
    answers.save_answer(
        attempt=attempt, user=charlie, position=1, tokens=correct_tokens(attempt, 1), now=in_grace
    )
    late = in_grace + timedelta(milliseconds=1)
    with pytest.raises(attempts.DeadlinePassed, match="Time is up"):
        answers.save_answer(
            attempt=attempt, user=charlie, position=2, tokens=correct_tokens(attempt, 2), now=late
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.correct_count == 1 and attempt.answered_count == 1
    assert attempt.finished_at == attempt.deadline and attempt.duration_ms == 10 * 60_000
    with pytest.raises(attempts.DeadlinePassed):
        answers.save_answer(
            attempt=attempt, user=charlie, position=2, tokens=correct_tokens(attempt, 2), now=late
        )


def test_it_refuses_answers_to_a_submitted_attempt(charlie, round):
    attempt = submitted(charlie, round, right=2)
    with pytest.raises(attempts.AttemptFinished):
        answers.save_answer(
            attempt=attempt, user=charlie, position=1, tokens=[], now=NOW + timedelta(minutes=5)
        )


# --- submitting -------------------------------------------------------------------------------


def test_it_scores_a_submitted_attempt(charlie, round):
    attempt = start(charlie, round)
    answer(attempt, charlie, right=3, now=NOW + timedelta(minutes=1), positions=[1, 2, 3, 4])
    done = attempts.submit_attempt(
        attempt=attempt, user=charlie, prediction="1 250", now=NOW + timedelta(minutes=4, milliseconds=321)
    )
    assert done.status == Attempt.Status.SUBMITTED
    assert (done.correct_count, done.answered_count, done.question_count) == (3, 4, 5)
    assert done.score == Decimal("60.00")
    assert done.duration_ms == 4 * 60_000 + 321
    assert done.prediction == Decimal(1250)
    assert done.counted and done.live_score is not None
    flags = dict(AttemptQuestion.objects.filter(attempt=attempt).values_list("position", "is_correct"))
    assert flags == {1: True, 2: True, 3: True, 4: False, 5: False}


def test_submitting_twice_changes_nothing(charlie, round):
    first = submitted(charlie, round, right=4, prediction=10)
    again = attempts.submit_attempt(
        attempt=first, user=charlie, prediction=99, now=NOW + timedelta(minutes=8)
    )
    assert again.pk == first.pk and again.prediction == Decimal(10) and again.finished_at == first.finished_at


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Answer the prediction question"),
        ("", "Answer the prediction question"),
        ("abc", "must be a number"),
        ("12,5", "whole number"),
        (-3, "cannot be negative"),
        (10**9 + 1, "more than 1,000,000,000"),
    ],
)
def test_it_validates_the_prediction(charlie, round, value, message):
    attempt = start(charlie, round)
    with pytest.raises(attempts.InvalidPrediction, match=message):
        attempts.submit_attempt(
            attempt=attempt, user=charlie, prediction=value, now=NOW + timedelta(minutes=1)
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_a_percentage_prediction_may_have_decimals_but_not_pass_100(charlie, round):
    Round.objects.filter(pk=round.pk).update(
        prediction_target=Round.PredictionTarget.PERFECT_PERCENT, prediction_decimal=True
    )
    attempt = start(charlie, round)
    with pytest.raises(attempts.InvalidPrediction, match="more than 100"):
        attempts.submit_attempt(attempt=attempt, user=charlie, prediction="100,5", now=NOW)
    done = attempts.submit_attempt(attempt=attempt, user=charlie, prediction="37,25", now=NOW)
    assert done.prediction == Decimal("37.25")


def test_an_optional_prediction_may_be_left_empty(charlie, round):
    Round.objects.filter(pk=round.pk).update(prediction_required=False)
    done = submitted(charlie, round, right=1, prediction="")
    assert done.prediction is None and done.status == Attempt.Status.SUBMITTED


def test_a_round_that_requires_every_answer_refuses_an_incomplete_submission(charlie, round):
    Round.objects.filter(pk=round.pk).update(must_answer_all=True)
    attempt = start(charlie, round)
    answer(attempt, charlie, right=3, now=NOW, positions=[1, 2, 4])
    with pytest.raises(attempts.Unanswered, match="questions 3, 5") as caught:
        attempts.submit_attempt(attempt=attempt, user=charlie, prediction=5, now=NOW + timedelta(minutes=2))
    assert caught.value.details["positions"] == [3, 5]
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    # In the grace after the deadline the attempt is finalised with what was saved.
    done = attempts.submit_attempt(
        attempt=attempt, user=charlie, prediction=None, now=attempt.deadline + timedelta(seconds=1)
    )
    assert done.status == Attempt.Status.SUBMITTED and done.correct_count == 3 and done.prediction is None
    assert done.finished_at == attempt.deadline and done.duration_ms == 10 * 60_000


def test_a_late_submission_finalises_at_the_deadline_and_is_refused(charlie, round):
    attempt = start(charlie, round)
    answer(attempt, charlie, right=2, now=NOW + timedelta(minutes=9))
    with pytest.raises(attempts.DeadlinePassed) as caught:
        attempts.submit_attempt(attempt=attempt, user=charlie, prediction=5, now=NOW + timedelta(minutes=11))
    done = caught.value.details["attempt"]
    assert done.status == Attempt.Status.EXPIRED and done.prediction is None
    assert done.correct_count == 2 and done.finished_at == attempt.deadline and done.duration_ms == 600_000


# --- lazy and batch finalisation -------------------------------------------------------------


def test_an_expired_attempt_is_finalised_when_the_person_comes_back(charlie, round):
    attempt = start(charlie, round)
    answer(attempt, charlie, right=2, now=NOW + timedelta(minutes=5), positions=[1, 2])
    again = start(charlie, round, now=NOW + timedelta(hours=1))
    assert again.pk != attempt.pk and again.number == 2
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.correct_count == 2 and attempt.counted


def test_finalise_expired_finalises_due_attempts_once(charlie, dan, round):
    late = start(charlie, round)
    answer(late, charlie, right=3, now=NOW + timedelta(minutes=1))
    on_time = start(dan, round, now=NOW + timedelta(minutes=5))
    at = NOW + timedelta(minutes=10, seconds=3)
    assert attempts.finalise_expired(now=at) == 1
    assert attempts.finalise_expired(now=at) == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.status == Attempt.Status.EXPIRED and late.correct_count == 3 and late.counted
    assert on_time.status == Attempt.Status.IN_PROGRESS


def test_finalise_expired_respects_the_limit_and_the_grace(charlie, dan, round):
    one = start(charlie, round)
    start(dan, round)
    assert attempts.finalise_expired(now=one.deadline + timer.ANSWER_GRACE) == 0
    assert attempts.finalise_expired(now=one.deadline + timedelta(seconds=3), limit=1) == 1
    assert Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).count() == 1


def test_the_command_finalises_expired_attempts(charlie, round, capsys):
    start(charlie, round)
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        call_command("finalise_expired")
    assert "Finalised 1 expired attempt" in capsys.readouterr().out
    assert Attempt.objects.get().status == Attempt.Status.EXPIRED


def test_every_finalisation_path_publishes_after_commit(charlie, round, django_capture_on_commit_callbacks):
    attempt = start(charlie, round)
    with django_capture_on_commit_callbacks() as callbacks:
        attempts.submit_attempt(attempt=attempt, user=charlie, prediction=3, now=NOW + timedelta(minutes=1))
    assert len(callbacks) == 1
    second = start(charlie, round, now=NOW + timedelta(minutes=2))
    with django_capture_on_commit_callbacks() as callbacks:
        attempts.finalise_expired(now=second.deadline + timedelta(seconds=5))
    assert len(callbacks) == 1


# --- which attempt counts -----------------------------------------------------------------------


def _counted(user, round):
    return list(Attempt.objects.filter(user=user, round=round, counted=True).values_list("number", flat=True))


def test_the_best_attempt_counts(charlie, round):
    submitted(charlie, round, right=3, took=timedelta(minutes=5))
    assert _counted(charlie, round) == [1]
    submitted(charlie, round, right=3, took=timedelta(minutes=2), now=NOW + timedelta(hours=1))
    assert _counted(charlie, round) == [2]  # same score, faster
    submitted(charlie, round, right=2, took=timedelta(minutes=1), now=NOW + timedelta(hours=2))
    assert _counted(charlie, round) == [2]


def test_the_earliest_finish_breaks_a_tie_for_best(charlie, round):
    submitted(charlie, round, right=3, took=timedelta(minutes=2))
    submitted(charlie, round, right=3, took=timedelta(minutes=2), now=NOW + timedelta(hours=1))
    assert _counted(charlie, round) == [1]


@pytest.mark.parametrize(("counting", "expected"), [("first", [1]), ("last", [3])])
def test_the_first_or_last_attempt_counts(charlie, round, counting, expected):
    Round.objects.filter(pk=round.pk).update(counting=counting)
    for n, right in enumerate([2, 5, 1]):
        submitted(charlie, round, right=right, now=NOW + timedelta(hours=n))
    assert _counted(charlie, round) == expected


# --- practice and previews --------------------------------------------------------------------------


def test_practice_rounds_are_untimed_unlimited_and_never_counted(charlie, contest, topic, bank):
    practice = make_round(contest, topic=topic, number=9, is_practice=True, max_attempts=1)
    for n in range(3):
        attempt = start(charlie, practice, now=NOW + timedelta(hours=n))
        assert attempt.deadline is None
        answer(attempt, charlie, right=5, now=NOW + timedelta(hours=n, minutes=30))
        done = attempts.submit_attempt(
            attempt=attempt, user=charlie, now=NOW + timedelta(hours=n, minutes=40)
        )
        assert done.correct_count == 5 and not done.counted and done.live_score is None
        assert done.duration_ms == 40 * 60_000  # no time limit to cap it
    left_open = start(charlie, practice, now=NOW + timedelta(days=1))
    assert attempts.finalise_expired(now=practice.closes_at + timedelta(seconds=3)) == 1
    left_open.refresh_from_db()
    assert left_open.status == Attempt.Status.EXPIRED and left_open.finished_at == practice.closes_at


def test_a_preview_needs_the_manage_permission_and_is_never_counted(alice, charlie, round):
    with pytest.raises(attempts.NotAllowed):
        start(charlie, round, preview=True)
    Contest.objects.filter(pk=round.contest_id).update(status=Contest.Status.DRAFT)
    preview = start(alice, round, preview=True, now=round.opens_at - timedelta(days=3))
    assert preview.is_preview and preview.block.code == "cbccvc"
    answer(preview, alice, right=5, now=preview.started_at)
    done = attempts.submit_attempt(attempt=preview, user=alice, now=preview.started_at + timedelta(minutes=1))
    assert done.correct_count == 5 and not done.counted and done.live_score is None


def test_a_preview_may_choose_the_block(alice, round):
    citizens = round.contest.blocks.get(code="nguoi-dan")
    preview = start(alice, round, preview=True, block=citizens)
    assert preview.block == citizens


def test_a_real_start_closes_the_organizers_own_unfinished_preview(tree, round):
    organizer = make_user("org@example.vn", agency=tree["snv"], roles=["organizer"])
    round.contest.exclude_staff = False
    round.contest.save()
    preview = start(organizer, round, preview=True)
    real = start(organizer, round)
    assert real.pk != preview.pk and not real.is_preview
    preview.refresh_from_db()
    assert preview.is_finished and not preview.counted
    with pytest.raises(attempts.AttemptInProgress):
        start(organizer, round, preview=True)


def test_a_refused_start_still_finalises_the_expired_attempt(charlie, round):
    Round.objects.filter(pk=round.pk).update(max_attempts=1)
    round.refresh_from_db()
    attempt = start(charlie, round)
    answer(attempt, charlie, right=2, now=NOW + timedelta(minutes=1))
    with pytest.raises(attempts.AttemptLimit):
        start(charlie, round, now=NOW + timedelta(hours=1))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.correct_count == 2 and attempt.counted
