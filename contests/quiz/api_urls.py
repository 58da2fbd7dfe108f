"""The participant JSON API, mounted at /api/ in the `api` namespace (see contests/api.py)."""

from django.urls import path

from contests.quiz import api

urlpatterns = [
    path("time/", api.server_time, name="time"),
    path("rounds/open/", api.open_rounds, name="open-rounds"),
    path("rounds/<int:round_id>/start/", api.start, name="round-start"),
    path("rounds/<int:round_id>/leaderboard/", api.round_leaderboard, name="round-leaderboard"),
    path("attempts/mine/", api.mine, name="my-attempts"),
    path("attempts/<int:attempt_id>/", api.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/answers/<int:position>/", api.save, name="attempt-answer"),
    path("attempts/<int:attempt_id>/submit/", api.submit, name="attempt-submit"),
]
