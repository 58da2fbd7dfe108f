"""Organizer pages, mounted at /contests/organize/ in the `contests` namespace."""

from django.urls import path

from contests import organizer_views as views

urlpatterns = [
    path("", views.contest_list, name="organize-list"),
    path("new/", views.contest_create, name="organize-create"),
    path("<int:contest_id>/", views.contest_detail, name="organize-detail"),
    path("<int:contest_id>/edit/", views.contest_edit, name="organize-edit"),
    path("<int:contest_id>/publish/", views.contest_publish, name="organize-publish"),
    path("<int:contest_id>/close/", views.contest_close, name="organize-close"),
    path("<int:contest_id>/blocks/", views.block_list, name="organize-blocks"),
    path("<int:contest_id>/blocks/<int:block_id>/", views.block_edit, name="organize-block-edit"),
    path("<int:contest_id>/blocks/<int:block_id>/delete/", views.block_delete, name="organize-block-delete"),
    path("<int:contest_id>/rounds/new/", views.round_create, name="organize-round-create"),
    path("<int:contest_id>/rounds/<int:round_id>/", views.round_edit, name="organize-round-edit"),
    path("<int:contest_id>/rounds/<int:round_id>/delete/", views.round_delete, name="organize-round-delete"),
    path(
        "<int:contest_id>/rounds/<int:round_id>/preview/", views.round_preview, name="organize-round-preview"
    ),
    path("<int:contest_id>/rounds/<int:round_id>/close/", views.round_close, name="organize-round-close"),
    path("<int:contest_id>/rounds/<int:round_id>/live/", views.round_live, name="organize-round-live"),
    path(
        "<int:contest_id>/rounds/<int:round_id>/stats/", views.round_stats_json, name="organize-round-stats"
    ),
]
