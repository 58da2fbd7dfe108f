"""The participant JSON API, used by the quiz page, the benchmark and outside
tools. Session authentication; unsafe methods need the `X-CSRFToken` header
(the value of the `csrftoken` cookie). Every error is JSON
`{"code": "...", "message": "..."}` with a translated message; see the README.

Payloads never hold correctness, explanations or option primary keys before
an attempt is finished: options are identified by per-attempt random tokens.
"""

import json
from datetime import UTC
from functools import wraps

from django.core.cache import cache
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from config.http import parse_id
from contests.live import leaderboard
from contests.models import Attempt, AttemptQuestion, Block
from contests.quiz import answers, attempts, selectors
from contests.rules import scoring, timer
from contests.setup import audience
from questionbank.models import Option

# HTTP status of each error code the services raise.
STATUS = {
    "not_eligible": 403,
    "forbidden": 403,
    "round_not_open": 409,
    "round_not_ready": 409,
    "attempt_limit": 409,
    "attempt_in_progress": 409,
    "not_found": 404,
    "deadline_passed": 409,
    "attempt_finished": 409,
    "invalid_answer": 400,
    "invalid_prediction": 400,
    "unanswered": 409,
}
FROZEN_BOARD_SECONDS = 30


def iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="milliseconds") if moment else None


def error(status, code, message, **extra):
    return JsonResponse({"code": code, "message": str(message), **extra}, status=status)


class _JsonCsrf(CsrfViewMiddleware):
    """Django's CSRF check, answering in JSON instead of an HTML page."""

    def _reject(self, request, reason):
        return error(403, "csrf_failed", _("The security token is missing or out of date. Reload the page."))


_csrf = _JsonCsrf(lambda request: None)


def endpoint(*methods, anonymous=False):
    """JSON endpoint: allowed methods, login (unless `anonymous`), CSRF on
    unsafe methods, no caching, and AttemptError → JSON error."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error(
                    405,
                    "method_not_allowed",
                    _("This address does not accept %(method)s.") % {"method": request.method},
                )
                response["Allow"] = ", ".join(methods)
                return response
            if not anonymous and not request.user.is_authenticated:
                return error(401, "not_authenticated", _("Log in first."))
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                rejected = _csrf.process_view(request, None, (), {})
                if rejected is not None:
                    return rejected
            try:
                return view(request, *args, **kwargs)
            except attempts.AttemptError as exc:
                return attempt_error(exc, request=request)

        return csrf_exempt(never_cache(wrapper))

    return decorate


def attempt_error(exc, *, request):
    extra = {k: v for k, v in exc.details.items() if k != "attempt"}
    finalised = exc.details.get("attempt")
    if finalised is not None:
        extra["result"] = result_payload(finalised, user=request.user, now=timezone.now())
    return error(STATUS.get(exc.code, 400), exc.code, exc.message, **extra)


def read_json(request):
    """The body as a dict, or None when it is not a JSON object."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: a deeply nested body
        return None
    return body if isinstance(body, dict) else None


def bad_json():
    return error(400, "bad_json", _("The request body must be a JSON object."))


# --- payloads ------------------------------------------------------------------------------------


def _image(field):
    return field.url if field else None


