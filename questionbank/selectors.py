"""Permission-aware reads of the question bank. Deny by default."""

from django.db.models import Count, Q

from accounts import selectors as account_selectors
from accounts.models import Agency, Membership
from questionbank.models import Question, Topic
from questionbank.text import dedup_key

BANK_ROLES = [Membership.Role.ORGANIZER, Membership.Role.AUTHOR, Membership.Role.REVIEWER]
EDIT_ROLES = [Membership.Role.ORGANIZER, Membership.Role.AUTHOR]
REVIEW_ROLES = [Membership.Role.ORGANIZER, Membership.Role.REVIEWER]


def bank_agencies(*, user):
    """Agencies whose private questions the user may read (any bank role, with subtree)."""
    return account_selectors.agencies_with_role(user=user, roles=BANK_ROLES)


def has_bank_access(*, user):
    return user.is_authenticated and (user.is_superuser or bank_agencies(user=user).exists())


def readable_questions(*, user):
    """Questions of the user's agencies (and sub-agencies), plus every shared one."""
    if not user.is_authenticated:
        return Question.objects.none()
    if user.is_superuser:
        return Question.objects.all()
    agency_ids = list(bank_agencies(user=user).values_list("id", flat=True))
    if not agency_ids:
        return Question.objects.none()
    return Question.objects.filter(Q(owner_agency_id__in=agency_ids) | Q(sharing=Question.Sharing.SHARED))


def can_read_question(*, user, question):
    return readable_questions(user=user).filter(pk=question.pk).exists()


def can_edit_question(*, user, question):
    return account_selectors.has_role_for_agency(user=user, agency=question.owner_agency, roles=EDIT_ROLES)


def can_review_question(*, user, question):
    """Reviewers (or organizers) over the owner agency, never the question's author."""
    if question.author_id is not None and question.author_id == user.pk:
        return False
    return account_selectors.has_role_for_agency(user=user, agency=question.owner_agency, roles=REVIEW_ROLES)


def agencies_for_new_questions(*, user):
    """Agencies the user may own new questions for."""
    return account_selectors.agencies_with_role(user=user, roles=EDIT_ROLES)


def usable_questions(*, agency):
    """Approved questions a contest owned by `agency` may draw: shared ones, and
    private ones owned by the agency, its ancestors or its sub-agencies."""
    related = Q(owner_agency_id__in=agency.ancestor_ids) | Q(owner_agency__path__startswith=agency.path)
    return Question.objects.filter(status=Question.Status.APPROVED).filter(
        related | Q(sharing=Question.Sharing.SHARED)
    )


def duplicates_of(*, text, owner_agency, exclude_id=None):
    """Questions with the same folded text in the owner's scope (its readable set)."""
    key = dedup_key(text)
    scope = (
        Q(sharing=Question.Sharing.SHARED)
        | Q(owner_agency_id__in=owner_agency.ancestor_ids)
        | Q(owner_agency__path__startswith=owner_agency.path)
    )
    qs = Question.objects.filter(dedup_key=key).filter(scope).exclude(status=Question.Status.RETIRED)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs


def topic_choices():
    return [(t.pk, "\u2003" * t.depth + t.name) for t in Topic.objects.only("id", "name", "path")]


def topic_subtree_ids(topic):
    return list(Topic.objects.filter(path__startswith=topic.path).values_list("id", flat=True))


def bank_counts(*, questions):
    """Counts per topic × difficulty × status, for the drawing overview."""
    rows = questions.values("topic_id", "difficulty", "status").annotate(n=Count("id")).order_by()
    counts = {}
    for row in rows:
        counts[(row["topic_id"], row["difficulty"], row["status"])] = row["n"]
    return counts


def owner_agency_choices(*, user):
    return [(a.pk, "\u2003" * a.depth + a.name) for a in agencies_for_new_questions(user=user)]


def agency_by_id(pk):
    return Agency.objects.get(pk=pk)
