"""Results, prizes, published winners and certificates, under
/contests/results/ in the `contests` namespace (the reports beside them are
contests/reports/urls.py)."""

from django.urls import path

from contests.results import check_views, collective_views, views
from contests.results import winners_views as public

CONTEST = "results/<int:contest_id>/"
ROUND = CONTEST + "rounds/<int:round_id>/"

urlpatterns = [
    # Organisers: a contest's results, ranking rules, prizes.
    path(CONTEST, views.award_contest, name="award-contest"),
    path(CONTEST + "rules/", views.award_policy, name="award-policy"),
    path(CONTEST + "prizes/", views.award_prizes, name="award-prizes"),
    path(ROUND + "rules/", views.award_policy, name="award-round-policy"),
    path(ROUND, views.award_round, name="award-round"),
    path(ROUND + "finalise/", views.award_finalise, name="award-finalise"),
    path(ROUND + "disqualify/", views.award_disqualify, name="award-disqualify"),
    path(ROUND + "ties/", views.award_tie, name="award-tie"),
    path(ROUND + "publish/", views.award_publish, name="award-publish"),
    path(ROUND + "check/<int:award_id>/", check_views.award_check, name="award-check"),
    path(ROUND + "versions/<int:version>/", views.award_version, name="award-version"),
    # Organisers: collective prizes.
    path(CONTEST + "collective/new/", collective_views.award_collective, name="award-collective-new"),
    path(
        CONTEST + "collective/<int:prize_id>/",
        collective_views.award_collective_detail,
        name="award-collective-detail",
    ),
    path(
        CONTEST + "collective/<int:prize_id>/edit/",
        collective_views.award_collective,
        name="award-collective-edit",
    ),
    path(
        CONTEST + "collective/<int:prize_id>.xlsx",
        collective_views.award_collective_xlsx,
        name="award-collective-xlsx",
    ),
    # Anyone: published winners and certificates.
    path("results/winners/<slug:slug>/", public.winners_contest, name="winners-contest"),
    path("results/winners/<slug:slug>/<int:number>/", public.winners_round, name="winners-round"),
    path(
        "results/winners/<slug:slug>/<int:number>/results.json",
        public.winners_canonical,
        name="winners-canonical",
    ),
    path(
        "results/winners/<slug:slug>/<int:number>/v<int:version>/",
        public.winners_round_version,
        name="winners-round-version",
    ),
    path(
        "results/winners/<slug:slug>/<int:number>/v<int:version>/results.json",
        public.winners_canonical_version,
        name="winners-canonical-version",
    ),
    path("results/certificates/", public.certificate_lookup, name="certificate-lookup"),
    path("results/certificates/mine/", public.certificate_mine, name="certificate-mine"),
    path("results/certificates/<str:code>/", public.certificate_verify, name="certificate-verify"),
    path("results/certificates/<str:code>/pdf/", public.certificate_pdf, name="certificate-pdf"),
]
