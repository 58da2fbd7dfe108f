"""Organiser setup pages: contests, blocks, rounds and the live panel, under
/contests/organize/ in the `contests` namespace (the round preview and early
close are the quiz package's: `contests/quiz/urls.py`)."""

from django.urls import path

from contests.setup import views

P = "organize/"

urlpatterns = [
    path(P, views.contest_list, name="organize-list"),
    path(P + "new/", views.contest_create, name="organize-create"),
    path(P + "<int:contest_id>/", views.contest_detail, name="organize-detail"),
    path(P + "<int:contest_id>/edit/", views.contest_edit, name="organize-edit"),
    path(P + "<int:contest_id>/publish/", views.contest_publish, name="organize-publish"),
    path(P + "<int:contest_id>/close/", views.contest_close, name="organize-close"),
    path(P + "<int:contest_id>/blocks/", views.block_list, name="organize-blocks"),
    path(P + "<int:contest_id>/blocks/<int:block_id>/", views.block_edit, name="organize-block-edit"),
    path(
        P + "<int:contest_id>/blocks/<int:block_id>/delete/", views.block_delete, name="organize-block-delete"
    ),
    path(P + "<int:contest_id>/rounds/new/", views.round_create, name="organize-round-create"),
    path(P + "<int:contest_id>/rounds/<int:round_id>/", views.round_edit, name="organize-round-edit"),
    path(
        P + "<int:contest_id>/rounds/<int:round_id>/delete/", views.round_delete, name="organize-round-delete"
    ),
    path(P + "<int:contest_id>/rounds/<int:round_id>/live/", views.round_live, name="organize-round-live"),
    path(
        P + "<int:contest_id>/rounds/<int:round_id>/stats/",
        views.round_stats_json,
        name="organize-round-stats",
    ),
    path(P + "<int:contest_id>/audit/", views.contest_audit, name="organize-audit"),
    path(P + "<int:contest_id>/audit.xlsx", views.contest_audit_xlsx, name="organize-audit-xlsx"),
]
