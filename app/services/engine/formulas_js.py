"""Emit a format's formulas and checks as a JavaScript file for the live grid.

The file is served from the app (not inlined), so the Content-Security-Policy needs
neither inline scripts nor eval. The server stays authoritative: it recomputes on save.
"""

from __future__ import annotations

import json
from graphlib import TopologicalSorter

from app.definitions.schema import ColumnDef, FormatDef, RowDef
from app.definitions.texts import Text


def _function(js_expression: str) -> str:
    return f"function (v) {{ return {js_expression}; }}"


def _computed_in_order(fmt: FormatDef) -> list[ColumnDef]:
    computed = {c.code: c for c in fmt.columns if c.role == "computed"}
    graph = {code: {n for n in c.formula.names if n in computed} for code, c in computed.items()}
    return [computed[code] for code in TopologicalSorter(graph).static_order()]


def _crossed_by_row(fmt: FormatDef, row: RowDef) -> list[str]:
    """The computed columns where the computed row's own formula holds (`crossing: row`)."""
    return [c.code for c in fmt.columns if c.role == "computed" and fmt.crossing(row, c) == "row"]


def message_forms(message: str) -> dict[str, str]:
    """A check message's forms in other languages (the grid picks the page's; cached alike for all)."""
    return dict(message.forms) if isinstance(message, Text) else {}


def script(fmt: FormatDef) -> str:
    """JavaScript registering the format's computed columns, computed rows and checks with the grid."""
    computed = [
        f"{{code: {json.dumps(c.code)}, type: {json.dumps(c.type)}, "
        f"from: {json.dumps(str(c.valid_from) if c.valid_from else None)}, "
        f"until: {json.dumps(str(c.valid_until) if c.valid_until else None)}, "
        f"names: {json.dumps(sorted(c.formula.names))}, fn: {_function(c.formula.to_js())}}}"
        for c in _computed_in_order(fmt)
    ]
    checks = [
        f"{{code: {json.dumps(k.code)}, scope: {json.dumps(k.scope)}, "
        f"message: {json.dumps(k.message)}, forms: {json.dumps(message_forms(k.message))}, "
        f"cells: {json.dumps(list(k.cells))}, "
        f"names: {json.dumps(sorted(k.rule.names))}, fn: {_function(k.rule.to_js())}}}"
        for k in fmt.checks
    ]
    rows = [
        f"{{key: {json.dumps(r.key)}, "
        f"from: {json.dumps(str(r.valid_from) if r.valid_from else None)}, "
        f"until: {json.dumps(str(r.valid_until) if r.valid_until else None)}, "
        f"byRow: {json.dumps(_crossed_by_row(fmt, r))}, "
        f"names: {json.dumps(sorted(r.formula.names))}, fn: {_function(r.formula.to_js())}}}"
        for r in fmt.rows.computed
    ]
    separator = ",\n      "
    return (
        "(function () {\n"
        "  var F = window.MPRFormula.F;\n"
        "  window.MPR_FORMATS = window.MPR_FORMATS || {};\n"
        f"  window.MPR_FORMATS[{json.dumps(fmt.code)}] = {{\n"
        f"    computed: [\n      {separator.join(computed)}\n    ],\n"
        f"    checks: [\n      {separator.join(checks)}\n    ],\n"
        f"    rows: [\n      {separator.join(rows)}\n    ]\n"
        "  };\n"
        "})();\n"
    )
