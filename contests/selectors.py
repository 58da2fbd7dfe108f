"""Permission-aware reads for participants: which contests a person sees,
which rounds are open, whether (and why not) they may enter, and their block.

Deny by default. Times are compared in UTC; "today" and attempt days are
Asia/Ho_Chi_Minh dates.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import selectors as account_selectors
from accounts.models import Membership, User
from contests import drawing
from contests.models import Attempt, Contest, DrawRule, Round
from contests.rules_text import render_rules
from questionbank.models import Question

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LISTED = [Contest.Status.PUBLISHED, Contest.Status.CLOSED]


# --- time -------------------------------------------------------------------------


def local_date(moment):
    """The Asia/Ho_Chi_Minh calendar date of an aware datetime."""
    return moment.astimezone(VN).date()


def local_day_bounds(moment):
    """[start, end) of the Asia/Ho_Chi_Minh day containing `moment`, as aware datetimes."""
    day = local_date(moment)
    start = datetime(day.year, day.month, day.day, tzinfo=VN)
    return start, start + timedelta(days=1)


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


def can_manage_contest(*, user, contest):
    return account_selectors.can_manage_agency(user=user, agency=contest.owner_agency)


def _audience_condition(user):
    """Contests whose audience includes `user` (as a Q on Contest)."""
    condition = Q(audience_citizens=True)
    if user.kind == User.Kind.OFFICIAL and user.agency_id:
        ancestors = user.agency.ancestor_ids
        condition |= Q(audience_officials=True) & (
            Q(audience_agencies__isnull=True) | Q(audience_agencies__id__in=ancestors)
        )
    return condition


def visible_contests(user):
    """Published or closed contests the user may see: public ones for anyone;
    officials-only ones for officials of the chosen agencies (or every official
    when none are chosen) and for the organizers over the owning agency."""
    contests = Contest.objects.filter(status__in=LISTED)
    if not user.is_authenticated:
        return contests.filter(audience_citizens=True)
    if user.is_superuser:
        return contests
    condition = _audience_condition(user)
    managed = account_selectors.managed_agencies(user=user)
    condition |= Q(owner_agency__in=managed)
    return contests.filter(pk__in=Contest.objects.filter(condition).values("pk"))


def can_view_contest(*, user, contest):
    """The contest page: public contests for anyone; others for their audience,
    their organizers, and anyone signed in whose profile does not yet say who
    they are (so a link shared to new officials explains what to do)."""
    if user.is_authenticated and can_manage_contest(user=user, contest=contest):
        return True
    if contest.status not in LISTED:
        return False
    if contest.audience_citizens:
        return True
    if not user.is_authenticated:
        return False
    if not user.kind:
        return True
    return visible_contests(user).filter(pk=contest.pk).exists()


def contest_lists(*, user, now):
    """Visible contests split into open (a round open now), upcoming and past."""
    contests = (
        visible_contests(user)
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
            contest__in=visible_contests(user),
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
    if round is None or not can_view_contest(user=user, contest=round.contest):
        return None
    return round


# --- blocks ---------------------------------------------------------------------------


def round_blocks(*, contest, round=None):
    """The blocks a round is run in: its own list, else every block of the contest."""
    if round is not None:
        blocks = list(round.blocks.prefetch_related("agencies").order_by("position", "id"))
        if blocks:
            return blocks
    return list(contest.blocks.prefetch_related("agencies").order_by("position", "id"))


def _fits(block, user):
    if block.participant_kind and block.participant_kind != user.kind:
        return False
    agencies = list(block.agencies.all())
    if agencies:
        if user.kind != User.Kind.OFFICIAL or user.agency_id is None:
            return False
        ancestors = set(user.agency.ancestor_ids)
        return any(a.pk in ancestors for a in agencies)
    return True


def block_for(*, user, contest, round=None):
    """The participant's block: the first of the round's blocks (or the
    contest's) whose participant kind and agencies (with sub-agencies) fit.
    None when the contest has no blocks, or when none fits."""
    for block in round_blocks(contest=contest, round=round):
        if _fits(block, user):
            return block
    return None


# --- eligibility ------------------------------------------------------------------------


def _age_on(born, today):
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_contest_staff(*, user, contest):
    """Organizers over the owning agency (site admins included)."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, role=Membership.Role.ORGANIZER, agency_id__in=contest.owner_agency.ancestor_ids
    ).exists()


