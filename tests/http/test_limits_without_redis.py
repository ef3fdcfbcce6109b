"""Redis down: login limits fail over to each worker's memory, neither open nor closed.

Decided: refusing every login while Redis is down would stop 300 offices on deadline day, and
letting every try through would remove the guard against password guessing. So the limiter falls
back to per-worker memory with the same limits (ProductionConfig sets
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), and the database-held throttle and lockout still apply.
The Redis here is a real address where nothing listens.
"""

from __future__ import annotations

import pytest

from config import ProductionConfig
from tests.conftest import build_app, csrf_token

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture(scope="module")
def app_without_redis(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('noredis') / 'mpr.sqlite'}"
    return build_app(
        url,
        RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMITED=True,
        AUTH_RATE_LIMIT="3 per minute",
        RATELIMIT_STORAGE_URI=NOTHING_LISTENS,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=ProductionConfig.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED,
        RATELIMIT_STORAGE_OPTIONS=ProductionConfig.RATELIMIT_STORAGE_OPTIONS,
    )


def _try_login(client, password: str) -> int:
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    form = {"username": "cgst-mum-e", "password": password, "csrf_token": token}
    return client.post("/login/", data=form).status_code


def test_with_redis_down_logins_work_and_the_limit_still_applies_from_memory(app_without_redis):
    client = app_without_redis.test_client()
    assert _try_login(client, app_without_redis.config["MPR_DEMO_PASSWORD"]) == 302  # signed in
    other = app_without_redis.test_client()
    tries = [_try_login(other, "wrong-password") for _ in range(4)]  # the 2nd..5th of 3 per minute
    assert tries == [302, 302, 429, 429]  # back to the login page twice, then refused


def test_production_falls_back_to_memory_and_gives_up_on_redis_quickly():
    assert ProductionConfig.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED is True
    assert ProductionConfig.RATELIMIT_STORAGE_OPTIONS["socket_connect_timeout"] <= 1
