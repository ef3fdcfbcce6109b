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
