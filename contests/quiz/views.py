"""Participant pages: contest list, contest page, entering a round, the quiz
and the result. Thin: access helper → service or selector → template."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import missing_profile_fields
from contests.live import leaderboard
from contests.models import Attempt, AttemptQuestion, Round
from contests.quiz import api, attempts, selectors
from contests.rules import timer
from contests.setup import access, audience, rules_text
from questionbank.models import Option


def _own_attempt(request, attempt_id):
    attempt = (
        Attempt.objects.select_related("round", "round__contest", "block", "user")
        .filter(pk=attempt_id, user=request.user)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempts.refresh(attempt)


def grace_note():
    return _(
        "Answers are saved as you choose them. The clock is the server's: at the deadline your attempt is "
        "finalised with the answers saved before it. Answers that reach the server more than %(seconds)d "
        "seconds after the deadline are refused."
    ) % {"seconds": int(timer.ANSWER_GRACE.total_seconds())}


@require_GET
def contest_list(request):
    lists = selectors.contest_lists(user=request.user, now=timezone.now())
    return render(request, "contests/contest_list.html", {"lists": lists})


def _round_rows(request, contest, rounds, now):
    """Each round with the person's attempts, policy and entry problems."""
    user = request.user
    if user.is_authenticated:
        attempts.finalise_expired_for(user=user, now=now)
    rows = []
    for round in rounds:
        mine = selectors.my_attempts(user=user, round=round)
        for a in mine:
            a.duration_text = timer.format_duration(a.duration_ms)
        rows.append(
            {
                "round": round,
                "state": selectors.round_state(round, now),
                "attempts": mine,
                "in_progress": next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None),
                "policy": selectors.attempt_policy(round=round, attempts=mine, now=now),
                "policy_text": selectors.policy_text(round),
            }
        )
    return rows


