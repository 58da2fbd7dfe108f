"""Every URL name and path of the contests app and the JSON API, as they were
before contests/ became packages: each still reverses to the same path and
that path resolves back to the same name (templates, quiz.js, board.js, the
README's API and outside clients rely on them)."""

import re

import pytest
from django.urls import resolve, reverse

from config.routing import websocket_urlpatterns

URLS = {
    "contests:organize-list": "/contests/organize/",
    "contests:organize-create": "/contests/organize/new/",
    "contests:organize-detail": "/contests/organize/<int:contest_id>/",
    "contests:organize-edit": "/contests/organize/<int:contest_id>/edit/",
    "contests:organize-publish": "/contests/organize/<int:contest_id>/publish/",
    "contests:organize-close": "/contests/organize/<int:contest_id>/close/",
    "contests:organize-blocks": "/contests/organize/<int:contest_id>/blocks/",
    "contests:organize-block-edit": "/contests/organize/<int:contest_id>/blocks/<int:block_id>/",
    "contests:organize-block-delete": "/contests/organize/<int:contest_id>/blocks/<int:block_id>/delete/",
    "contests:organize-round-create": "/contests/organize/<int:contest_id>/rounds/new/",
    "contests:organize-round-edit": "/contests/organize/<int:contest_id>/rounds/<int:round_id>/",
    "contests:organize-round-delete": "/contests/organize/<int:contest_id>/rounds/<int:round_id>/delete/",
    "contests:organize-round-preview": "/contests/organize/<int:contest_id>/rounds/<int:round_id>/preview/",
    "contests:organize-round-close": "/contests/organize/<int:contest_id>/rounds/<int:round_id>/close/",
    "contests:organize-round-live": "/contests/organize/<int:contest_id>/rounds/<int:round_id>/live/",
    "contests:organize-round-stats": "/contests/organize/<int:contest_id>/rounds/<int:round_id>/stats/",
    # Added by the audit log (verifiable results, point 10).
    "contests:organize-audit": "/contests/organize/<int:contest_id>/audit/",
    "contests:organize-audit-xlsx": "/contests/organize/<int:contest_id>/audit.xlsx",
    "contests:board-round": "/contests/boards/rounds/<int:round_id>/",
    "contests:board-round-snapshot": "/contests/boards/rounds/<int:round_id>/snapshot.json",
    "contests:board-turnout": "/contests/boards/contests/<int:contest_id>/turnout/",
    "contests:board-turnout-snapshot": "/contests/boards/contests/<int:contest_id>/turnout/snapshot.json",
    "contests:award-contest": "/contests/results/<int:contest_id>/",
    "contests:award-policy": "/contests/results/<int:contest_id>/rules/",
    "contests:award-prizes": "/contests/results/<int:contest_id>/prizes/",
    "contests:award-round-policy": "/contests/results/<int:contest_id>/rounds/<int:round_id>/rules/",
    "contests:award-round": "/contests/results/<int:contest_id>/rounds/<int:round_id>/",
    "contests:award-finalise": "/contests/results/<int:contest_id>/rounds/<int:round_id>/finalise/",
    "contests:award-disqualify": "/contests/results/<int:contest_id>/rounds/<int:round_id>/disqualify/",
    "contests:award-tie": "/contests/results/<int:contest_id>/rounds/<int:round_id>/ties/",
    "contests:award-publish": "/contests/results/<int:contest_id>/rounds/<int:round_id>/publish/",
    # Added by the winner check (verifiable results, point 9).
    "contests:award-check": "/contests/results/<int:contest_id>/rounds/<int:round_id>/check/<int:award_id>/",
    "contests:award-version": "/contests/results/<int:contest_id>/rounds/<int:round_id>/versions/<int:version>/",
    "contests:report-results-xlsx": "/contests/results/<int:contest_id>/rounds/<int:round_id>/results.xlsx",
    "contests:report-winners-xlsx": "/contests/results/<int:contest_id>/rounds/<int:round_id>/winners.xlsx",
    "contests:report-winners-pdf": "/contests/results/<int:contest_id>/rounds/<int:round_id>/winners.pdf",
    "contests:report-round": "/contests/results/<int:contest_id>/rounds/<int:round_id>/summary/",
    "contests:report-round-xlsx": "/contests/results/<int:contest_id>/rounds/<int:round_id>/summary.xlsx",
    "contests:report-round-pdf": "/contests/results/<int:contest_id>/rounds/<int:round_id>/summary.pdf",
    "contests:report-items": "/contests/results/<int:contest_id>/rounds/<int:round_id>/items/",
    "contests:report-items-xlsx": "/contests/results/<int:contest_id>/rounds/<int:round_id>/items.xlsx",
    "contests:report-participation": "/contests/results/<int:contest_id>/participation/",
    "contests:report-participation-xlsx": "/contests/results/<int:contest_id>/participation.xlsx",
    "contests:report-agency-members": "/contests/results/<int:contest_id>/participation/<int:agency_id>/",
    "contests:report-agency-members-xlsx": "/contests/results/<int:contest_id>/participation/<int:agency_id>.xlsx",
    "contests:award-collective-new": "/contests/results/<int:contest_id>/collective/new/",
    "contests:award-collective-detail": "/contests/results/<int:contest_id>/collective/<int:prize_id>/",
    "contests:award-collective-edit": "/contests/results/<int:contest_id>/collective/<int:prize_id>/edit/",
    "contests:award-collective-xlsx": "/contests/results/<int:contest_id>/collective/<int:prize_id>.xlsx",
    "contests:report-periodic": "/contests/results/periodic/",
    "contests:report-periodic-xlsx": "/contests/results/periodic.xlsx",
    "contests:winners-contest": "/contests/results/winners/<slug:slug>/",
    "contests:winners-round": "/contests/results/winners/<slug:slug>/<int:number>/",
    "contests:winners-canonical": "/contests/results/winners/<slug:slug>/<int:number>/results.json",
    # Added by the verifiable-results issue: every published version stays public.
    "contests:winners-round-version": "/contests/results/winners/<slug:slug>/<int:number>/v<int:version>/",
    "contests:winners-canonical-version": "/contests/results/winners/<slug:slug>/<int:number>/v<int:version>/results.json",
    "contests:certificate-lookup": "/contests/results/certificates/",
    "contests:certificate-mine": "/contests/results/certificates/mine/",
    "contests:certificate-verify": "/contests/results/certificates/<str:code>/",
    "contests:certificate-pdf": "/contests/results/certificates/<str:code>/pdf/",
    "contests:contest-list": "/contests/",
    "contests:quiz": "/contests/attempts/<int:attempt_id>/",
    "contests:result": "/contests/attempts/<int:attempt_id>/result/",
    "contests:contest-detail": "/contests/<slug:slug>/",
    "contests:round-enter": "/contests/<slug:slug>/rounds/<int:number>/",
    "api:time": "/api/time/",
    "api:open-rounds": "/api/rounds/open/",
    "api:round-start": "/api/rounds/<int:round_id>/start/",
    "api:round-leaderboard": "/api/rounds/<int:round_id>/leaderboard/",
    "api:my-attempts": "/api/attempts/mine/",
    "api:attempt": "/api/attempts/<int:attempt_id>/",
    "api:attempt-answer": "/api/attempts/<int:attempt_id>/answers/<int:position>/",
    "api:attempt-submit": "/api/attempts/<int:attempt_id>/submit/",
}

