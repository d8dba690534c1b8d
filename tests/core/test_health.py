from __future__ import annotations

import pytest

from tests.processes import use_broker

pytestmark = pytest.mark.django_db


def get_health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_healthz_reports_database_cache_and_broker_up(client):
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "up", "cache": "up", "broker": "up"}


@pytest.mark.slow
def test_healthz_answers_503_when_redis_goes_down(client, settings, redis_server, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = redis_server.url
    with use_broker(redis_server.url):
        status, body = get_health(client)
        assert status == 200, body

        redis_server.stop()

        status, body = get_health(client)
        assert status == 503
        assert body["status"] == "fail"
        # The public learns which part is down, and nothing of why.
        assert body["checks"] == {"database": "up", "cache": "down", "broker": "down"}
        assert "Connection" not in response_text(client)
        # The IT team reads why in the log.
        failures = {r.check: r for r in caplog.records if r.name == "civicportal.core.health"}
        assert set(failures) == {"cache", "broker"}
        assert failures["cache"].levelname == "ERROR"
        assert "Connection" in caplog.text
        assert failures["cache"].exc_info is not None


def response_text(client) -> str:
    return client.get("/healthz").content.decode()
