"""WebSocket routes of every app, collected in one place."""

from django.urls import path

from contests.live import consumers

websocket_urlpatterns = [
    path("ws/rounds/<int:round_id>/board/", consumers.RoundBoardConsumer.as_asgi()),
    path("ws/rounds/<int:round_id>/blocks/<int:block_id>/board/", consumers.RoundBoardConsumer.as_asgi()),
    path("ws/contests/<int:contest_id>/turnout/", consumers.TurnoutConsumer.as_asgi()),
]