WEBSOCKETS = [
    "ws/rounds/<int:round_id>/board/",
    "ws/rounds/<int:round_id>/blocks/<int:block_id>/board/",
    "ws/contests/<int:contest_id>/turnout/",
]

SAMPLES = {"int": "7", "slug": "cchc-2021", "str": "ABCD-1234", "path": "a/b"}


def _sample(route):
    """The route with every converter filled in, and the kwargs used."""
    kwargs = {}

    def fill(match):
        converter, name = match.group(1), match.group(2)
        kwargs[name] = SAMPLES[converter]
        return SAMPLES[converter]

    return re.sub(r"<(\w+):(\w+)>", fill, route), kwargs


@pytest.mark.parametrize("name", sorted(URLS))
def test_it_keeps_every_name_and_path(name):
    path, kwargs = _sample(URLS[name])
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.view_name == name
    assert match.kwargs == {k: int(v) if v.isdigit() else v for k, v in kwargs.items()}


def test_it_lists_no_new_or_lost_names():
    from django.urls import get_resolver

    names = set()
    for namespace in ("contests", "api"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{n}" for n in resolver.reverse_dict if isinstance(n, str)}
    assert names == set(URLS)


def test_it_keeps_the_websocket_routes():
    assert [str(p.pattern) for p in websocket_urlpatterns] == WEBSOCKETS
