"""The core schema (organisation, users, returns, corrections, audit, FAB's tables) through Alembic.

The per-format tables (`mpr_<code>`, app/models/generated.py) are left to the additive
sync (schema_sync.py): `include_core_object` keeps them out of every Alembic comparison.
A database made before migrations existed (by `flask mpr sync`'s create_all) holds the
baseline schema: it is stamped at the baseline, then upgraded like any other.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_appbuilder import Model
from sqlalchemy import MetaData, Table, create_engine, inspect
from sqlalchemy.engine import Connection

from app.config_paths import MIGRATIONS_DIR
from app.models.generated import FORMAT_TABLE_MARK

BASELINE = "0001"  # today's schema when Alembic was introduced
FORMAT_TABLE_PREFIX = "mpr_"
VERSION_TABLE = "alembic_version"


def core_table_names(metadata: MetaData | None = None) -> set[str]:
    """The tables Alembic owns: every table of the metadata except the generated per-format ones."""
    tables = (metadata if metadata is not None else Model.metadata).tables.values()
    return {t.name for t in tables if FORMAT_TABLE_MARK not in t.info}


def is_format_table(name: str, metadata: MetaData | None = None) -> bool:
    """Whether table `name` is the additive sync's (generated, or an old format table in the database)."""
    metadata = metadata if metadata is not None else Model.metadata
    table = metadata.tables.get(name)
    if table is not None:
        return FORMAT_TABLE_MARK in table.info
    # In the database only: an `mpr_` table the models no longer know is a format's data
    # (never dropped automatically); a removed core table is dropped by a hand-written migration.
    return name.startswith(FORMAT_TABLE_PREFIX)


def _belongs_to_format_table(obj, type_: str, reflected: bool) -> bool | None:
    """Whether a schema object is (in) a format table; None for objects outside any table."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if not isinstance(table, Table):
        return None
    if table.name == VERSION_TABLE:
        return None
    if not reflected:  # the models' side carries the mark itself
        return FORMAT_TABLE_MARK in table.info
    return is_format_table(table.name)


def include_core_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: core tables and their columns, indexes and constraints only."""
    if type_ == "table" and name == VERSION_TABLE:
        return False
    return _belongs_to_format_table(obj, type_, reflected) is not True


def include_format_object(obj, name, type_, reflected, compare_to) -> bool:
    """The opposite filter, for the additive sync: the per-format tables only."""
    return _belongs_to_format_table(obj, type_, reflected) is True


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for migrations/, bound to `connection` when given."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision in migrations/versions."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return VERSION_TABLE not in tables and "mpr_office" in tables


def upgrade_core(connection: Connection, dry_run: bool = False) -> list[str]:
    """Bring the core schema to the head revision; report lines (dry run: what would be applied)."""
    config, lines = alembic_config(connection), []
    if _made_before_migrations(connection):
        lines.append(f"core schema: database made before migrations, stamped at the baseline {BASELINE}")
        if not dry_run:
            command.stamp(config, BASELINE)
    before, head = current_revision(connection), head_revision()
    if before == head:
        return lines + [f"core schema is at the head revision {head}"]
    if dry_run:
        return lines + [f"core schema would be upgraded from {before or 'an empty database'} to {head}"]
    command.upgrade(config, "head")
    return lines + [f"core schema upgraded from {before or 'an empty database'} to {head}"]


def core_schema_differences(connection: Connection, metadata: MetaData | None = None) -> list:
    """What differs between the database's core tables and the models (empty: migrations are complete)."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_core_object}
    )
    return compare_metadata(context, metadata if metadata is not None else Model.metadata)


def new_migration(message: str, rev_id: str | None = None) -> Path | None:
    """Write migrations/versions/NNNN_<message>.py from the models' changes since the head revision.

    The head schema is built in a scratch SQLite database, so the developer's own
    database (perhaps changed by hand) plays no part. None when nothing changed.
    """
    head = head_revision()
    if rev_id is None and head and head.isdigit():
        rev_id = f"{int(head) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.sqlite'}")
        with engine.begin() as connection:
            config = alembic_config(connection)
            config.cmd_opts = argparse.Namespace(autogenerate=True)
            if head is not None:
                command.upgrade(config, "head")
            script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    scripts = [s for s in (script if isinstance(script, list) else [script]) if s is not None]
    return Path(scripts[0].path) if scripts else None
