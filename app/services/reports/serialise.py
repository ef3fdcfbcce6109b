"""JSON form of a report (the API contract in shared/API.md)."""

from __future__ import annotations

from typing import Any

from app.services.engine.serialise import cell_json
from app.services.reports.report import Completeness, Report, ReportColumn, ReportRow


def _cell(value: Any, column: ReportColumn) -> Any:
    return cell_json(value, column)


def rows_json(rows: list[ReportRow], columns: tuple[ReportColumn, ...]) -> list[dict[str, Any]]:
    """Rows as `{key, label, total, cells}` (free-row formats add `cases`)."""
    found = []
    for row in rows:
        item = {
            "key": row.key,
            "label": row.label,
            "group": row.group,
            "total": row.is_total,
            "cells": {c.code: _cell(row.cells.get(c.code), c) for c in columns},
        }
        if row.cases is not None:
            item["cases"] = row.cases
        found.append(item)
    return found


def completeness_json(completeness: Completeness) -> dict[str, Any]:
    """`{expected, included, missing: [office codes]}`."""
    return {
        "expected": completeness.expected,
        "included": completeness.included,
        "missing": [code for code, _name in completeness.missing],
    }


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as the API returns it."""
    body: dict[str, Any] = {
        "format": report.fmt.code,
        "title": report.fmt.title,
        "unit": report.unit.code,
        "unit_name": report.unit.name,
        "period": str(report.month),
        "basis": report.basis,
        "amount_unit": report.fmt.unit_label,
        "generated_at": report.generated_at.isoformat(),
        "columns": [
            {
                "code": c.code,
                "label": c.label,
                "kind": c.kind,
                "type": c.type,
                "number": c.number,
                "group": list(c.group_path),
                **({"derived": c.derived_kind, "of": c.of} if c.kind == "derived" else {}),
            }
            for c in report.columns
        ],
        "rows": rows_json(report.rows, report.columns),
        "completeness": completeness_json(report.completeness),
        "amended": list(report.amended),
    }
    if report.children is not None:
        body["children"] = [
            {
                "unit": child.code,
                "name": child.name,
                "rows": rows_json(child.rows, report.columns),
                "completeness": completeness_json(child.completeness),
            }
            for child in report.children
        ]
    return body
