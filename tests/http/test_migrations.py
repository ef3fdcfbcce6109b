"""The core schema through Alembic: upgrades keep data, and every core model change has a migration.

If `test_the_migrations_build_the_core_models` fails, a core model (app/models, FAB's
tables) changed without a migration: run `make migration m="what changed"`, review the
file it writes under migrations/versions, and commit it with the model change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, inspect, select, text

from app.services.sync.migrations import (
    BASELINE,
    VERSION_TABLE,
    alembic_config,
    core_schema_differences,
    core_table_names,
    current_revision,
    head_revision,
    include_core_object,
    include_format_object,
)
from tests.conftest import _backends, fresh_postgres_database, make_config
from tests.http.conftest import ADJ2_FIRST_MONTH, get_grid, stored

JAN = "2024-01"
NO_MASTERS = Path(__file__).with_name("no_master_items.yaml")  # the baseline's items are stored by hand
HOW_TO_FIX = 'a core model changed without a migration: run `make migration m="what changed"`'


@pytest.fixture(params=_backends())
def empty_url(request, tmp_path) -> Iterator[str]:
    """A database nobody has used yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    with fresh_postgres_database("mpr_migrate") as url:
        yield url


@pytest.fixture
def fresh_app(empty_url) -> Iterator:
    """An app on the empty database, nothing synced; its connections are closed afterwards."""
    from app import create_app

    application = create_app(make_config(empty_url))
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def _at_baseline_with_data(application, forget_revision: bool = False) -> dict[str, int]:
    """Bring the database to the baseline revision, fill it like a working office; row counts."""
    from flask_appbuilder import Model

    from app.config_paths import SEED_DIR
    from app.extensions import db
    from app.services.accounts.seeding import seed_demo
    from app.services.engine import catalogue
    from app.services.sync.access_sync import sync_permissions
    from app.services.sync.schema_sync import apply_sync, plan_sync

    with application.app_context():
        with db.engine.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE)
            apply_sync(connection, plan_sync(connection, Model.metadata, catalogue.definitions()))
            if forget_revision:  # as `flask mpr sync` left a database before migrations existed
                connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        sync_permissions(catalogue.definitions())
        seed_demo(SEED_DIR / "organisation.yaml", NO_MASTERS)
        _master_items_as_the_baseline_stored_them(application)
    _office_saves_a_return(application)
    return _row_counts(application)


def _master_items_as_the_baseline_stored_them(application) -> None:
    """The demo's master items in the baseline's columns (today's model also has label_hi, from 0008)."""
    from app.extensions import db
    from app.services.accounts.masters import check_masters
    from app.services.engine import catalogue

    source = Path(application.config["MPR_MASTERS"]).read_text(encoding="utf-8")
    rows = check_masters(source, catalogue.definitions().masters)
    insert = text(
        'INSERT INTO mpr_master_item (master, "key", label, position, valid_from, valid_until)'
        " VALUES (:master, :key, :label, :position, :valid_from, :valid_until)"
    )
    keep = ("master", "key", "label", "position", "valid_from", "valid_until")
    db.session.execute(insert, [{name: getattr(row, name) for name in keep} for row in rows])
    db.session.commit()


def _office_saves_a_return(application) -> None:
    """The office saves a first month through the saving service (the login path needs tables of later
    revisions, such as the login throttle, which a baseline database does not have yet); its audit
    event goes into the baseline's single chain, as the code of that time wrote it."""
    from app.services import audit
    from tests.http.test_status_todo import save

    with application.test_request_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "record", _single_chain_record)
        save("cgst-mum-e", "DPM-GST-ADJ-2", "CGST-MUM-E", JAN, {"_": ADJ2_FIRST_MONTH})


