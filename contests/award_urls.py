"""Results, prizes, reports and certificates, mounted at /contests/results/
in the `contests` namespace."""

from django.urls import path

from contests import award_views as views
from contests import report_views as reports
from contests import winners_views as public

ROUND = "<int:contest_id>/rounds/<int:round_id>/"

urlpatterns = [
    # Organisers: a contest's results, ranking rules, prizes.
    path("<int:contest_id>/", views.award_contest, name="award-contest"),
    path("<int:contest_id>/rules/", views.award_policy, name="award-policy"),
    path("<int:contest_id>/prizes/", views.award_prizes, name="award-prizes"),
    path(ROUND + "rules/", views.award_policy, name="award-round-policy"),
    path(ROUND, views.award_round, name="award-round"),
    path(ROUND + "finalise/", views.award_finalise, name="award-finalise"),
    path(ROUND + "disqualify/", views.award_disqualify, name="award-disqualify"),
    path(ROUND + "ties/", views.award_tie, name="award-tie"),
    path(ROUND + "publish/", views.award_publish, name="award-publish"),
    path(ROUND + "versions/<int:version>/", views.award_version, name="award-version"),
    # Organisers: reports and exports of a round.
    path(ROUND + "results.xlsx", reports.report_results_xlsx, name="report-results-xlsx"),
    path(ROUND + "winners.xlsx", reports.report_winners_xlsx, name="report-winners-xlsx"),
    path(ROUND + "winners.pdf", reports.report_winners_pdf, name="report-winners-pdf"),
    path(ROUND + "summary/", reports.report_round, name="report-round"),
    path(ROUND + "summary.xlsx", reports.report_round_xlsx, name="report-round-xlsx"),
    path(ROUND + "summary.pdf", reports.report_round_pdf, name="report-round-pdf"),
    path(ROUND + "items/", reports.report_items, name="report-items"),
    path(ROUND + "items.xlsx", reports.report_items_xlsx, name="report-items-xlsx"),
    # Organisers: participation, collective prizes, periodic report.
    path("<int:contest_id>/participation/", reports.report_participation, name="report-participation"),
    path(
        "<int:contest_id>/participation.xlsx",
        reports.report_participation_xlsx,
        name="report-participation-xlsx",
    ),
    path(
        "<int:contest_id>/participation/<int:agency_id>/",
        reports.report_agency_members,
        name="report-agency-members",
    ),
    path(
        "<int:contest_id>/participation/<int:agency_id>.xlsx",
        reports.report_agency_members_xlsx,
        name="report-agency-members-xlsx",
    ),
    path("<int:contest_id>/collective/new/", views.award_collective, name="award-collective-new"),
    path(
        "<int:contest_id>/collective/<int:prize_id>/",
        views.award_collective_detail,
        name="award-collective-detail",
    ),
    path(
        "<int:contest_id>/collective/<int:prize_id>/edit/",
        views.award_collective,
        name="award-collective-edit",
    ),
    path(
        "<int:contest_id>/collective/<int:prize_id>.xlsx",
        views.award_collective_xlsx,
        name="award-collective-xlsx",
    ),
    path("periodic/", reports.report_periodic, name="report-periodic"),
    path("periodic.xlsx", reports.report_periodic_xlsx, name="report-periodic-xlsx"),
    # Anyone: published winners and certificates.
    path("winners/<slug:slug>/", public.winners_contest, name="winners-contest"),
    path("winners/<slug:slug>/<int:number>/", public.winners_round, name="winners-round"),
    path("winners/<slug:slug>/<int:number>/results.json", public.winners_canonical, name="winners-canonical"),
    path("certificates/", public.certificate_lookup, name="certificate-lookup"),
    path("certificates/mine/", public.certificate_mine, name="certificate-mine"),
    path("certificates/<str:code>/", public.certificate_verify, name="certificate-verify"),
    path("certificates/<str:code>/pdf/", public.certificate_pdf, name="certificate-pdf"),
]
