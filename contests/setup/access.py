"""The access helpers every contest view starts with: one per rule.

- `managed_contest` / `managed_block` / `managed_round`: the organiser pages
  (setup, results, reports). Organisers of the owning agency (or above it)
  pass; anyone else gets 403 for a listed public contest (it exists, but is
  not theirs) and 404 for everything else (drafts and restricted contests
  are not revealed).
- `visible_contest` / `visible_round`: the participant and public pages; the
  contest must be visible to the person (`audience.can_view_contest`), else 404.
- `require_organizer`: pages that list what a person organises.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.selectors import managed_agencies
from contests.models import Block, Contest, Round
from contests.setup import audience


def require_organizer(request):
    """A signed-in user who organises for at least one agency; 403 otherwise."""
    if not managed_agencies(user=request.user).exists():
        raise PermissionDenied
    return request.user


def managed_contest(request, contest_id):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), pk=contest_id)
    if not audience.can_manage_contest(user=request.user, contest=contest):
        if contest.status != Contest.Status.DRAFT and contest.is_public:
            raise PermissionDenied
        raise Http404
    return contest


def managed_block(request, contest_id, block_id):
    contest = managed_contest(request, contest_id)
    return contest, get_object_or_404(Block, pk=block_id, contest=contest)


def managed_round(request, contest_id, round_id):
    contest = managed_contest(request, contest_id)
    round = get_object_or_404(Round, pk=round_id, contest=contest)
    round.contest = contest
    return contest, round


def visible_contest(request, slug):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), slug=slug)
    if not audience.can_view_contest(user=request.user, contest=contest):
        raise Http404
    return contest


def visible_round(request, slug, number):
    contest = visible_contest(request, slug)
    round = get_object_or_404(Round, contest=contest, number=number)
    round.contest = contest
    return contest, round