@require_GET
def contest_detail(request, slug):
    contest = access.visible_contest(request, slug)
    now = timezone.now()
    rounds = list(contest.rounds.order_by("opens_at", "number"))
    for r in rounds:
        r.contest = contest
    problems = []
    if request.user.is_authenticated:
        problems = audience.entry_problems(
            user=request.user, contest=contest, join_code=contest.join_code, today=timer.local_date(now)
        )
    return render(
        request,
        "contests/contest_detail.html",
        {
            "contest": contest,
            "rules": selectors.rules_html(contest),
            "counting": rules_text.counting_in_words(contest) if contest.audience_officials else "",
            "rows": _round_rows(request, contest, rounds, now),
            "problems": problems,
            "grace_note": grace_note(),
            "is_manager": request.user.is_authenticated
            and audience.can_manage_contest(user=request.user, contest=contest),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_enter(request, slug, number):
    contest, round = access.visible_round(request, slug, number)
    now = timezone.now()
    attempts.finalise_expired_for(user=request.user, round=round, now=now)
    mine = selectors.my_attempts(user=request.user, round=round)
    in_progress = next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None)
    error, status = None, 200
    if request.method == "POST":
        try:
            attempt = attempts.start_attempt(
                user=request.user, round=round, join_code=request.POST.get("join_code", "")
            )
        except attempts.AttemptError as exc:
            error, status = exc, api.STATUS.get(exc.code, 400)
        else:
            return redirect("contests:quiz", attempt.pk)
    problems = audience.entry_problems(
        user=request.user,
        contest=contest,
        round=round,
        join_code=contest.join_code,  # the code is asked for separately below
        today=timer.local_date(now),
    )
    context = {
        "contest": contest,
        "round": round,
        "state": selectors.round_state(round, now),
        "is_open": selectors.round_is_open(round, now),
        "problems": problems,
        "missing_profile": bool(problems) and bool(missing_profile_fields(request.user)),
        "needs_join_code": audience.needs_join_code(user=request.user, contest=contest),
        "attempts": mine,
        "in_progress": in_progress,
        "policy": selectors.attempt_policy(round=round, attempts=mine, now=now),
        "policy_text": selectors.policy_text(round),
        "prediction_label": selectors.prediction_label(round),
        "grace_note": grace_note(),
        "error": error,
    }
    return render(request, "contests/contest_enter.html", context, status=status)


def _quiz_strings():
    """Texts the quiz script shows, translated here (no JavaScript catalogue)."""
    return {
        "saved": _("Saved"),
        "saving": _("Saving…"),
        "queued": _("Not sent yet — kept on this device"),
        "allSaved": _("All answers saved"),
        "pending": _("%(n)s answer(s) waiting to be sent"),
        "offline": _(
            "No connection. Your answers are kept on this device and will be sent automatically when the "
            "connection returns. Do not close this page."
        ),
        "refused": _("The server refused this answer:"),
        "answered": _("answered"),
        "unanswered": _("not answered"),
        "fiveMinutes": _("5 minutes left."),
        "oneMinute": _("1 minute left."),
        "timeUp": _(
            "Time is up. Your attempt is being finalised with the answers saved before the deadline."
        ),
        "hideTimer": _("Hide the timer"),
        "showTimer": _("Show the timer"),
        "noUnanswered": _("You have answered every question."),
        "unansweredList": _("Not answered yet: questions %(list)s."),
        "mustAnswerAll": _("This round requires an answer to every question before you submit."),
        "notAllSent": _("Some answers have not reached the server yet. Check your connection and try again."),
        "submitting": _("Submitting…"),
        "submitFailed": _("Could not submit. Check your connection and try again."),
        "answeredCount": _("Answered %(n)s of %(total)s"),
    }


@login_required
@ensure_csrf_cookie
@require_GET
def quiz(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_finished:
        return redirect("contests:result", attempt.pk)
    now = timezone.now()
    payload = api.attempt_payload(attempt, now=now)
    questions = []
    for q in payload["questions"]:
        q = dict(q, selected=payload["answers"].get(str(q["position"]), []))
        questions.append(q)
    config = {k: v for k, v in payload.items() if k not in ("questions",)}
    config["strings"] = _quiz_strings()
    return render(
        request,
        "contests/quiz.html",
        {
            "attempt": attempt,
            "round": attempt.round,
            "contest": attempt.round.contest,
            "questions": questions,
            "config": config,
            "prediction": payload["prediction"],
            "grace_note": grace_note(),
        },
    )


def _review(attempt):
    """Each question with the options, the person's choices, the correct ones,
    the explanation and the legal basis (only once they may be shown)."""
    rows = list(
        AttemptQuestion.objects.filter(attempt=attempt).select_related("version").order_by("position")
    )
    option_ids = [c["o"] for row in rows for c in row.choices]
    options = Option.objects.in_bulk(option_ids)
    review = []
    for row in rows:
        review.append(
            {
                "position": row.position,
                "version": row.version,
                "is_correct": row.is_correct,
                "answered": bool(row.selected),
                "options": [
                    {
                        "text": options[c["o"]].text,
                        "image": options[c["o"]].image,
                        "chosen": c["o"] in row.selected,
                        "correct": options[c["o"]].is_correct,
                    }
                    for c in row.choices
                ],
            }
        )
    return review


@login_required
@require_GET
def result(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if not attempt.is_finished:
        return redirect("contests:quiz", attempt.pk)
    now = timezone.now()
    round = attempt.round
    payload = api.result_payload(attempt, user=request.user, now=now)
    show_review = selectors.explanations_visible(attempt=attempt, round=round, now=now)
    mine = selectors.my_attempts(user=request.user, round=round)
    policy = selectors.attempt_policy(round=round, attempts=mine, now=now)
    staff = audience.can_manage_contest(user=request.user, contest=round.contest)
    mode, _moment = leaderboard.mode_for(round=round, now=now, staff=staff)
    return render(
        request,
        "contests/result.html",
        {
            "attempt": attempt,
            "round": round,
            "contest": round.contest,
            "result": payload,
            "duration": timer.format_duration(attempt.duration_ms),
            "review": _review(attempt) if show_review else None,
            "review_later": round.explanations == Round.Explanations.AFTER_CLOSE and not show_review,
            "board_mode": mode,
            "can_retry": selectors.round_is_open(round, now)
            and not attempt.is_preview
            and (policy["left"] is None or policy["left"] > 0),
            "attempts": mine,
            "prediction_label": selectors.prediction_label(round),
        },
    )
