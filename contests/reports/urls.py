"""Reports and exports for organisers, under /contests/results/ in the
`contests` namespace."""

from django.urls import path

from contests.reports import downloads, views

CONTEST = "results/<int:contest_id>/"
ROUND = CONTEST + "rounds/<int:round_id>/"

urlpatterns = [
    # A round: results, winners, summary and item statistics.
    path(ROUND + "results.xlsx", downloads.report_results_xlsx, name="report-results-xlsx"),
    path(ROUND + "winners.xlsx", downloads.report_winners_xlsx, name="report-winners-xlsx"),
    path(ROUND + "winners.pdf", downloads.report_winners_pdf, name="report-winners-pdf"),
    path(ROUND + "summary/", views.report_round, name="report-round"),
    path(ROUND + "summary.xlsx", views.report_round_xlsx, name="report-round-xlsx"),
    path(ROUND + "summary.pdf", views.report_round_pdf, name="report-round-pdf"),
    path(ROUND + "items/", views.report_items, name="report-items"),
    path(ROUND + "items.xlsx", views.report_items_xlsx, name="report-items-xlsx"),
    # A contest: participation by agency.
    path(CONTEST + "participation/", views.report_participation, name="report-participation"),
    path(CONTEST + "participation.xlsx", views.report_participation_xlsx, name="report-participation-xlsx"),
    path(
        CONTEST + "participation/<int:agency_id>/", views.report_agency_members, name="report-agency-members"
    ),
    path(
        CONTEST + "participation/<int:agency_id>.xlsx",
        views.report_agency_members_xlsx,
        name="report-agency-members-xlsx",
    ),
    # Every contest an organiser manages, over a period.
    path("results/periodic/", views.report_periodic, name="report-periodic"),
    path("results/periodic.xlsx", views.report_periodic_xlsx, name="report-periodic-xlsx"),
]
