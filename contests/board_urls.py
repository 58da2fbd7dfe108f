from django.urls import path

from contests import board_views

urlpatterns = [
    path("rounds/<int:round_id>/", board_views.round_board, name="board-round"),
    path(
        "rounds/<int:round_id>/snapshot.json", board_views.round_board_snapshot, name="board-round-snapshot"
    ),
    path("contests/<int:contest_id>/turnout/", board_views.turnout_board, name="board-turnout"),
    path(
        "contests/<int:contest_id>/turnout/snapshot.json",
        board_views.turnout_board_snapshot,
        name="board-turnout-snapshot",
    ),
]
