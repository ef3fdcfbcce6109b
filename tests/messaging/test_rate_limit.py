"""Sending is rate limited (MPR_SEND_RATE_LIMIT) on the pages and the API; reading is not."""

from __future__ import annotations

import pytest

from tests.conftest import build_app


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    """An app with rate limiting on and a tiny sending limit."""
    folder = tmp_path_factory.mktemp("limited")
    application = build_app(
        f"sqlite:///{folder / 'limited.sqlite'}", RATELIMIT_ENABLED=True, MPR_SEND_RATE_LIMIT="2 per minute"
    )
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_the_third_message_in_a_minute_is_refused(limited_app):
    client = limited_app.test_client()
    login = client.post(
        "/api/v1/security/login",
        json={"username": "gz-mum", "password": limited_app.config["MPR_DEMO_PASSWORD"], "provider": "db"},
    )
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    body = {"to": ["below:GZ-MUM"], "subject": "s", "body": "b"}
    answers = [client.post("/api/v1/mpr/messages", json=body, headers=headers).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    assert client.get("/api/v1/mpr/messages", headers=headers).status_code == 200


def test_the_limit_is_per_user(limited_app):
    client = limited_app.test_client()
    password = limited_app.config["MPR_DEMO_PASSWORD"]

    def token(username: str) -> dict:
        login = client.post(
            "/api/v1/security/login", json={"username": username, "password": password, "provider": "db"}
        )
        return {"Authorization": f"Bearer {login.get_json()['access_token']}"}

    body = {"to": ["office:GZ-DEL"], "subject": "s", "body": "b"}
    north, south = token("cgst-del-n"), token("cgst-del-s")
    assert [client.post("/api/v1/mpr/messages", json=body, headers=north).status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]
    assert client.post("/api/v1/mpr/messages", json=body, headers=south).status_code == 201
