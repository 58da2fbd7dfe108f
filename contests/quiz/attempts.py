"""The attempt engine: start (or resume), save one answer, submit, and
finalise attempts left open past their deadline.

The server keeps the time. An attempt's deadline is fixed at start
(start + time limit, never past the round's close; practice attempts have
none and end when the round closes). Answers are accepted until the deadline
plus timer.ANSWER_GRACE (for the time a request spends in transit); after that they
are refused, and the attempt is finalised with what was saved before. Nothing
runs at the deadline itself: attempts are finalised lazily on the next access
(start, resume, save, submit, my attempts, result page) and by
`manage.py finalise_expired`, run every minute.

Concurrency (several server processes, PostgreSQL or SQLite):
- one attempt in progress per person and round is a database constraint; a
  start that loses the race gets IntegrityError and resumes the winner;
- a start locks the person (their row, FOR NO KEY UPDATE), then starting and
  finalising lock the person's attempts in the round (in id order, so they
  never deadlock) — attempt limits and `counted` hold under concurrent starts
  and submits; SQLite's IMMEDIATE transactions serialise writers instead;
- saving an answer is one conditional UPDATE of the question row guarded by
  `is_correct IS NULL`: finalisation sets is_correct on every row after
  locking them, so a save either lands before the scoring reads the row or
  is refused — never acknowledged and then lost.
"""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from contests.live import events
from contests.models import Attempt, AttemptQuestion, Contest, Round
from contests.quiz import selectors
from contests.rules import ranking, scoring, timer
from contests.setup import audience, drawing
from questionbank import services as bank_services
from questionbank.models import Option, Question, QuestionVersion

START_RETRIES = 3

Status = Attempt.Status


# --- errors -------------------------------------------------------------------------------


class AttemptError(Exception):
    """A refused action. `code` is stable (the API sends it); the message is
    translated; `details` carries what a client needs (problems, positions…)."""

    code = "attempt_error"

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = str(message)
        self.details = details


class NotEligible(AttemptError):
    code = "not_eligible"


class NotAllowed(AttemptError):
    code = "forbidden"


class RoundNotOpen(AttemptError):
    code = "round_not_open"


class RoundNotReady(AttemptError):
    code = "round_not_ready"


class AttemptLimit(AttemptError):
    code = "attempt_limit"


class AttemptInProgress(AttemptError):
    code = "attempt_in_progress"


class AttemptNotFound(AttemptError):
    code = "not_found"


class DeadlinePassed(AttemptError):
    code = "deadline_passed"


class AttemptFinished(AttemptError):
    code = "attempt_finished"


class InvalidAnswer(AttemptError):
    code = "invalid_answer"


class InvalidPrediction(AttemptError):
    code = "invalid_prediction"


class Unanswered(AttemptError):
    code = "unanswered"


# --- time -------------------------------------------------------------------------------------


def is_expired(attempt, now):
    """In progress but past its deadline plus the grace: due to be finalised."""
    return attempt.status == Status.IN_PROGRESS and timer.is_past_grace(
        deadline=attempt.deadline, closes_at=attempt.round.closes_at, now=now, preview=attempt.is_preview
    )


def _due(cutoff):
    """In-progress attempts whose end (see effective_deadline) is before `cutoff`."""
    return Q(deadline__lt=cutoff) | Q(is_preview=False, round__closes_at__lt=cutoff)


# --- start ----------------------------------------------------------------------------------------


def start_attempt(*, user, round, now=None, preview=False, join_code=None, block=None):
    """Start an attempt, or resume the one in progress (idempotent).

    Returns the Attempt with `created` set (False when resumed). With
    `preview=True` (organizers): no eligibility, window or limit checks, only
    the manage permission; the attempt is never counted or ranked. `block`
    chooses the previewed block (default: the organizer's own, else the first).
    Raises an AttemptError subclass.
    """
    now = now or timezone.now()
    # Finalise what expired first, in its own transaction: a refused start
    # (limit, eligibility) must not roll the finalisation back.
    finalise_expired_for(user=user, round=round, now=now)
    error = None
    for _attempt in range(START_RETRIES):
        try:
            return _start(user=user, round=round, now=now, preview=preview, join_code=join_code, block=block)
        except IntegrityError as exc:
            # A concurrent start of the same person committed first (one attempt
            # in progress, unique numbers): the next pass resumes it.
            error = exc
    raise error


