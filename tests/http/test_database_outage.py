"""PostgreSQL unreachable for a while (restarted, failing over): requests fail cleanly with 503 and
the app recovers by itself once the database is back, with no restart of the workers.

The outage is real and confined to a database of this test's own: connections to it are refused
(`ALLOW_CONNECTIONS false`) and the open ones terminated, exactly what a restart does to the
pool; every other test's database is untouched. The load script (`bench/load.py --faults`)
restarts the whole server under load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from config import ProductionConfig
from tests.conftest import PG_URL, build_app, csrf_token, fresh_postgres_database

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")

OFFICE_USER = "cgst-mum-e"
GRID = "/mpr/f/gi_gst_4/CGST-MUM-E/2024-01"


@pytest.fixture(scope="module")
def outage_app() -> Iterator[tuple[object, str]]:
    """An app with the production pool settings on a database of its own."""
    with fresh_postgres_database("mpr_outage") as url:
        application = build_app(
            url, SQLALCHEMY_ENGINE_OPTIONS=dict(ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS)
        )
        yield application, make_url(url).database
        with application.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


def _outage(database: str, allowed: bool) -> None:
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
        if not allowed:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": database},
            )
    admin.dispose()


def _logged_in(application):
    client = application.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    password = application.config["MPR_DEMO_PASSWORD"]
    response = client.post(
        "/login/", data={"username": OFFICE_USER, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_while_the_database_is_down_pages_and_api_answer_503_and_afterwards_work_again(outage_app):
    application, database = outage_app
    client = _logged_in(application)
    assert client.get(GRID).status_code == 200
    _outage(database, allowed=False)
    try:
        page = client.get(GRID)
        api = client.get("/api/v1/mpr/formats")
        health = client.get("/health")
    finally:
        _outage(database, allowed=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    body = page.get_data(as_text=True)
    assert "Temporarily unavailable" in body and "changed nothing" in body and "Traceback" not in body
    assert api.status_code == 503 and api.get_json()["code"] == "database_unavailable"
    assert health.status_code == 503
    # Back: the same process, the same pool, the same session cookie.
    assert client.get(GRID).status_code == 200
    assert client.get("/health").get_json() == {"status": "ok", "database": "ok"}


def test_a_save_sent_during_the_outage_is_refused_whole_and_can_be_sent_again(outage_app):
    application, database = outage_app
    client = _logged_in(application)
    page = client.get(GRID).get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "version": "0", "cell|AE_1_NO|FOR_MONTH": "4"}
    _outage(database, allowed=False)
    try:
        refused = client.post(GRID, data=form)
    finally:
        _outage(database, allowed=True)
    assert refused.status_code == 503
    assert _stored_returns(application) == []
    assert client.post(GRID, data=form).status_code == 302
    assert _stored_returns(application) == [("draft", 1)]


def _stored_returns(application) -> list[tuple[str, int]]:
    with application.app_context():
        from app.extensions import db
        from app.models.returns import MprReturn

        query = select(MprReturn.status, MprReturn.version).where(
            MprReturn.format_code == "GI-GST-4", MprReturn.period == dt.date(2024, 1, 1)
        )
        return [tuple(row) for row in db.session.execute(query)]


def test_a_connection_the_database_drops_mid_request_ends_the_request_without_an_error(outage_app):
    """A restart terminates the request's connection after it began: the teardown must not raise (500)."""
    application, database = outage_app
    with application.app_context():
        from app.extensions import db

        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # a transaction is open
        admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
    # Leaving the context ran the teardown on the dead connection without raising; the app goes on.
    client = _logged_in(application)
    assert client.get(GRID).status_code == 200
    del database
