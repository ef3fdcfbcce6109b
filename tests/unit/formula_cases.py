"""Formula cases shared by the Python tests and the JavaScript runtime (mpr-formula.js).

Each case is (formula, values, expected), all JSON-serialisable:
- values: column code -> the cell as text ("12.5") or None for a blank cell;
- expected: None for a blank result, "true"/"false" for a check, otherwise the result
  rounded half-up to 2 decimals as text ("3.33").

Python: `case_string(parse_expression(formula, allow_comparisons=True).evaluate(...))`.
JavaScript: `MPRFormula.caseString(fn(values))` where fn is `function (v) { return JS; }`
and JS is the formula's `Expression.to_js()`; `cases_script()` writes all of that.
"""

from __future__ import annotations

import json
from decimal import Decimal

from app.definitions.expression_nodes import round_half_up
from app.definitions.expressions import parse_expression
from app.definitions.loader import load_definitions_text

Case = tuple[str, dict[str, "str | None"], "str | None"]

CASES: list[Case] = [
    # arithmetic, blank counts as 0
    ("A + B", {"A": "1", "B": "2"}, "3.00"),
    ("A + B", {"A": "1", "B": None}, "1.00"),
    ("A - B", {"A": None, "B": "2.5"}, "-2.50"),
    ("A - B", {"A": "0.3", "B": "0.1"}, "0.20"),
    ("(A + B) / 2", {"A": "1", "B": "2"}, "1.50"),
    ("A * B", {"A": "12345678.12", "B": "100"}, "1234567812.00"),
    ("A * 2 + 1", {"A": "0.25"}, "1.50"),
    ("-A", {"A": "2"}, "-2.00"),
    ("+A", {"A": "2"}, "2.00"),
    ("100", {}, "100.00"),
    ("A / 3 * 3", {"A": "1"}, "1.00"),
    # every cell read is blank -> blank
    ("A + B", {"A": None, "B": None}, None),
    ("A - B", {}, None),
    ("A * 2 + 1", {"A": None}, None),
    ("-A", {"A": None}, None),
    ("A >= 0", {"A": None}, None),
    # division by zero -> blank, and blank spreads
    ("A / B", {"A": "1", "B": "0"}, None),
    ("A / B", {"A": "1", "B": None}, None),
    ("A / B * 100 + C", {"A": "1", "B": "0", "C": "5"}, None),
    ("max(A / B, 0)", {"A": "1", "B": "0"}, None),
    ("A / B", {"A": "2", "B": "3"}, "0.67"),
    ("A / B * 100", {"A": "1", "B": "3"}, "33.33"),
    ("A / B * 100", {"A": "1", "B": "8"}, "12.50"),
    # rounding half-up (away from zero)
    ("round(A, 2)", {"A": "1.005"}, "1.01"),
    ("round(A, 2)", {"A": "-1.005"}, "-1.01"),
    ("round(A)", {"A": "2.5"}, "3.00"),
    ("round(A)", {"A": "-2.5"}, "-3.00"),
    ("round(A, 0)", {"A": "0.5"}, "1.00"),
    ("round(A + B, 1)", {"A": "0.1", "B": "0.2"}, "0.30"),
    ("round(A / B * 100, 1)", {"A": "1", "B": "8"}, "12.50"),
    ("A + B", {"A": "1.004", "B": "0.001"}, "1.01"),
    ("A", {"A": "-0.001"}, "0.00"),
    # functions
    ("sum(A, B, C)", {"A": "1", "B": None, "C": "2.5"}, "3.50"),
    ("min(A, B)", {"A": "-1", "B": "2"}, "-1.00"),
    ("max(A, B)", {"A": "-1", "B": "2"}, "2.00"),
    ("max(A, B)", {"A": "-1", "B": None}, "0.00"),
    ("abs(A - B)", {"A": "1", "B": "3.25"}, "2.25"),
    ("abs(A)", {"A": "-0.004"}, "0.00"),
    # comparisons on values rounded to 2 decimals
    ("A + B == C", {"A": "0.1", "B": "0.2", "C": "0.3"}, "true"),
    ("A == B", {"A": "1.004", "B": "1.001"}, "true"),
    ("A == B", {"A": "1.005", "B": "1.004"}, "false"),
    ("A != B", {"A": "1.005", "B": "1.004"}, "true"),
    ("A / 3 * 3 == A", {"A": "1"}, "true"),
    ("A < B < C", {"A": "1", "B": "2", "C": "3"}, "true"),
    ("A < B < C", {"A": "1", "B": "3", "C": "2"}, "false"),
    ("A <= B", {"A": "2", "B": "2"}, "true"),
    ("A > B", {"A": "1", "B": None}, "true"),
    ("A >= B", {"A": "1", "B": "1.001"}, "true"),
    # None in comparisons and booleans
    ("A / B > 1", {"A": "1", "B": "0"}, None),
    ("A / B > 1 or C > 0", {"A": "1", "B": "0", "C": "5"}, None),
    ("not A / B > 1", {"A": "1", "B": "0"}, None),
    ("A > 1 and B > 1", {"A": "2", "B": "2"}, "true"),
    ("A > 1 and B > 1", {"A": "2", "B": "1"}, "false"),
    ("A > 1 or B > 1", {"A": "0", "B": "2"}, "true"),
    ("not A > 1", {"A": "0"}, "true"),
    ("A + B + C == D", {"A": "1", "B": "2", "C": "3", "D": "6"}, "true"),
]