def _locked_attempts(*, user_id, round_id, skip_locked=False):
    """The person's attempts in the round, locked (PostgreSQL) in id order."""
    return list(
        Attempt.objects.select_for_update(skip_locked=skip_locked)
        .filter(user_id=user_id, round_id=round_id)
        .order_by("id")
    )


@transaction.atomic
def _start(*, user, round, now, preview, join_code, block):
    round = Round.objects.select_related("contest", "contest__owner_agency").get(pk=round.pk)
    contest = round.contest
    # Serialise this person's starts (their first attempt has no row to lock yet);
    # NO KEY UPDATE leaves inserts that reference the user unblocked.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk").first()
    mine = _locked_attempts(user_id=user.pk, round_id=round.pk)
    for attempt in mine:
        attempt.round = round
        if is_expired(attempt, now):
            _finalise_locked(attempt=attempt, mine=mine, round=round, now=now, status=Status.EXPIRED)

    current = next((a for a in mine if a.status == Status.IN_PROGRESS), None)
    if current is not None:
        if current.is_preview == preview:
            current.created = False
            return current
        if not current.is_preview:
            raise AttemptInProgress(_("You have an attempt in progress in this round; finish it first."))
        # A real start ends the organizer's own unfinished preview.
        _finalise_locked(attempt=current, mine=mine, round=round, now=now, status=Status.SUBMITTED)

    if preview:
        if not audience.can_manage_contest(user=user, contest=contest):
            raise NotAllowed(_("Only the organisers of this contest can preview it."))
        if block is None:
            block = audience.block_for(user=user, contest=contest, round=round)
        if block is None:
            blocks = audience.round_blocks(contest=contest, round=round)
            block = blocks[0] if blocks else None
    else:
        if not selectors.round_is_open(round, now):
            raise RoundNotOpen(_round_not_open_message(round, now))
        problems = audience.entry_problems(
            user=user, contest=contest, round=round, join_code=join_code, today=timer.local_date(now)
        )
        if problems:
            raise NotEligible(_("You cannot enter this round yet."), problems=problems)
        block = audience.block_for(user=user, contest=contest, round=round)
        _check_limits(round=round, attempts=[a for a in mine if not a.is_preview], now=now)

    try:
        version_ids = drawing.draw(round=round, block=block)
    except ValueError:
        version_ids = []
    if not version_ids:
        raise RoundNotReady(
            _("This round is not ready: its question pool is too small. Please tell the organisers.")
        )

    deadline = timer.deadline_for(
        now=now,
        time_limit_minutes=round.time_limit_minutes,
        closes_at=round.closes_at,
        preview=preview,
        practice=round.is_practice,
    )
    attempt = Attempt.objects.create(
        round=round,
        block=block,
        user=user,
        number=max((a.number for a in mine), default=0) + 1,
        status=Status.IN_PROGRESS,
        is_preview=preview,
        started_at=now,
        deadline=deadline,
        question_count=len(version_ids),
    )
    AttemptQuestion.objects.bulk_create(
        _drawn_questions(attempt=attempt, round=round, version_ids=version_ids)
    )
    unused = list(
        QuestionVersion.objects.filter(pk__in=version_ids, used_at__isnull=True).values_list("pk", flat=True)
    )
    if unused:
        bank_services.mark_versions_used(version_ids=unused, now=now)
    attempt.round = round
    attempt.created = True
    return attempt


def _round_not_open_message(round, now):
    if round.contest.status != Contest.Status.PUBLISHED:
        return _("This contest is not open for entries.")
    if now < round.opens_at:
        when = timezone.localtime(round.opens_at, timer.CONTEST_TZ).strftime("%H:%M %d/%m/%Y")
        return _("This round opens at %(when)s.") % {"when": when}
    return _("This round has closed.")