def _single_chain_record(
    actor_id, actor, action, object_type, object_key, before=None, after=None, reason=None
):
    """`audit.record` before per-office chains (revision 0005 and earlier): one chain, head row id 1."""
    from app.extensions import db
    from app.services import audit

    tables = MetaData()
    tables.reflect(bind=db.session.connection(), only=["mpr_audit_event", "mpr_audit_head"])
    events, head = tables.tables["mpr_audit_event"], tables.tables["mpr_audit_head"]
    top = db.session.execute(select(head).where(head.c.id == 1)).mappings().one_or_none()
    if top is None:
        db.session.execute(head.insert().values(id=1, seq=0, hash=audit.GENESIS))
        top = {"seq": 0, "hash": audit.GENESIS}
    pending = audit.PendingEvent(actor_id, actor, action, object_type, object_key, before, after, reason)
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fields = audit._chained(pending, "global", top["seq"] + 1, at, top["hash"])
    del fields["chain"]  # the baseline has no chain column: the global chain hashes without it
    db.session.execute(events.insert().values(**fields))
    db.session.execute(
        head.update().where(head.c.id == 1).values(seq=fields["seq"], hash=fields["hash"], at=at)
    )


def _row_counts(application) -> dict[str, int]:
    from app.extensions import db

    with application.app_context():
        tables = sorted(core_table_names() & set(inspect(db.engine).get_table_names()))
        with db.engine.connect() as connection:
            return {
                name: connection.execute(select(func.count()).select_from(text(name))).scalar_one()
                for name in tables
            }


def _sync(application) -> list[str]:
    from app.services.sync.sync_all import sync_all

    with application.app_context():
        lines, ok = sync_all()
    assert ok, lines
    return lines


def _assert_at_head_with_data(application, counts: dict[str, int]) -> None:
    from app.extensions import db

    with application.app_context(), db.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert core_schema_differences(connection) == [], HOW_TO_FIX
    after = _row_counts(application)
    assert {name: after[name] for name in counts} == counts
    assert counts["mpr_return"] == 1 and counts["mpr_audit_event"] > 0 and counts["ab_user"] > 0
    assert stored(application, "DPM-GST-ADJ-2", "CGST-MUM-E", JAN)["_"]["RECEIPT_NO"] == 4
    client = application.test_client()
    from tests.conftest import csrf_token

    token = csrf_token(client.get("/login/").get_data(as_text=True))
    password = application.config["MPR_DEMO_PASSWORD"]
    client.post("/login/", data={"username": "cgst-mum-e", "password": password, "csrf_token": token})
    assert get_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", JAN).value("_", "RECEIPT_NO") == "4"
    _assert_old_events_verify_in_the_global_chain(application)


def _assert_old_events_verify_in_the_global_chain(application) -> None:
    """0006 moved the single chain's events into the global chain unchanged; new saves go to the office's."""
    from app.extensions import db
    from app.models.audit import AuditEvent, AuditHead
    from app.services import audit
    from tests.http.test_status_todo import save

    with application.app_context():
        first = db.session.execute(select(AuditEvent).where(AuditEvent.id == 1)).scalar_one()
        assert (first.chain, first.seq, first.action) == ("global", 1, "save")
        assert db.session.get(AuditHead, "global").seq >= 1
    with application.test_request_context():
        save("cgst-mum-e", "DPM-GST-ADJ-2", "CGST-MUM-E", JAN, {"_": {**ADJ2_FIRST_MONTH, "RECEIPT_NO": "5"}})
        assert db.session.get(AuditHead, "office:CGST-MUM-E").seq == 1
        assert audit.verify()[1] == []


def test_a_database_holding_data_at_the_baseline_upgrades_to_head(fresh_app):
    counts = _at_baseline_with_data(fresh_app)
    lines = _sync(fresh_app)
    assert lines[0].startswith("core schema is at the head") or lines[0].startswith("core schema upgraded")
    _assert_at_head_with_data(fresh_app, counts)
    assert _sync(fresh_app)[0] == f"core schema is at the head revision {head_revision()}"


def test_a_database_made_before_migrations_is_stamped_at_the_baseline_and_upgraded(fresh_app):
    counts = _at_baseline_with_data(fresh_app, forget_revision=True)
    lines = _sync(fresh_app)
    assert lines[0] == f"core schema: database made before migrations, stamped at the baseline {BASELINE}"
    _assert_at_head_with_data(fresh_app, counts)


