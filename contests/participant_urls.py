"""Participant pages, mounted at /contests/ in the `contests` namespace.

The attempt pages come before the contest slug, so "attempts" (like
"organize") cannot be a contest's short address.
"""

from django.urls import path

from contests import views

urlpatterns = [
    path("", views.contest_list, name="contest-list"),
    path("attempts/<int:attempt_id>/", views.quiz, name="quiz"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
    path("<slug:slug>/", views.contest_detail, name="contest-detail"),
    path("<slug:slug>/rounds/<int:number>/", views.round_enter, name="round-enter"),
]