def _check_limits(*, round, attempts, now):
    if round.is_practice:
        return
    if round.max_attempts is not None and len(attempts) >= round.max_attempts:
        limit = ngettext("%(n)d attempt per round", "%(n)d attempts per round", round.max_attempts) % {
            "n": round.max_attempts
        }
        raise AttemptLimit(
            _("You have reached the limit of %(limit)s.") % {"limit": limit},
            limit=round.max_attempts,
            per="round",
        )
    if round.max_attempts_per_day is not None:
        start, end = timer.local_day_bounds(now)
        today = sum(1 for a in attempts if start <= a.started_at < end)
        if today >= round.max_attempts_per_day:
            limit = ngettext(
                "%(n)d attempt per day", "%(n)d attempts per day", round.max_attempts_per_day
            ) % {"n": round.max_attempts_per_day}
            raise AttemptLimit(
                _("You have reached the limit of %(limit)s. Come back tomorrow.") % {"limit": limit},
                limit=round.max_attempts_per_day,
                per="day",
            )


def _token(taken):
    """An opaque, random choice id (8 URL-safe characters), unique in `taken`."""
    while True:
        token = secrets.token_urlsafe(6)
        if token not in taken:
            taken.add(token)
            return token


def _drawn_questions(*, attempt, round, version_ids):
    """AttemptQuestion rows: positions (shuffled if the round says so) and each
    question's options in display order with random tokens. True/false
    questions keep the author's order (Đúng before Sai); their tokens are
    random all the same, so nothing reveals which option is correct."""
    rng = secrets.SystemRandom()
    version_ids = list(version_ids)
    if round.shuffle_questions:
        rng.shuffle(version_ids)
    kinds = dict(QuestionVersion.objects.filter(pk__in=version_ids).values_list("pk", "kind"))
    options = {}
    for version_id, option_id in (
        Option.objects.filter(version_id__in=version_ids)
        .order_by("position", "id")
        .values_list("version_id", "id")
    ):
        options.setdefault(version_id, []).append(option_id)
    rows = []
    for position, version_id in enumerate(version_ids, start=1):
        order = list(options.get(version_id, []))
        if round.shuffle_options and kinds.get(version_id) != Question.Kind.TRUE_FALSE:
            rng.shuffle(order)
        taken = set()
        choices = [{"t": _token(taken), "o": option_id} for option_id in order]
        rows.append(
            AttemptQuestion(attempt=attempt, position=position, version_id=version_id, choices=choices)
        )
    return rows


# --- save -----------------------------------------------------------------------------------


def deadline_message():
    return _(
        "Time is up: answers are no longer accepted. Your attempt was finalised with the answers saved "
        "before the deadline."
    )


# --- submit and finalise -------------------------------------------------------------------


def submit_attempt(*, attempt, user, prediction=None, now=None):
    """Submit (idempotent: a submitted attempt is returned as it is).

    Before the deadline the prediction is validated (InvalidPrediction) and,
    when the round requires every answer, unanswered questions refuse the
    submission (Unanswered). During the grace after the deadline the attempt
    is finalised with what was saved and an invalid prediction is dropped.
    Later, the attempt is finalised at its deadline and DeadlinePassed is
    raised (its `details["attempt"]` is the finalised attempt).
    """
    now = now or timezone.now()
    attempt = _owned(attempt, user)
    if attempt.status == Status.SUBMITTED:
        return attempt
    if attempt.status == Status.EXPIRED:
        raise DeadlinePassed(deadline_message(), attempt=attempt)
    round = attempt.round
    if is_expired(attempt, now):
        attempt = finalise_attempt(attempt=attempt.pk, now=now)
        raise DeadlinePassed(deadline_message(), attempt=attempt)
    in_time = now <= timer.effective_deadline(
        deadline=attempt.deadline, closes_at=round.closes_at, preview=attempt.is_preview
    )
    try:
        value = scoring.parse_prediction(
            prediction,
            target="" if round.is_practice else round.prediction_target,
            decimal=round.prediction_decimal,
            required=round.prediction_required and not attempt.is_preview,
        )
    except scoring.PredictionError as exc:
        if in_time:
            raise InvalidPrediction(str(exc))
        value = None
    finalised = _finalise(
        attempt_id=attempt.pk,
        now=now,
        status=Status.SUBMITTED,
        prediction=value,
        require_all=round.must_answer_all and in_time,
    )
    if finalised.status == Status.EXPIRED:
        raise DeadlinePassed(deadline_message(), attempt=finalised)
    return finalised


