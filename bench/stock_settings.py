"""The baseline of bench/bench_answer_saves.py's `gunicorn-stock`
configuration: the site's settings with Django's and allauth's own
authentication backends (the user loaded with `User.objects.get`) instead of
accounts/backends.py. The benchmark also sets DATABASE_PREPARE=false, so no
statement is prepared (config/db.py)."""

from config.settings import *  # noqa: F403

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
