"""Settings with and without DATABASE_URL / REDIS_URL, and the production profile.

Each case imports the settings in a fresh interpreter with a controlled
environment, so nothing leaks from the test run's own configuration.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings as s; django.setup();"
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'opts': s.DATABASES['default'].get('OPTIONS', {}),"
    "'age': s.DATABASES['default'].get('CONN_MAX_AGE'), 'layer': s.CHANNEL_LAYERS['default']['BACKEND'],"
    "'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE,"
    "'langs': [c for c, _ in s.LANGUAGES], 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG,"
    "'sessions': s.SESSION_ENGINE}))"
)
BASE_ENV = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", "HOME": str(ROOT)}


def probe(**env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_runs_embedded_with_no_variables():
    s = probe()
    assert s["db"] == "django.db.backends.sqlite3"
    assert s["opts"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in s["opts"]["init_command"]
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["cache"].endswith("LocMemCache")
    assert s["email"].endswith("console.EmailBackend")
    assert (s["tz"], s["lang"], s["langs"]) == ("Asia/Ho_Chi_Minh", "vi", ["vi", "en"])


def test_database_url_switches_to_postgresql_without_persistent_connections():
    s = probe(DATABASE_URL="postgres://u:p@db.example:5432/ttt")
    assert s["db"] == "django.db.backends.postgresql"
    assert s["age"] == 0
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"


def test_database_pool_and_kept_connections_are_chosen_by_variables():
    pooled = probe(DATABASE_URL="postgres://u:p@db.example:5432/ttt", DATABASE_POOL="true")
    assert (pooled["opts"]["pool"], pooled["age"]) == (True, 0)
    kept = probe(DATABASE_URL="postgres://u:p@db.example:5432/ttt", DATABASE_CONN_MAX_AGE="60")
    assert (kept["opts"].get("pool"), kept["age"]) == (None, 60)


def test_hot_statements_are_prepared_unless_turned_off():
    # Explicit prepares only (config/db.py): psycopg's own threshold is never reached.
    on = probe(DATABASE_URL="postgres://u:p@db.example:5432/ttt")
    assert on["opts"]["prepare_threshold"] == 2**31 - 1
    off = probe(DATABASE_URL="postgres://u:p@db.example:5432/ttt", DATABASE_PREPARE="false")
    assert "prepare_threshold" not in off["opts"]


def test_redis_url_switches_layer_cache_and_sessions():
    s = probe(REDIS_URL="redis://cache.example:6379/1")
    assert s["layer"] == "channels_redis.core.RedisChannelLayer"
    assert s["cache"] == "config.cache.RedisCache"
    assert s["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert s["db"] == "django.db.backends.sqlite3"
    assert probe()["sessions"] == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a postgres"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must be a redis"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set"),
        ({"CITIZEN_EMAIL_VERIFICATION": "sometimes"}, "CITIZEN_EMAIL_VERIFICATION"),
        (
            {"DATABASE_URL": "postgres://u@h/d", "DATABASE_POOL": "true", "DATABASE_CONN_MAX_AGE": "60"},
            "DATABASE_POOL=true needs DATABASE_CONN_MAX_AGE=0",
        ),
        (
            {"DATABASE_URL": "postgres://u@h/d", "DATABASE_POOL": "sometimes"},
            "DATABASE_POOL must be a boolean",
        ),
        (
            {"DATABASE_URL": "postgres://u@h/d", "DATABASE_PREPARE": "perhaps"},
            "DATABASE_PREPARE must be a boolean",
        ),
    ],
)
def test_bad_configuration_fails_loudly(env, message):
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert message in result.stderr


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "CCCD_HMAC_KEY": "another-long-secret-for-cccd-hashes",
    "ALLOWED_HOSTS": "thitimhieu.example.vn",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/ttt",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_the_production_profile_passes_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**BASE_ENV, **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_profile_has_secure_cookies_and_hsts():
    code = (
        "import django; from django.conf import settings as s; django.setup();"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**BASE_ENV, **PRODUCTION}, capture_output=True, text=True
    )
    assert result.stdout.strip() == "True True 31536000 ['thitimhieu.example.vn']"