def attempt_payload(attempt, *, now):
    """Everything the quiz page needs to show (or resume) an attempt in progress."""
    round = attempt.round
    rows = list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("version")
        .only("position", "choices", "selected", "version__text", "version__image", "version__kind")
        .order_by("position")
    )
    option_ids = [c["o"] for row in rows for c in row.choices]
    options = {o.pk: o for o in Option.objects.filter(pk__in=option_ids).only("id", "text", "image")}
    questions, answers = [], {}
    for row in rows:
        token_of = {c["o"]: c["t"] for c in row.choices}
        questions.append(
            {
                "position": row.position,
                "text": row.version.text,
                "image_url": _image(row.version.image),
                "kind": row.version.kind,
                "options": [
                    {"id": c["t"], "text": options[c["o"]].text, "image_url": _image(options[c["o"]].image)}
                    for c in row.choices
                ],
            }
        )
        if row.selected:
            answers[str(row.position)] = [token_of[o] for o in row.selected if o in token_of]
    return {
        "attempt_id": attempt.pk,
        "round_id": round.pk,
        "contest": {"id": round.contest_id, "slug": round.contest.slug, "title": round.contest.title},
        "round_title": round.title,
        "number": attempt.number,
        "status": attempt.status,
        "is_preview": attempt.is_preview,
        "is_practice": round.is_practice,
        "server_time": iso(now),
        "started_at": iso(attempt.started_at),
        # When the attempt ends: its own deadline, or the round's close if an
        # organiser closed the round earlier (practice attempts: none).
        "deadline": iso(
            timer.countdown_end(
                deadline=attempt.deadline, closes_at=round.closes_at, preview=attempt.is_preview
            )
        ),
        "closes_at": iso(round.closes_at),
        "time_limit_seconds": round.time_limit_minutes * 60 if attempt.deadline else None,
        "grace_seconds": int(timer.ANSWER_GRACE.total_seconds()),
        "question_count": len(rows),
        "answered_count": len(answers),
        "must_answer_all": round.must_answer_all,
        "questions": questions,
        "answers": answers,
        "prediction": prediction_payload(round),
        "urls": urls(attempt),
    }


def prediction_payload(round):
    if not round.prediction_target or round.is_practice:
        return None
    return {
        "target": round.prediction_target,
        "decimal": round.prediction_decimal,
        "required": round.prediction_required,
        "label": selectors.prediction_label(round),
        "max": 100
        if round.prediction_target == scoring.TARGET_PERFECT_PERCENT
        else int(scoring.PREDICTION_MAX),
    }


def urls(attempt):
    base = reverse("api:attempt", args=[attempt.pk])
    return {
        "attempt": base,
        "answer": base + "answers/{position}/",
        "submit": reverse("api:attempt-submit", args=[attempt.pk]),
        "quiz": reverse("contests:quiz", args=[attempt.pk]),
        "result": reverse("contests:result", args=[attempt.pk]),
    }


def decimal_text(value):
    if value is None:
        return None
    return format(value.normalize(), "f")


def standing(attempt, *, user, now):
    """(rank, participants) for the attempt's round and block as the person may
    see them; (None, None) for previews, practice and hidden or frozen boards."""
    round = attempt.round
    if attempt.is_preview or round.is_practice:
        return None, None
    staff = audience.can_manage_contest(user=user, contest=round.contest)
    mode, _moment = leaderboard.mode_for(round=round, now=now, staff=staff)
    if mode != leaderboard.LIVE:
        return None, None
    block = attempt.block
    return (
        leaderboard.rank_of(round=round, block=block, user=attempt.user),
        leaderboard.participant_count(round=round, block=block),
    )


def result_payload(attempt, *, user, now):
    rank, participants = standing(attempt, user=user, now=now)
    return {
        "attempt_id": attempt.pk,
        "status": attempt.status,
        "correct_count": attempt.correct_count,
        "question_count": attempt.question_count,
        "answered_count": attempt.answered_count,
        "score": str(attempt.score),
        "duration_ms": attempt.duration_ms,
        "duration": timer.format_duration(attempt.duration_ms),
        "started_at": iso(attempt.started_at),
        "finished_at": iso(attempt.finished_at),
        "prediction": decimal_text(attempt.prediction),
        "counted": attempt.counted,
        "rank": rank,
        "participants": participants,
        "result_url": reverse("contests:result", args=[attempt.pk]),
    }


