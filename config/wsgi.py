"""WSGI entry point: plain HTTP only (pages and the JSON API), for a WSGI
server such as Gunicorn in front of which nginx sends `/ws/` to the ASGI
processes. See deploy/README.md."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
