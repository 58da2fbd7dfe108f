"""Live boards, under /contests/boards/ in the `contests` namespace (their
WebSockets are routed in config/routing.py)."""

from django.urls import path

from contests.live import views as board_views

P = "boards/"

urlpatterns = [
    path(P + "rounds/<int:round_id>/", board_views.round_board, name="board-round"),
    path(
        P + "rounds/<int:round_id>/snapshot.json",
        board_views.round_board_snapshot,
        name="board-round-snapshot",
    ),
    path(P + "contests/<int:contest_id>/turnout/", board_views.turnout_board, name="board-turnout"),
    path(
        P + "contests/<int:contest_id>/turnout/snapshot.json",
        board_views.turnout_board_snapshot,
        name="board-turnout-snapshot",
    ),
]
