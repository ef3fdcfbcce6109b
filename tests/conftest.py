"""Fixture chain: backend -> app -> client -> login_as(username).

Every run creates its own databases (a temporary SQLite file always; a fresh
PostgreSQL database when TEST_DATABASE_URL is set) and drops them afterwards.
With CI=true a missing PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from app import create_app
from config import TestConfig

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL")


def _backends() -> list[str]:
    if IN_CI and not PG_URL:
        raise RuntimeError("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped")
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@contextmanager
def fresh_postgres_database(prefix: str = "mpr_test") -> Iterator[str]:
    """Create a uniquely named PostgreSQL database; drop it (and its connections) afterwards."""
    admin_url = make_url(PG_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    with fresh_postgres_database() as url:
        yield url


def make_config(database_url: str, **overrides) -> type:
    """A TestConfig subclass bound to one database."""
    return type("BoundTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})


def build_app(database_url: str, **overrides):
    """Create, migrate and sync (as `flask mpr sync` does in production) and seed an app on `database_url`."""
    app = create_app(make_config(database_url, **overrides))
    with app.app_context():
        from app.config_paths import SEED_DIR
        from app.services.accounts.seeding import seed_demo
        from app.services.sync.sync_all import sync_all

        lines, ok = sync_all()
        assert ok, lines
        seed_demo(SEED_DIR / "organisation.yaml", app.config["MPR_MASTERS"])
    return app


@pytest.fixture(scope="session", params=_backends())
def backend(request, tmp_path_factory) -> str:
    """The database URL of one backend for the whole session."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'mpr.sqlite'}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="session")
def app(backend):
    """The seeded application on one backend."""
    application = build_app(backend)
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_returns(request):
    """Remove every return after a test so tests never see each other's data."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        clear_returns(application)


def clear_returns(application) -> None:
    """Delete every return, its cells, revisions, remarks, corrections, notices and users' choices.

    The audit trail stays. Notification and language choices go too: a test that saves a user's
    preferences (the access matrix posts every form and visits /lang/hi) would otherwise silence
    that user's e-mail, or show later tests Hindi pages.
    """
    from app.extensions import db
    from app.models.corrections import CorrectionItem, CorrectionRequest, ReturnRevision
    from app.models.feeds import ReturnFeed
    from app.models.messaging import MailMessage, MailRecipient, NotificationPreference, OutboxItem
    from app.models.org import UserLanguage
    from app.models.remarks import ReturnRemark
    from app.models.returns import MprReturn

    db.session.rollback()
    for model in (
        MailRecipient,
        MailMessage,
        OutboxItem,
        NotificationPreference,
        UserLanguage,
        CorrectionItem,
        ReturnRevision,
        CorrectionRequest,
        ReturnRemark,
        ReturnFeed,
    ):
        db.session.execute(delete(model))
    for table in application.extensions["mpr_tables"].values():
        db.session.execute(delete(table))
    db.session.execute(delete(MprReturn))
    db.session.commit()
    application.extensions.pop("mpr_peer_bands", None)  # peer limits kept per process (reports/outliers.py)


@pytest.fixture
def client(app):
    """A browser-like test client (cookies, CSRF tokens)."""
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token embedded in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no csrf_token"
    return match.group(1)


def log_out(app, client):
    """Sign out as the navbar's Logout does: a POST carrying the session's CSRF token."""
    import secrets

    from itsdangerous import URLSafeTimedSerializer

    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    return client.post("/logout/", data={"csrf_token": token})


@pytest.fixture
def login_as(app, client):
    """Log the test client in as a demo user; returns the client."""

    def _login(username: str):
        page = client.get("/login/")
        token = csrf_token(page.get_data(as_text=True))
        response = client.post(
            "/login/",
            data={"username": username, "password": app.config["MPR_DEMO_PASSWORD"], "csrf_token": token},
        )
        assert response.status_code == 302, f"login of {username} failed"
        return client

    return _login


@pytest.fixture
def api_token(app, client):
    """A JWT for a demo user from FAB's API login."""

    def _token(username: str) -> dict[str, str]:
        response = client.post(
            "/api/v1/security/login",
            json={"username": username, "password": app.config["MPR_DEMO_PASSWORD"], "provider": "db"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return _token
