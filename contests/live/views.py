"""Live board pages and their JSON snapshots (the polling fallback)."""

from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.http import parse_id
from contests.live import boards
from contests.models import Block, Contest, Round
from contests.setup import rules_text


def board_labels():
    """Strings the board script shows, translated on the server."""
    return {
        "live": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "polling": _("Live updates unavailable; refreshing every few seconds"),
        "participants": _("%(n)s participants"),
        "me": _("Your rank: %(rank)s of %(n)s (%(correct)s correct, %(time)s)"),
        "me_none": _("You have no finished attempt in this round yet."),
        "empty": _("No finished attempts yet."),
        "leader": _("New leader: %(name)s, %(correct)s correct in %(time)s."),
        "my_change": _("Your rank is now %(rank)s."),
        "hidden": _("The organizers have hidden this leaderboard."),
        "officials": _("%(n)s officials, %(c)s citizens"),
    }


def _round_for_viewer(request, round_id):
    round = get_object_or_404(Round.objects.select_related("contest__owner_agency"), pk=round_id)
    contest = round.contest
    if contest.status == Contest.Status.DRAFT and not boards.is_staff_viewer(
        user=request.user, contest=contest
    ):
        raise Http404
    allowed = boards.may_watch(user=request.user, contest=contest)
    block = None
    block_param = request.GET.get("block", "")
    if block_param:
        if parse_id(block_param) is None:
            raise Http404
        block = get_object_or_404(Block, pk=parse_id(block_param), contest=contest)
    return round, block, allowed


@require_GET
def round_board(request, round_id):
    round, block, allowed = _round_for_viewer(request, round_id)
    if not allowed:
        return HttpResponseForbidden(
            _("This board is open only to the contest's participants and organizers.")
        )
    blocks = list(round.blocks.all()) or list(round.contest.blocks.all())
    if block is None and blocks:
        block = blocks[0]
    ws_path = f"/ws/rounds/{round.pk}/blocks/{block.pk}/board/" if block else f"/ws/rounds/{round.pk}/board/"
    snapshot_url = request.path + "snapshot.json" + (f"?block={block.pk}" if block else "")
    return render(
        request,
        "contests/board_round.html",
        {
            "round": round,
            "contest": round.contest,
            "blocks": blocks,
            "board_block": block,
            "ws_path": ws_path,
            "snapshot_url": snapshot_url,
            "big_screen": request.GET.get("screen") == "1",
            "board_labels": board_labels(),
        },
    )


@never_cache
@require_GET
def round_board_snapshot(request, round_id):
    round, block, allowed = _round_for_viewer(request, round_id)
    if not allowed:
        return JsonResponse({"code": "forbidden", "message": _("You may not watch this board.")}, status=403)
    staff = boards.is_staff_viewer(user=request.user, contest=round.contest)
    payload = boards.round_board(round_id=round.pk, block_id=block.pk if block else None, staff=staff)
    if request.user.is_authenticated:
        payload["me"] = boards.my_standing(
            round=round, block_id=block.pk if block else None, user=request.user
        )
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _contest_for_viewer(request, contest_id):
    contest = get_object_or_404(Contest.objects.select_related("owner_agency"), pk=contest_id)
    if contest.status == Contest.Status.DRAFT and not boards.is_staff_viewer(
        user=request.user, contest=contest
    ):
        raise Http404
    return contest, boards.may_watch(user=request.user, contest=contest)


@require_GET
def turnout_board(request, contest_id):
    contest, allowed = _contest_for_viewer(request, contest_id)
    if not allowed:
        return HttpResponseForbidden(
            _("This board is open only to the contest's participants and organizers.")
        )
    return render(
        request,
        "contests/board_turnout.html",
        {
            "contest": contest,
            "ws_path": f"/ws/contests/{contest.pk}/turnout/",
            "snapshot_url": request.path + "snapshot.json",
            "big_screen": request.GET.get("screen") == "1",
            "board_labels": board_labels(),
            "counting": rules_text.counting_in_words(contest),
        },
    )


@never_cache
@require_GET
def turnout_board_snapshot(request, contest_id):
    contest, allowed = _contest_for_viewer(request, contest_id)
    if not allowed:
        return JsonResponse({"code": "forbidden", "message": _("You may not watch this board.")}, status=403)
    return JsonResponse(
        boards.turnout_board(contest_id=contest.pk), json_dumps_params={"ensure_ascii": False}
    )
