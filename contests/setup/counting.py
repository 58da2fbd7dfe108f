"""Who counts, and for which agency: the one counting rule of the turnout
board, the participation report (and its members who have not taken part)
and collective prizes.

- A participant is a person with a valid entry: a finished attempt that is
  not an organiser's preview, in a round where that person is not
  disqualified (`valid_attempts`).
- A person counts for their own agency (their profile's agency). With the
  contest's `count_subagencies` (off by default) they also count for every
  agency above it, and an agency's headcount is its own plus those of its
  active sub-agencies; off, each agency counts its own people against its
  own headcount. `Agency.headcount` is an agency's own staff (the province's
  row holds its own office, not the province's total), so the rates of a
  tree never count anyone twice.
- An inactive agency counts for no one above it: neither its people nor its
  headcount (the agencies below it that are still active do count).
"""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Agency
from contests.models import Attempt, Disqualification


def valid_attempts(**filters):
    """Finished, non-preview attempts whose person is not disqualified in that round."""
    disqualified = Disqualification.objects.filter(round=OuterRef("round"), user=OuterRef("user"))
    return (
        Attempt.objects.filter(is_preview=False, **filters)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .exclude(Exists(disqualified))
    )


def _ids(path):
    return [int(part) for part in path.strip("/").split("/") if part]


def counts_for(*, agency_id, path, is_active, subtree):
    """The ids of the agencies a person of agency `agency_id` counts for:
    their own, and with `subtree` every agency above it (from its `path`)."""
    if subtree and is_active and path:
        return _ids(path)
    return [agency_id]


def participants_by_agency(*, contest, round=None, rounds=None, subtree=None):
    """{agency_id: distinct people with a valid entry} in the contest, one
    `round` or a list of `rounds`. `subtree` (default: the contest's
    `count_subagencies`) also counts each person for every agency above theirs."""
    if subtree is None:
        subtree = contest.count_subagencies
    if round is not None:
        filters = {"round": round}
    elif rounds is not None:
        filters = {"round__in": rounds}
    else:
        filters = {"round__contest": contest}
    rows = (
        valid_attempts(**filters)
        .filter(user__agency__isnull=False)
        .values("user__agency_id", "user__agency__path", "user__agency__is_active")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    counts = defaultdict(int)
    for r in rows:
        for agency_id in counts_for(
            agency_id=r["user__agency_id"],
            path=r["user__agency__path"],
            is_active=r["user__agency__is_active"],
            subtree=subtree,
        ):
            counts[agency_id] += r["n"]
    return dict(counts)


def _active_below(agencies):
    """Active agencies in the subtrees of `agencies` (themselves included)."""
    roots = []
    for path in sorted({a.path for a in agencies if a.path}):  # a subtree's paths sort after its root
        if not roots or not path.startswith(roots[-1]):
            roots.append(path)
    if not roots:
        return Agency.objects.none()
    condition = Q()
    for path in roots:
        condition |= Q(path__startswith=path)
    return Agency.objects.filter(condition, is_active=True)


def headcounts(agencies, *, subtree):
    """{agency_id: headcount} of `agencies` (with id, path and headcount):
    their own, or with `subtree` their own plus those of their active sub-agencies."""
    agencies = list(agencies)
    totals = {a.pk: a.headcount for a in agencies}
    if subtree:
        for agency_id, path, headcount in _active_below(agencies).values_list("pk", "path", "headcount"):
            for above in _ids(path):
                if above != agency_id and above in totals:
                    totals[above] += headcount
    return totals


def people_filter(agencies, *, subtree, prefix="user__"):
    """A Q on a model with a user (`prefix` "user__"; "" for User itself)
    keeping the people who count for one of `agencies`."""
    agencies = list(agencies)
    own = Q(**{f"{prefix}agency__in": [a.pk for a in agencies]})
    if not subtree:
        return own
    return own | Q(**{f"{prefix}agency__in": _active_below(agencies)})