def case_string(result: Decimal | bool | None) -> str | None:
    """A result in the cases' form: None, 'true'/'false' or the number to 2 decimals."""
    if result is None:
        return None
    if isinstance(result, bool):
        return "true" if result else "false"
    return format(round_half_up(result, 2), "f")


def decimal_values(values: dict[str, str | None]) -> dict[str, Decimal | None]:
    """The case's values as the server sees them."""
    return {code: None if text is None else Decimal(text) for code, text in values.items()}


def cases_script() -> str:
    """JavaScript defining `window.MPR_FORMULA_CASES` (needs mpr-formula.js loaded first)."""
    entries = []
    for formula, values, expected in CASES:
        js = parse_expression(formula, allow_comparisons=True).to_js()
        data = json.dumps({"formula": formula, "values": values, "expected": expected})
        entries.append(f"  Object.assign({data}, {{fn: function (v) {{ return {js}; }}}})")
    body = ",\n".join(entries)
    return (
        "(function (root) {\n"
        "var F = root.MPRFormula.F;\n"
        f"root.MPR_FORMULA_CASES = [\n{body}\n];\n"
        '}(typeof window !== "undefined" ? window : globalThis));\n'
    )


# Computed rows: (row formula, crossing, columns [(code, type, formula or None)],
# the cells of the rows it reads {row: {column: text or None}}, the computed row's cells expected).
RowCase = tuple[str, "str | None", list[tuple[str, str, "str | None"]], dict, dict[str, "str | None"]]
AMOUNTS = [("A", "amount", None), ("B", "amount", None), ("T", "amount", "A + B")]
RATIO = [("A", "amount", None), ("B", "amount", None), ("P", "percent", "A / B * 100")]
COUNTS = [("N", "count", None), ("C", "count", None), ("T", "count", "N + C")]

ROW_CASES: list[RowCase] = [
    # a Net row: both formulas linear, the column's formula holds (the two agree)
    (
        "GROSS - REFUNDS",
        None,
        AMOUNTS,
        {"GROSS": {"A": "10", "B": "5", "T": "15"}, "REFUNDS": {"A": "2.5", "B": None, "T": "2.5"}},
        {"A": "7.50", "B": "5.00", "T": "12.50"},
    ),
    # an item list whose last line adds some items and subtracts others; blank counts as 0
    (
        "I1 + I2 - I3",
        None,
        COUNTS,
        {"I1": {"N": "4", "C": "1"}, "I2": {"N": None, "C": "2"}, "I3": {"N": "1", "C": None}},
        {"N": "3", "C": "3", "T": "6"},
    ),
    # every cell read blank: the computed row is blank there
    (
        "GROSS - REFUNDS",
        None,
        AMOUNTS,
        {"GROSS": {"A": None, "B": "1"}, "REFUNDS": {"A": None, "B": None}},
        {"A": None, "B": "1.00", "T": "1.00"},
    ),
    # a ratio column crossed by a Net row: crossing: column -> the ratio of the net cells
    (
        "GROSS - REFUNDS",
        "column",
        RATIO,
        {"GROSS": {"A": "50", "B": "200", "P": "25"}, "REFUNDS": {"A": "10", "B": "40", "P": "25"}},
        {"A": "40.00", "B": "160.00", "P": "25.00"},
    ),
    # crossing: row -> the row's formula over the column's cells (here a difference of percentages)
    (
        "GROSS - REFUNDS",
        "row",
        RATIO,
        {"GROSS": {"A": "50", "B": "200", "P": "25"}, "REFUNDS": {"A": "10", "B": "20", "P": "50"}},
        {"A": "40.00", "B": "180.00", "P": "-25.00"},
    ),
    # a ratio row (refunds as % of gross) crossing a total column: crossing: row
    (
        "REFUNDS / GROSS * 100",
        "row",
        AMOUNTS,
        {"GROSS": {"A": "8", "B": "2", "T": "10"}, "REFUNDS": {"A": "1", "B": "0", "T": "1"}},
        {"A": "12.50", "B": "0.00", "T": "10.00"},
    ),
    # division by zero in a row formula: blank
    (
        "REFUNDS / GROSS * 100",
        "column",
        AMOUNTS,
        {"GROSS": {"A": "0", "B": "3"}, "REFUNDS": {"A": "1", "B": "1"}},
        {"A": None, "B": "33.33", "T": "33.33"},
    ),
    # counts rounded half-up per cell before the column formula reads them
    ("I1 / 4", None, COUNTS, {"I1": {"N": "10", "C": "2"}}, {"N": "3", "C": "1", "T": "4"}),
]