def test_the_migrations_build_the_core_models(app):
    """The test database was built by sync_all (migrations, then format tables): it matches the models."""
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert core_schema_differences(connection) == [], HOW_TO_FIX


def test_a_core_model_change_without_a_migration_is_caught(app):
    from flask_appbuilder import Model

    from app.extensions import db

    changed = MetaData()
    for table in Model.metadata.tables.values():
        table.to_metadata(changed)
    Table("mpr_office", changed, Column("remarks", String(200)), extend_existing=True)
    Table("mpr_send_back", changed, Column("id", Integer, primary_key=True))
    with app.app_context(), db.engine.connect() as connection:
        found = {
            (d[0], d[2] if d[0] == "add_column" else d[1].name)
            for d in core_schema_differences(connection, changed)
        }
    assert found == {("add_column", "mpr_office"), ("add_table", "mpr_send_back")}


def test_format_tables_stay_out_of_alembic(app, tmp_path):
    from flask_appbuilder import Model

    gi2, office = Model.metadata.tables["mpr_gi_gst_2"], Model.metadata.tables["mpr_office"]
    assert include_format_object(gi2, gi2.name, "table", False, None)
    assert not include_core_object(gi2, gi2.name, "table", False, None)
    assert include_core_object(office, office.name, "table", False, None)
    assert "mpr_gi_gst_2" not in core_table_names() and "mpr_office" in core_table_names()
    # A format table left in the database by a format no longer defined is never proposed for dropping.
    engine = create_engine(f"sqlite:///{tmp_path / 'stray.sqlite'}")
    try:
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE mpr_retired_format (id INTEGER PRIMARY KEY, return_id INTEGER)")
            )
            with app.app_context():
                differences = core_schema_differences(connection)
    finally:
        engine.dispose()
    assert {d[0] for d in differences} == {"add_table", "add_index"}  # nothing to remove
    assert {d[1].name for d in differences if d[0] == "add_table"} == core_table_names()


def test_no_migration_is_written_when_the_models_match_the_head(app, tmp_path):
    from app.services.sync.migrations import new_migration

    with app.app_context():
        assert new_migration("nothing changed") is None


def test_adding_the_helpdesk_assignee_keeps_every_query_thread(fresh_app):
    """0005 adds a column to mpr_query without copying the table: on SQLite a copy drops the old table,
    and with foreign keys on that DROP would delete every post of every thread (ON DELETE CASCADE)."""
    from app.extensions import db

    _at_baseline_with_data(fresh_app)
    with fresh_app.app_context(), db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
        office_id = connection.execute(
            text("SELECT id FROM mpr_office WHERE code = 'CGST-MUM-E'")
        ).scalar_one()
        user_id = connection.execute(
            text("SELECT id FROM ab_user WHERE username = 'cgst-mum-e'")
        ).scalar_one()
        stamp = {"at": "2025-11-03 10:00:00", "office": office_id, "user": user_id}
        connection.execute(
            text(
                "INSERT INTO mpr_query (id, number, format_code, owner_code, subject, office_id,"
                " raised_by_id, raised_at, state, updated_at) VALUES (1, 1, 'DPM-GST-ADJ-2', 'DGICCE',"
                " 'Opening', :office, :user, :at, 'open', :at)"
            ),
            stamp,
        )
        connection.execute(
            text(
                "INSERT INTO mpr_query_post (query_id, author_id, author_name, by_owner, kind, body,"
                " posted_at) VALUES (1, :user, 'Office', :no, 'question', 'Which figure?', :at)"
            ),
            {**stamp, "no": False},
        )
    _sync(fresh_app)
    with fresh_app.app_context(), db.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert connection.execute(text("SELECT count(*) FROM mpr_query_post")).scalar_one() == 1
        assert connection.execute(text("SELECT assigned_to_id FROM mpr_query")).all() == [(None,)]