def _owned(attempt, user):
    attempt_id = getattr(attempt, "pk", attempt)
    found = (
        Attempt.objects.select_related("round", "round__contest", "block")
        .filter(pk=attempt_id, user_id=user.pk)
        .first()
    )
    if found is None:
        raise AttemptNotFound(_("This attempt does not exist."))
    return found


def finalise_attempt(*, attempt, now=None):
    """Finalise one attempt if it is due (past its deadline plus the grace).
    Returns the attempt as it now stands."""
    now = now or timezone.now()
    attempt_id = getattr(attempt, "pk", attempt)
    found = _finalise(attempt_id=attempt_id, now=now, status=Status.EXPIRED, only_if_expired=True)
    return found


def refresh(attempt, *, now=None):
    """The attempt re-read, finalised first when it is due (lazy finalisation)."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_related("round", "round__contest", "block").get(pk=attempt.pk)
    if is_expired(attempt, now):
        return finalise_attempt(attempt=attempt.pk, now=now)
    return attempt


def finalise_expired_for(*, user, round=None, now=None):
    """Lazily finalise the person's attempts that are past their deadline."""
    now = now or timezone.now()
    cutoff = now - timer.ANSWER_GRACE
    due = Attempt.objects.filter(user=user, status=Status.IN_PROGRESS).filter(_due(cutoff))
    if round is not None:
        due = due.filter(round=round)
    count = 0
    for attempt_id in due.values_list("pk", flat=True):
        finalise_attempt(attempt=attempt_id, now=now)
        count += 1
    return count


def finalise_expired(*, now=None, limit=None):
    """Finalise in-progress attempts past their deadline (plus the grace),
    oldest first; at most `limit`. Idempotent and safe with several processes:
    rows another process holds are skipped (SKIP LOCKED on PostgreSQL).
    Returns how many this call finalised."""
    now = now or timezone.now()
    cutoff = now - timer.ANSWER_GRACE
    due = (
        Attempt.objects.filter(status=Status.IN_PROGRESS)
        .filter(_due(cutoff))
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )
    if limit is not None:
        due = due[:limit]
    done = 0
    for attempt_id in list(due):
        finalised = _finalise(
            attempt_id=attempt_id, now=now, status=Status.EXPIRED, only_if_expired=True, skip_locked=True
        )
        if finalised is not None and getattr(finalised, "finalised_now", False):
            done += 1
    return done


@transaction.atomic
def _finalise(
    *, attempt_id, now, status, prediction=None, require_all=False, only_if_expired=False, skip_locked=False
):
    head = Attempt.objects.filter(pk=attempt_id).values("user_id", "round_id").first()
    if head is None:
        return None
    mine = _locked_attempts(user_id=head["user_id"], round_id=head["round_id"], skip_locked=skip_locked)
    attempt = next((a for a in mine if a.pk == attempt_id), None)
    if skip_locked:
        everyone = set(
            Attempt.objects.filter(user_id=head["user_id"], round_id=head["round_id"]).values_list(
                "pk", flat=True
            )
        )
        if attempt is None or {a.pk for a in mine} != everyone:
            return None  # another process is working on this person's attempts
    round = Round.objects.select_related("contest").get(pk=head["round_id"])
    for a in mine:
        a.round = round
    if attempt.is_finished:
        return attempt
    if only_if_expired and not is_expired(attempt, now):
        return attempt
    _finalise_locked(
        attempt=attempt,
        mine=mine,
        round=round,
        now=now,
        status=status,
        prediction=prediction,
        require_all=require_all,
    )
    return attempt