def attempt_summary(attempt):
    return {
        "attempt_id": attempt.pk,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline),
        "finished_at": iso(attempt.finished_at),
        "correct_count": attempt.correct_count if attempt.is_finished else None,
        "question_count": attempt.question_count,
        "score": str(attempt.score) if attempt.is_finished else None,
        "duration_ms": attempt.duration_ms,
        "counted": attempt.counted,
        "url": reverse("contests:result" if attempt.is_finished else "contests:quiz", args=[attempt.pk]),
    }


def _own_attempt(request, attempt_id):
    found = (
        Attempt.objects.select_related("round", "round__contest", "block", "user")
        .filter(pk=attempt_id, user_id=request.user.pk)
        .first()
    )
    if found is None:
        raise attempts.AttemptNotFound(_("This attempt does not exist."))
    return found


def _round_or_404(request, round_id):
    round = selectors.visible_round(user=request.user, round_id=round_id)
    if round is None:
        raise attempts.AttemptNotFound(_("This round does not exist."))
    return round


# --- endpoints ------------------------------------------------------------------------------------


@endpoint("GET", anonymous=True)
def server_time(request):
    """The server's clock (for clock-offset checks) — also the benchmark's
    trivial baseline: no database, no session."""
    return JsonResponse({"server_time": iso(timezone.now())})


@endpoint("GET")
def open_rounds(request):
    now = timezone.now()
    today = timer.local_date(now)
    items = []
    for round in selectors.open_rounds(user=request.user, now=now):
        attempts.finalise_expired_for(user=request.user, round=round, now=now)
        mine = selectors.my_attempts(user=request.user, round=round)
        policy = selectors.attempt_policy(round=round, attempts=mine, now=now)
        needs_code = audience.needs_join_code(user=request.user, contest=round.contest)
        # A join code is sent with the start; lacking it here is not a reason by itself.
        problems = audience.entry_problems(
            user=request.user,
            contest=round.contest,
            round=round,
            join_code=round.contest.join_code if needs_code else None,
            today=today,
        )
        in_progress = next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None)
        items.append(
            {
                "id": round.pk,
                "contest": {"id": round.contest_id, "slug": round.contest.slug, "title": round.contest.title},
                "number": round.number,
                "title": round.title,
                "opens_at": iso(round.opens_at),
                "closes_at": iso(round.closes_at),
                "is_practice": round.is_practice,
                "time_limit_seconds": None if round.is_practice else round.time_limit_minutes * 60,
                "question_count": round.questions_per_attempt,
                "attempts_used": policy["used"],
                "attempts_left": policy["left"],
                "in_progress_attempt_id": in_progress.pk if in_progress else None,
                "needs_join_code": needs_code,
                "can_enter": not problems
                and (policy["left"] is None or policy["left"] > 0 or in_progress is not None),
                "problems": problems,
            }
        )
    return JsonResponse({"server_time": iso(now), "rounds": items})


@endpoint("POST")
def start(request, round_id):
    body = read_json(request)
    if body is None:
        return bad_json()
    round = _round_or_404(request, round_id)
    join_code = body.get("join_code")
    if join_code is not None and not isinstance(join_code, str):
        return bad_json()
    attempt = attempts.start_attempt(user=request.user, round=round, join_code=join_code)
    now = timezone.now()
    return JsonResponse(attempt_payload(attempt, now=now), status=201 if attempt.created else 200)


@endpoint("GET")
def attempt_detail(request, attempt_id):
    now = timezone.now()
    attempt = attempts.refresh(_own_attempt(request, attempt_id), now=now)
    if attempt.is_finished:
        return JsonResponse(
            {
                "attempt_id": attempt.pk,
                "status": attempt.status,
                "server_time": iso(now),
                "result": result_payload(attempt, user=request.user, now=now),
            }
        )
    return JsonResponse(attempt_payload(attempt, now=now))


@endpoint("PUT")
def save(request, attempt_id, position):
    body = read_json(request)
    if body is None or "choices" not in body:
        return error(400, "bad_json", _('Send a JSON object with the chosen ids: {"choices": [...]}.'))
    saved = answers.save_answer(
        attempt=attempt_id, user=request.user, position=position, tokens=body["choices"]
    )
    return JsonResponse(
        {
            "saved": True,
            "position": saved.position,
            "choices": saved.tokens,
            "saved_at": iso(saved.saved_at),
            "answered_count": saved.answered_count,
            "deadline": iso(saved.deadline),
        }
    )


