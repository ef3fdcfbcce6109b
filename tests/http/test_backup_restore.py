"""Backups: `pg_dump` of a production database restores with `pg_restore` into a working MIS.

Performs the procedure the README gives operators, on a database of its own: a month's
cycle is filed, dumped, restored into a new database, and the restored copy still has every
return and figure, and an intact audit chain.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI, PG_URL, build_app, fresh_postgres_database
from tests.http.test_cycle import JAN
from tests.http.test_status_todo import file_all

pytestmark = pytest.mark.postgres


def _libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _snapshot(application) -> tuple[int, int, dict]:
    from app.extensions import db
    from app.models.audit import AuditEvent
    from app.models.returns import MprReturn
    from app.services import audit
    from tests.http.conftest import stored

    with application.app_context():
        returns = db.session.execute(select(func.count(MprReturn.id))).scalar_one()
        events = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
        checked, problems = audit.verify()
        assert not problems and checked == events
        figures = stored(application, "GI-GST-2", "CGST-MUM-E", str(JAN))
        db.session.remove()
        db.engine.dispose()
    return returns, events, figures


def test_a_pg_dump_restores_into_a_working_mis_with_every_figure_and_an_intact_audit_chain(tmp_path):
    if not PG_URL:
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    tools = [shutil.which("pg_dump"), shutil.which("pg_restore")]
    if not all(tools):
        if IN_CI:
            raise AssertionError("CI=true but pg_dump/pg_restore are missing")
        pytest.skip("pg_dump/pg_restore not installed")
    dump = tmp_path / "mpr.dump"
    with (
        fresh_postgres_database("mpr_backup") as source_url,
        fresh_postgres_database("mpr_restore") as target,
    ):
        source = build_app(source_url)
        with source.test_request_context():
            file_all()
        before = _snapshot(source)
        subprocess.run([tools[0], "--format=custom", "--file", str(dump), _libpq_url(source_url)], check=True)
        subprocess.run(
            [tools[1], "--no-owner", "--exit-on-error", "--dbname", _libpq_url(target), str(dump)], check=True
        )
        from app import create_app
        from tests.conftest import make_config

        restored = create_app(make_config(target))
        after = _snapshot(restored)
    assert before[0] > 0 and before[2]
    assert after == before