def wrote_or_reviewed_contest_questions(*, user, contest):
    """True when the user authored or approved a question its rounds may draw."""
    mine = Question.objects.filter(Q(author=user) | Q(reviewer=user))
    if not mine.exists():
        return False
    for rule in DrawRule.objects.filter(round__contest=contest).select_related("topic"):
        pool = drawing.rule_pool(rule=rule, agency=contest.owner_agency)
        if pool.filter(Q(author=user) | Q(reviewer=user)).exists():
            return True
    return False


def _has_entered(user, contest):
    return Attempt.objects.filter(user=user, round__contest=contest, is_preview=False).exists()


def join_code_matches(contest, join_code):
    return (join_code or "").strip().casefold() == contest.join_code.strip().casefold()


def entry_problems(*, user, contest, round=None, join_code=None, today=None):
    """Why `user` may not enter `contest` (and `round`), as translated
    sentences; an empty list means they may. Says exactly what is missing."""
    if not user.is_authenticated:
        return [_("Log in to take part.")]
    today = today or local_date(timezone.now())
    problems = []
    missing = account_selectors.missing_profile_fields(user)
    if missing:
        problems.append(
            _("Complete your profile first. Missing: %(fields)s.")
            % {"fields": ", ".join(str(m) for m in missing)}
        )
    if contest.min_age and user.date_of_birth and _age_on(user.date_of_birth, today) < contest.min_age:
        problems.append(
            ngettext(
                "You must be at least %(age)d year old to take part.",
                "You must be at least %(age)d years old to take part.",
                contest.min_age,
            )
            % {"age": contest.min_age}
        )
    if user.kind == User.Kind.CITIZEN and not contest.audience_citizens:
        problems.append(_("This contest is open to officials only."))
    elif user.kind == User.Kind.OFFICIAL and not contest.audience_officials:
        problems.append(_("This contest is open to citizens only."))
    elif user.kind == User.Kind.OFFICIAL and user.agency_id and not contest.audience_citizens:
        chosen = list(contest.audience_agencies.all())
        if chosen and not any(a.pk in set(user.agency.ancestor_ids) for a in chosen):
            problems.append(
                _(
                    "This contest is open to officials of %(agencies)s; your agency (%(agency)s) is not one of them."
                )
                % {"agencies": ", ".join(a.name for a in chosen), "agency": user.agency.name}
            )
    if contest.exclude_staff:
        if is_contest_staff(user=user, contest=contest):
            problems.append(_("Organisers of this contest cannot take part in it."))
        elif wrote_or_reviewed_contest_questions(user=user, contest=contest):
            problems.append(_("Authors and reviewers of this contest's questions cannot take part in it."))
    if user.kind:
        blocks = round_blocks(contest=contest, round=round)
        if blocks and not any(_fits(b, user) for b in blocks):
            problems.append(
                _("None of the blocks of this round (%(blocks)s) is open to you.")
                % {"blocks": ", ".join(b.name for b in blocks)}
            )
    if contest.join_code and not _has_entered(user, contest):
        if not (join_code or "").strip():
            problems.append(_("Enter the join code of this contest (the organisers give it out)."))
        elif not join_code_matches(contest, join_code):
            problems.append(_("The join code is not right. Check it with the organisers."))
    return problems


def needs_join_code(*, user, contest):
    return bool(contest.join_code) and not (user.is_authenticated and _has_entered(user, contest))


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
    start, end = local_day_bounds(now)
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
