"""Participant pages under /contests/ in the `contests` namespace, and the
organiser's round preview and early close (under /contests/organize/).

Included last by contests/urls.py: the contest slug catches every other
single segment.

The attempt pages come before the contest slug, so "attempts" (like
"organize") cannot be a contest's short address.
"""

from django.urls import path

from contests.quiz import organize_views, views

ROUND = "organize/<int:contest_id>/rounds/<int:round_id>/"

urlpatterns = [
    path(ROUND + "preview/", organize_views.round_preview, name="organize-round-preview"),
    path(ROUND + "close/", organize_views.round_close, name="organize-round-close"),
    path("", views.contest_list, name="contest-list"),
    path("attempts/<int:attempt_id>/", views.quiz, name="quiz"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
    path("<slug:slug>/", views.contest_detail, name="contest-detail"),
    path("<slug:slug>/rounds/<int:number>/", views.round_enter, name="round-enter"),
]
