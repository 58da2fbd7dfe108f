"""Permission-aware reads for participants: which contests a person sees,
which rounds are open, whether (and why not) they may enter, and their block.

Deny by default. Times are compared in UTC; "today" and attempt days are
Asia/Ho_Chi_Minh dates.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contests.models import Attempt, Contest, Round
from contests.rules import timer
from contests.setup import audience
from contests.setup.rules_text import render_rules

# --- time -------------------------------------------------------------------------


def round_state(round, now):
    """ "open", "upcoming" or "past" by the round's window (and the contest's status)."""
    if round.contest.status == Contest.Status.CLOSED or now >= round.closes_at:
        return "past"
    if now < round.opens_at:
        return "upcoming"
    return "open"


def round_is_open(round, now):
    return round.contest.status == Contest.Status.PUBLISHED and round.opens_at <= now < round.closes_at


# --- who sees what ------------------------------------------------------------------


def contest_lists(*, user, now):
    """Visible contests split into open (a round open now), upcoming and past."""
    contests = (
        audience.visible_contests(user)
        .select_related("owner_agency")
        .prefetch_related(Prefetch("rounds", queryset=Round.objects.order_by("opens_at", "number")))
    )
    lists = {"open": [], "upcoming": [], "past": []}
    for contest in contests.order_by("-published_at", "-created_at"):
        rounds = list(contest.rounds.all())
        for r in rounds:
            r.contest = contest
        states = {round_state(r, now) for r in rounds}
        if contest.status == Contest.Status.CLOSED or not rounds:
            key = "past" if contest.status == Contest.Status.CLOSED else "upcoming"
        elif "open" in states:
            key = "open"
        elif "upcoming" in states:
            key = "upcoming"
        else:
            key = "past"
        contest.current_rounds = [r for r in rounds if round_state(r, now) == "open"]
        contest.next_round = next((r for r in rounds if round_state(r, now) == "upcoming"), None)
        lists[key].append(contest)
    return lists


def round_lists(*, contest, now):
    lists = {"open": [], "upcoming": [], "past": []}
    for r in contest.rounds.order_by("opens_at", "number"):
        r.contest = contest
        lists[round_state(r, now)].append(r)
    return lists


def open_rounds(*, user, now):
    """Rounds open now in contests the user sees."""
    return list(
        Round.objects.filter(
            contest__in=audience.visible_contests(user),
            contest__status=Contest.Status.PUBLISHED,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .select_related("contest", "contest__owner_agency")
        .order_by("closes_at", "pk")
    )


def visible_round(*, user, round_id):
    """A round of a contest the user may view, or None."""
    round = Round.objects.select_related("contest", "contest__owner_agency").filter(pk=round_id).first()
    if round is None or not audience.can_view_contest(user=user, contest=round.contest):
        return None
    return round


# --- blocks ---------------------------------------------------------------------------


# --- eligibility ------------------------------------------------------------------------


# --- attempts ---------------------------------------------------------------------------


def my_attempts(*, user, round):
    """The user's own attempts in a round (previews excluded), newest first."""
    if not user.is_authenticated:
        return []
    return list(
        Attempt.objects.filter(user=user, round=round, is_preview=False)
        .select_related("block")
        .order_by("-number")
    )


def attempt_policy(*, round, attempts, now):
    """How many attempts the person has used and has left, from their attempts
    in the round (previews excluded). `left` is None when unlimited."""
    if round.is_practice:
        return {"used": len(attempts), "left": None, "today": None, "left_today": None}
    start, end = timer.local_day_bounds(now)
    today = sum(1 for a in attempts if start <= a.started_at < end)
    left = None
    if round.max_attempts is not None:
        left = max(round.max_attempts - len(attempts), 0)
    left_today = None
    if round.max_attempts_per_day is not None:
        left_today = max(round.max_attempts_per_day - today, 0)
        left = left_today if left is None else min(left, left_today)
    return {"used": len(attempts), "left": left, "today": today, "left_today": left_today}


def policy_text(round):
    """One sentence on the round's attempt rules."""
    if round.is_practice:
        return _("Practice round: unlimited attempts, no time limit, never ranked.")
    parts = []
    if round.max_attempts is None:
        parts.append(_("unlimited attempts"))
    else:
        parts.append(
            ngettext("%(n)d attempt per round", "%(n)d attempts per round", round.max_attempts)
            % {"n": round.max_attempts}
        )
    if round.max_attempts_per_day is not None:
        parts.append(_("%(n)d per day") % {"n": round.max_attempts_per_day})
    counting = {
        Round.Counting.BEST: _("your best attempt counts"),
        Round.Counting.FIRST: _("your first attempt counts"),
        Round.Counting.LAST: _("your last attempt counts"),
    }[round.counting]
    parts.append(counting)
    return ", ".join(str(p) for p in parts).capitalize() + "."


PREDICTION_LABELS = {
    Round.PredictionTarget.PARTICIPANTS: gettext_lazy("How many people will take part in this round?"),
    Round.PredictionTarget.PERFECT: gettext_lazy("How many people will answer every question correctly?"),
    Round.PredictionTarget.PERFECT_PERCENT: gettext_lazy(
        "What percentage of participants will answer every question correctly?"
    ),
}


def prediction_label(round):
    """The prediction question (none in practice rounds, which are never ranked)."""
    label = None if round.is_practice else PREDICTION_LABELS.get(round.prediction_target)
    return str(label) if label else ""


def explanations_visible(*, attempt, round, now):
    """May the participant see correct answers and explanations of this attempt?"""
    if not attempt.is_finished:
        return False
    if round.explanations == Round.Explanations.AFTER_SUBMIT:
        return True
    if round.explanations == Round.Explanations.AFTER_CLOSE:
        return now >= round.closes_at or attempt.is_preview
    return attempt.is_preview


def rules_html(contest):
    """The contest's rules (Markdown) as sanitised HTML."""
    return render_rules(contest.rules_text)
