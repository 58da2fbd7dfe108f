"""Permission-aware reads of the question bank. Deny by default."""

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts import selectors as account_selectors
from accounts.models import Agency, Membership
from questionbank.models import Question, QuestionVersion, Topic
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


@dataclass(frozen=True)
class BankAccess:
    """Everything the bank list needs to know about one user, read at once.

    Same rules as `readable_questions`, `agencies_for_new_questions` and
    `accounts.selectors.managed_agencies` (tests/questionbank/test_selectors.py
    checks they agree), in three queries instead of three each: the list page
    needs all of them on every request.
    """

    superuser: bool = False
    read_ids: frozenset = frozenset()  # agencies whose private questions the user reads
    edit_ids: frozenset = frozenset()  # agencies the user writes questions for
    manages: bool = False  # organizer of some agency (creates topics)

    @property
    def has_access(self):
        return self.superuser or bool(self.read_ids)

    def readable_questions(self):
        if self.superuser:
            return Question.objects.all()
        if not self.read_ids:
            return Question.objects.none()
        return Question.objects.filter(
            Q(owner_agency_id__in=sorted(self.read_ids)) | Q(sharing=Question.Sharing.SHARED)
        )


def bank_access(*, user):
    if not user.is_authenticated or not user.is_active:
        return BankAccess()
    if user.is_superuser:
        every = frozenset(Agency.objects.values_list("id", flat=True))
        return BankAccess(superuser=True, read_ids=every, edit_ids=every, manages=True)
    roles = list(
        Membership.objects.filter(user=user, role__in=BANK_ROLES, agency__is_active=True).values_list(
            "role", "agency__path"
        )
    )
    if any(role == Membership.Role.ORGANIZER for role, _path in roles) and not (
        account_selectors.has_verified_email(user)
    ):
        roles = [(role, path) for role, path in roles if role != Membership.Role.ORGANIZER]
    if not roles:
        return BankAccess()
    condition = Q()
    for _role, path in roles:
        condition |= Q(path__startswith=path)
    read, edit = set(), set()
    for pk, path in Agency.objects.filter(condition).values_list("id", "path"):
        read.add(pk)
        if any(role in EDIT_ROLES and path.startswith(prefix) for role, prefix in roles):
            edit.add(pk)
    manages = any(role == Membership.Role.ORGANIZER for role, _path in roles)
    return BankAccess(read_ids=frozenset(read), edit_ids=frozenset(edit), manages=manages)


def can_read_question(*, user, question):
    return readable_questions(user=user).filter(pk=question.pk).exists()


def can_edit_question(*, user, question):
    return account_selectors.has_role_for_agency(user=user, agency=question.owner_agency, roles=EDIT_ROLES)


def wrote_question(*, user, question):
    """True for the question's author and for whoever wrote its current version."""
    if not user.is_authenticated:
        return False
    if question.author_id is not None and question.author_id == user.pk:
        return True
    return QuestionVersion.objects.filter(pk=question.current_version_id, created_by_id=user.pk).exists()


def can_review_question(*, user, question):
    """Reviewers (or organizers) over the owner agency, never whoever wrote the question."""
    if wrote_question(user=user, question=question):
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


def topics_in_tree_order():
    """Every topic, parents before children and siblings in creation order.

    (Ordering by the path string would put "/10/" before "/2/".)"""
    topics = list(Topic.objects.only("id", "name", "code", "path"))
    return sorted(topics, key=lambda t: [int(part) for part in t.path.strip("/").split("/") if part])


def topic_choices():
    return [(t.pk, "\u2003" * t.depth + t.name) for t in topics_in_tree_order()]


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
