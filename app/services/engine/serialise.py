"""JSON forms of formats, offices and returns (shared by the API and the grid)."""

from __future__ import annotations

from typing import Any

from app.definitions.column_types import column_type
from app.definitions.months import Month
from app.definitions.schema import ColumnDef, DerivedDef, FormatDef
from app.models.org import Office
from app.services.engine import catalogue
from app.services.engine.grid import Grid


def cell_json(value: Any, column: ColumnDef) -> Any:
    """A cell as JSON: counts as numbers, amounts and percents as 2-decimal strings."""
    return column_type(column.type).to_json(value)  # format and report columns alike


def cells_from_json(fmt: FormatDef, cells: dict[str, Any]) -> dict[str, Any]:
    """Cells read back from JSON (a kept revision) as the types the engine computes with."""
    typed: dict[str, Any] = {}
    for code, value in cells.items():
        try:
            column = fmt.column(code)
        except KeyError:
            continue
        typed[code] = column.kind.from_json(value)
    return typed


def column_json(column: ColumnDef) -> dict[str, Any]:
    """A column's description."""
    return {
        "code": column.code,
        "label": column.label,
        "group": list(column.group_path),
        "number": column.number,
        "type": column.type,
        "role": column.role,
        "required": column.required and column.role == "entered",
        "carry": column.carry,
        "formula": column.formula.text if column.formula is not None else None,
        "functions": list(column.functions),  # empty: every office that files the format fills it
        "fed": column.fed,
    }


def derived_json(derived: DerivedDef) -> dict[str, Any]:
    """A derived column: code, label, kind, the column it derives from (and a target_pct's target)."""
    found: dict[str, Any] = {
        "code": derived.code,
        "label": derived.label,
        "kind": derived.kind,
        "of": derived.of,
    }
    if derived.target_format is not None:
        found["target"] = {"format": derived.target_format, "column": derived.target_column}
    return found


def format_json(fmt: FormatDef, month: Month) -> dict[str, Any]:
    """A format with the columns and rows in force for `month`."""
    return {
        "fed_rows": {row.key: row.fed for row in fmt.fed_rows_in_force(month)},
        "code": fmt.code,
        "title": fmt.title,
        "part": fmt.part,
        "owner": fmt.owner,
        "segment": fmt.segment,
        "unit": fmt.unit_label,
        "filled_by": list(fmt.filled_by),
        "in_force": fmt.in_force(month),
        "from": str(fmt.valid_from) if fmt.valid_from else None,
        "until": str(fmt.valid_until) if fmt.valid_until else None,
        "replaces": fmt.replaces,
        "period": fmt.period,  # "month", or "year": one return a year, keyed by its April
        "lag": fmt.lag,  # the return for month M carries the figures of M - lag
        "row_kind": fmt.rows.kind,
        "columns": [column_json(c) for c in fmt.columns_in_force(month)],
        "rows": [
            {
                "key": r.key,
                "label": r.label,
                "group": r.group,
                "total": r.is_total,
                "role": r.role,  # entered | carried | computed | total
                "formula": r.formula.text if r.formula is not None else None,
                "carry": r.carry,
            }
            for r in catalogue.defined_rows(fmt, month)
        ]
        if fmt.rows.kind != "free"
        else [],
        "derived": [derived_json(d) for d in fmt.derived],
        "checks": [{"code": k.code, "rule": k.rule.text, "message": k.message} for k in fmt.checks],
    }


def office_json(office: Office) -> dict[str, Any]:
    """An office's code, name, kind and parent."""
    return {
        "code": office.code,
        "name": office.name,
        "kind": office.kind,
        "parent": office.parent.code if office.parent is not None else None,
        "segments": sorted(office.segment_set),
    }


def return_json(grid: Grid) -> dict[str, Any]:
    """A return with every row (carried and computed cells included) and its checks."""
    columns = grid.columns
    return {
        "format": grid.fmt.code,
        "office": grid.office.code,
        "period": str(grid.month),
        "status": grid.status,
        "version": grid.version,
        "revision": grid.ret.revision if grid.ret is not None else 0,
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "total": row.is_total,
                "cells": {c.code: cell_json(row.cells.get(c.code), c) for c in columns},
            }
            for row in grid.rows
        ],
        "checks": [m.as_dict() for m in grid.messages],
        "pending_checks": [p.as_dict() for p in grid.pending],
        "fed": {
            source: (feed.fed_at.isoformat(timespec="seconds") if (feed := grid.feeds.get(source)) else None)
            for source in grid.fmt.sources_in_force(grid.month)
        },
    }