def row_case_yaml(case: RowCase) -> str:
    """A definitions file with one format holding the case's rows (the computed row is R)."""
    formula, crossing, columns, rows, _expected = case
    keys = sorted(set(rows) | set(parse_expression(formula, allow_comparisons=False).names))
    items = [f'        - {{key: {key}, label: "{key}"}}' for key in keys]
    extra = f", crossing: {crossing}" if crossing else ""
    items.append(f'        - {{key: R, label: "R", formula: "{formula}"{extra}}}')
    leaves = [
        f'      - {{code: {code}, label: "{code}", type: {kind}'
        + (f', formula: "{text}"' if text else "")
        + "}"
        for code, kind, text in columns
    ]
    return (
        'version: 1\nparts:\n  - {code: I, title: "I"}\nowners:\n  - {code: O, title: "O"}\nformats:\n'
        '  - code: ROWS\n    title: "Rows"\n    part: I\n    owner: O\n    segment: GST\n    unit: lakh\n'
        "    filled_by: [commissionerate]\n    rows:\n      fixed:\n"
        + "\n".join(items)
        + "\n    columns:\n"
        + "\n".join(leaves)
        + "\n"
    )


def stored_text(value: object, column_type: str) -> str | None:
    """A stored cell as the cases write it: counts whole, amounts and percents to 2 decimals."""
    if value is None:
        return None
    return (
        format(Decimal(value), "f")
        if column_type == "count"
        else format(round_half_up(Decimal(value), 2), "f")
    )


def row_cases_script() -> str:
    """JavaScript defining `window.MPR_ROW_CASES`: each case's served row and columns, its rows' values."""
    entries = []
    for case in ROW_CASES:
        fmt = load_definitions_text(row_case_yaml(case)).format("ROWS")
        row = fmt.rows.row("R")
        by_row = [c.code for c in fmt.columns if c.role == "computed" and fmt.crossing(row, c) == "row"]
        plain = [c for c in fmt.columns if c.role != "computed"]
        computed = [c for c in fmt.columns if c.role == "computed"]
        columns = ", ".join(
            f"{{code: {json.dumps(c.code)}, type: {json.dumps(c.type)}, "
            + (f"fn: function (v) {{ return {c.formula.to_js()}; }}}}" if c.formula else "fn: null}")
            for c in plain + computed
        )
        row_js = f"{{byRow: {json.dumps(by_row)}, fn: function (v) {{ return {row.formula.to_js()}; }}}}"
        entries.append(
            f"  {{row: {row_js}, "
            f"rows: {json.dumps(case[3])}, types: {json.dumps({c.code: c.type for c in fmt.columns})}, "
            f"columns: [{columns}]}}"
        )
    body = ",\n".join(entries)
    return (
        "(function (root) {\n"
        "var F = root.MPRFormula.F;\n"
        f"root.MPR_ROW_CASES = [\n{body}\n];\n"
        '}(typeof window !== "undefined" ? window : globalThis));\n'
    )


ROW_CASES_RUN = """(function (root) {
  return root.MPR_ROW_CASES.map(function (c) {
    var cells = root.MPRFormula.computedRow(c.row, c.rows, c.columns);
    var out = {};
    Object.keys(cells).forEach(function (code) {
      out[code] = cells[code] === null ? null : cells[code].toFixed(c.types[code] === "count" ? 0 : 2);
    });
    return out;
  });
}(typeof window !== "undefined" ? window : globalThis))"""
