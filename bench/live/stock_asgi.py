"""(b) The tutorial shape: a Channels consumer per viewer that joins a group;
`stock_publisher.py` `group_send`s the board to that group once per second.

Same Django settings as the site (so the channels-redis layer with the
project's capacity and expiry), same auth and origin middleware, same
top-20 payload. Served by Daphne like the site:

    daphne -b 127.0.0.1 -p PORT bench.live.stock_asgi:application
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "bench-board"


class TutorialBoardConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def board_update(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/stock/", TutorialBoardConsumer.as_asgi())]))
        ),
    }
)