@endpoint("POST")
def submit(request, attempt_id):
    body = read_json(request)
    if body is None:
        return bad_json()
    attempt = attempts.submit_attempt(
        attempt=attempt_id, user=request.user, prediction=body.get("prediction")
    )
    attempt = _own_attempt(request, attempt.pk)
    return JsonResponse(result_payload(attempt, user=request.user, now=timezone.now()))


@endpoint("GET")
def mine(request):
    now = timezone.now()
    round_id = request.GET.get("round")
    round = None
    if round_id:
        if parse_id(round_id) is None:
            return error(400, "bad_request", _("“round” must be a round id."))
        round = _round_or_404(request, parse_id(round_id))
    attempts.finalise_expired_for(user=request.user, round=round, now=now)
    qs = Attempt.objects.filter(user=request.user, is_preview=False).order_by("-started_at")
    if round is not None:
        qs = qs.filter(round=round)
    found = list(qs[:200])
    data = {"server_time": iso(now), "attempts": [attempt_summary(a) for a in found]}
    if round is not None:
        policy = selectors.attempt_policy(round=round, attempts=found, now=now)
        data["round"] = {"id": round.pk, "attempts_used": policy["used"], "attempts_left": policy["left"]}
    return JsonResponse(data)


@endpoint("GET", anonymous=True)
def round_leaderboard(request, round_id):
    now = timezone.now()
    round = _round_or_404(request, round_id)
    user = request.user
    staff = user.is_authenticated and audience.can_manage_contest(user=user, contest=round.contest)
    mode, moment = leaderboard.mode_for(round=round, now=now, staff=staff)
    if mode == leaderboard.HIDDEN:
        return error(403, "leaderboard_hidden", _("The organisers keep this leaderboard hidden."))
    try:
        n = max(1, min(int(request.GET.get("n", 20)), leaderboard.MAX_N))
    except ValueError:
        return error(400, "bad_request", _("“n” must be a number."))
    block = None
    block_id = request.GET.get("block")
    if block_id:
        block = Block.objects.filter(pk=parse_id(block_id) or 0, contest=round.contest).first()
        if block is None:
            return error(404, "not_found", _("This block does not exist."))
    if mode == leaderboard.FROZEN:
        key = f"contests:frozen-board:{round.pk}:{block.pk if block else 0}:{n}:{moment.timestamp()}"
        top, participants = cache.get_or_set(
            key,
            lambda: (
                leaderboard.top(round=round, block=block, n=n, before=moment),
                leaderboard.participant_count(round=round, block=block, before=moment),
            ),
            FROZEN_BOARD_SECONDS,
        )
    else:
        top = leaderboard.top(round=round, block=block, n=n)
        participants = leaderboard.participant_count(round=round, block=block)
    me = None
    if user.is_authenticated:
        rank = leaderboard.rank_of(round=round, block=block, user=user, before=moment)
        if rank is not None:
            me = {"rank": rank}
            counted = Attempt.objects.filter(round=round, user=user, counted=True).first()
            if counted is not None and mode == leaderboard.LIVE:
                me.update(
                    {
                        "correct_count": counted.correct_count,
                        "question_count": counted.question_count,
                        "score": str(counted.score),
                        "duration_ms": counted.duration_ms,
                    }
                )
    return JsonResponse(
        {
            "round_id": round.pk,
            "block": {"id": block.pk, "name": block.name} if block else None,
            "mode": mode,
            "frozen_at": iso(moment),
            "server_time": iso(now),
            "top": [{k: v for k, v in entry.items() if k != "user_id"} for entry in top],
            "me": me,
            "participants": participants,
        }
    )
