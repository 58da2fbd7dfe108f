"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

websocket_router = URLRouter(websocket_urlpatterns)
websocket_with_auth = AuthMiddlewareStack(websocket_router)
SESSION_COOKIE = settings.SESSION_COOKIE_NAME.encode() + b"="


async def websocket_app(scope, receive, send):
    """A socket without a session cookie can only be anonymous: skip the session
    and user lookup (one hop to the sync thread per connect). A cookie header that
    merely contains the name takes the usual stack, which is only slower."""
    if not any(name == b"cookie" and SESSION_COOKIE in value for name, value in scope["headers"]):
        return await websocket_router(dict(scope, user=AnonymousUser()), receive, send)
    return await websocket_with_auth(scope, receive, send)


application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": AllowedHostsOriginValidator(websocket_app)}
)
