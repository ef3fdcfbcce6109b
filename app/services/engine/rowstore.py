"""Read and write the cells of one return in its format's generated table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select

from app.definitions.schema import FormatDef
from app.extensions import db
from app.services.engine import catalogue

StoredRows = dict[str, tuple[int, dict[str, Any]]]  # row key -> (position, {code: value})


def read(fmt: FormatDef, return_id: int) -> StoredRows:
    """Every stored row of one return, cells keyed by column code (one query)."""
    table = catalogue.table_of(fmt)
    result = db.session.execute(select(table).where(table.c.return_id == return_id))
    rows: StoredRows = {}
    for record in result.mappings():
        cells = {c.code: record[c.db_name] for c in fmt.columns}
        rows[record["row_key"]] = (record["position"], cells)
    return rows


def read_many(fmt: FormatDef, return_ids: list[int]) -> dict[int, StoredRows]:
    """Stored rows of several returns of one format (one query)."""
    table = catalogue.table_of(fmt)
    found: dict[int, StoredRows] = {rid: {} for rid in return_ids}
    if not return_ids:
        return found
    result = db.session.execute(select(table).where(table.c.return_id.in_(return_ids)))
    for record in result.mappings():
        cells = {c.code: record[c.db_name] for c in fmt.columns}
        found[record["return_id"]][record["row_key"]] = (record["position"], cells)
    return found


def replace(fmt: FormatDef, return_id: int, rows: Mapping[str, tuple[int, Mapping[str, Any]]]) -> None:
    """Store exactly `rows` for the return (two statements, whatever the row count)."""
    table = catalogue.table_of(fmt)
    db.session.execute(delete(table).where(table.c.return_id == return_id))
    if not rows:
        return
    records = [
        {
            "return_id": return_id,
            "row_key": key,
            "position": position,
            **{c.db_name: cells.get(c.code) for c in fmt.columns},
        }
        for key, (position, cells) in rows.items()
    ]
    db.session.execute(insert(table), records)


def replace_many(
    fmt: FormatDef, rows_by_return: Mapping[int, Mapping[str, tuple[int, Mapping[str, Any]]]]
) -> None:
    """Store exactly the given rows for each of several returns (two statements in all)."""
    if not rows_by_return:
        return
    table = catalogue.table_of(fmt)
    db.session.execute(delete(table).where(table.c.return_id.in_(list(rows_by_return))))
    records = [
        {
            "return_id": return_id,
            "row_key": key,
            "position": position,
            **{c.db_name: cells.get(c.code) for c in fmt.columns},
        }
        for return_id, rows in rows_by_return.items()
        for key, (position, cells) in rows.items()
    ]
    if records:
        db.session.execute(insert(table), records)
