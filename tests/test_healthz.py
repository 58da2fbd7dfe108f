import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "channel_layer": True}}
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_fails_when_the_channel_layer_is_down(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [("127.0.0.1", 1)]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "channel_layer": False}


def test_it_fails_when_the_database_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405
