"""One table per format, generated from its definition (pure: definitions in, tables out).

Tables are SQLAlchemy Core tables in FAB's shared metadata, so `flask mpr sync` and
`create_all` see them beside the core tables. A table is rebuilt only when its
format's columns change; otherwise the cached one is reused across apps.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from app.definitions.schema import ColumnDef, DefinitionSet, FormatDef

ROW_KEY_LENGTH = 80
FORMAT_TABLE_MARK = "mpr_format"  # Table.info key naming the format a generated table stores
_SIGNATURES: dict[str, tuple] = {}


def sql_type(column: ColumnDef) -> TypeEngine:
    """The SQL type that stores one column's cells (the storage its registered type names)."""
    storage = column.kind.storage
    if storage.kind == "integer":
        return BigInteger()
    if storage.kind == "decimal":
        return Numeric(storage.precision, storage.scale)
    if storage.kind == "date":
        return Date()
    if storage.length_from == "choices":
        return String(max((len(choice) for choice in column.choices), default=1))
    return String(column.max_length or 255)


def storable(column: ColumnDef, value) -> bool:
    """Whether `value` fits the SQL type of `column`.

    PostgreSQL refuses a number beyond its column's magnitude with an error (SQLite would
    store it), so saving checks the registered limit first.
    """
    limit = column.kind.storable_below
    return limit is None or value is None or abs(Decimal(value)) < limit


def _signature(fmt: FormatDef) -> tuple:
    return tuple((c.db_name, c.type, c.max_length, c.choices) for c in fmt.columns)


def format_table(fmt: FormatDef, metadata: MetaData) -> Table:
    """The table for one format, built once per distinct column set."""
    existing = metadata.tables.get(fmt.table_name)
    signature = _signature(fmt)
    if existing is not None and _SIGNATURES.get(fmt.table_name) == signature:
        return existing
    if existing is not None:
        metadata.remove(existing)
    cell_columns = [Column(c.db_name, sql_type(c), nullable=True) for c in fmt.columns]
    table = Table(
        fmt.table_name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column(
            "return_id",
            Integer,
            ForeignKey("mpr_return.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("row_key", String(ROW_KEY_LENGTH), nullable=False),
        Column("position", Integer, nullable=False, default=0),
        *cell_columns,
        UniqueConstraint("return_id", "row_key", name=f"uq_{fmt.table_name}_row"),
        info={FORMAT_TABLE_MARK: fmt.code},  # under the additive sync, never under Alembic
    )
    _SIGNATURES[fmt.table_name] = signature
    return table


def build_format_tables(definitions: DefinitionSet, metadata: MetaData) -> dict[str, Table]:
    """Tables for every format, keyed by format code; format tables of formats these definitions do not
    have leave the metadata (an app started earlier in the process with other definitions left them)."""
    wanted = {fmt.table_name for fmt in definitions.formats.values()}
    for table in [t for t in metadata.tables.values() if FORMAT_TABLE_MARK in t.info]:
        if table.name not in wanted:
            metadata.remove(table)
            _SIGNATURES.pop(table.name, None)
    return {code: format_table(fmt, metadata) for code, fmt in definitions.formats.items()}
