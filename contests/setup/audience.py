"""Who a contest is for, and who may see, enter or manage it.

One audience rule for every surface: the contest list, entry eligibility,
the turnout board, the participation report and collective prizes.
- A contest open to citizens is for every citizen.
- A contest open to officials is for the officials of the chosen agencies and
  of every agency below them; with no agency chosen it is for the officials of
  every active agency (`audience_agencies`).
- Organisers of the owning agency (or above it) manage it and always see it.

Deny by default: anonymous users see public contests only.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import selectors as account_selectors
from accounts.models import Agency, Membership, User
from contests.models import Attempt, Contest, DrawRule
from contests.rules import timer
from contests.setup import drawing
from questionbank.models import Question

LISTED = [Contest.Status.PUBLISHED, Contest.Status.CLOSED]


def can_manage_contest(*, user, contest):
    return account_selectors.can_manage_agency(user=user, agency=contest.owner_agency)


def audience_agencies(contest):
    """The agencies whose officials `contest` is for: the chosen agencies and
    every agency below them; with none chosen, every active agency. The
    turnout board, the participation report and collective prizes count
    these; `agency_in_audience` is the same rule for one agency."""
    qs = Agency.objects.filter(is_active=True)
    condition = Q()
    for path in contest.audience_agencies.values_list("path", flat=True):
        condition |= Q(path__startswith=path)
    return qs.filter(condition) if condition else qs


def agency_in_audience(*, agency, contest):
    """Whether officials of `agency` are in `contest`'s audience of officials
    (the chosen agencies and their subtrees; every agency when none are chosen)."""
    chosen = [a.path for a in contest.audience_agencies.all()]
    return not chosen or any(agency.path.startswith(path) for path in chosen)


def in_audience(*, user, contest):
    """Whether `user` is someone `contest` is for (by kind and agency)."""
    if not user.is_authenticated:
        return False
    if contest.audience_citizens and user.kind == User.Kind.CITIZEN:
        return True
    if contest.audience_officials and user.kind == User.Kind.OFFICIAL and user.agency_id:
        return agency_in_audience(agency=user.agency, contest=contest)
    return False


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
    today = today or timer.local_date(timezone.now())
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
    elif (
        user.kind == User.Kind.OFFICIAL
        and user.agency_id
        and not contest.audience_citizens
        and not agency_in_audience(agency=user.agency, contest=contest)
    ):
        chosen = contest.audience_agencies.all()
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