def _finalise_locked(*, attempt, mine, round, now, status, prediction=None, require_all=False):
    """Score `attempt` (locked with the rest of `mine`) and maintain `counted`."""
    rows = list(
        AttemptQuestion.objects.select_for_update()
        .filter(attempt_id=attempt.pk)
        .order_by("position")
        .values_list("id", "position", "version_id", "selected", "answered_at")
    )
    unanswered = [position for _id, position, _v, _s, answered_at in rows if answered_at is None]
    if require_all and unanswered:
        raise Unanswered(
            ngettext(
                "Every question must be answered. Still unanswered: question %(positions)s.",
                "Every question must be answered. Still unanswered: questions %(positions)s.",
                len(unanswered),
            )
            % {"positions": ", ".join(str(p) for p in unanswered)},
            positions=unanswered,
        )
    correct_options = {}
    for version_id, option_id in Option.objects.filter(
        version_id__in={r[2] for r in rows}, is_correct=True
    ).values_list("version_id", "id"):
        correct_options.setdefault(version_id, set()).add(option_id)
    right = [r[0] for r in rows if scoring.is_correct(r[3] or [], correct_options.get(r[2], set()))]
    AttemptQuestion.objects.filter(attempt_id=attempt.pk, pk__in=right).update(is_correct=True)
    AttemptQuestion.objects.filter(attempt_id=attempt.pk).exclude(pk__in=right).update(is_correct=False)

    ends = timer.effective_deadline(
        deadline=attempt.deadline, closes_at=round.closes_at, preview=attempt.is_preview
    )
    limit_ms = round.time_limit_minutes * 60_000 if attempt.deadline is not None else None
    finished_at = ends if status == Status.EXPIRED else min(now, ends)
    attempt.status = status
    attempt.finished_at = finished_at
    attempt.duration_ms = timer.duration_ms(attempt.started_at, finished_at, limit_ms=limit_ms)
    attempt.question_count = len(rows)
    attempt.answered_count = len(rows) - len(unanswered)
    attempt.correct_count = len(right)
    attempt.score = scoring.score_percent(len(right), len(rows))
    if status == Status.SUBMITTED:
        attempt.prediction = prediction
    ranked = not attempt.is_preview and not round.is_practice
    attempt.live_score = live_score_of(attempt, round) if ranked else None
    attempt.save(
        update_fields=[
            "status",
            "finished_at",
            "duration_ms",
            "question_count",
            "answered_count",
            "correct_count",
            "score",
            "prediction",
            "live_score",
        ]
    )
    attempt.finalised_now = True
    _refresh_counted(mine=mine, round=round)
    transaction.on_commit(lambda: events.attempt_finalised(attempt))


def live_score_of(attempt, round):
    """The live boards' one-integer order key (contests.rules.ranking)."""
    return ranking.live_score(
        user_id=attempt.user_id,
        correct=attempt.correct_count,
        duration_ms=attempt.duration_ms,
        finished_at=attempt.finished_at,
        opens_at=round.opens_at,
        closes_at=round.closes_at,
    )


def _refresh_counted(*, mine, round):
    """Exactly one counted attempt per person and round among the finished,
    non-preview attempts of a ranked round (none in practice rounds)."""
    finished = [a for a in mine if a.is_finished and not a.is_preview]
    chosen = None
    if not round.is_practice:
        chosen = scoring.counted_attempt(
            [
                scoring.Finished(
                    id=a.pk,
                    number=a.number,
                    correct_count=a.correct_count,
                    duration_ms=a.duration_ms,
                    finished_at=a.finished_at,
                )
                for a in finished
            ],
            round.counting,
        )
    stale = [a.pk for a in mine if a.counted and a.pk != chosen]
    if stale:
        Attempt.objects.filter(pk__in=stale).update(counted=False)
    for a in mine:
        a.counted = a.pk == chosen
    if chosen is not None:
        Attempt.objects.filter(pk=chosen, counted=False).update(counted=True)
