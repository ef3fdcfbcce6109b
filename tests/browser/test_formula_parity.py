"""Formula parity in the real browser: the served runtime gives the server's results.

Every case of tests/unit/formula_cases.py is written as JavaScript by the same
`Expression.to_js()` the app serves, and run in a grid page where mpr-formula.js was
loaded by the page itself (under its Content-Security-Policy). `page.evaluate` goes
through the DevTools protocol, so no eval is needed in the page. The formulas of the
real formats, as served by /mpr/f/<slug>/formulas.js, are compared the same way, and so
are the computed-row cases (MPRFormula.computedRow) and the served computed rows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.definitions.expressions import parse_expression, quantize
from tests.unit.formula_cases import (
    CASES,
    ROW_CASES,
    ROW_CASES_RUN,
    case_string,
    decimal_values,
    row_cases_script,
)
from tests.unit.test_computed_rows_calculation import server_row

pytestmark = pytest.mark.browser

GRID = "/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2024-05"


@pytest.fixture(scope="module")
def runtime_page(open_page, login):
    """A signed-in grid page with mpr-formula.js, the format's formulas.js and the grid loaded."""
    with open_page() as tab:
        login(tab, "cgst-mum-e")
        tab.goto(GRID)
        assert tab.evaluate("() => typeof window.MPRFormula.F.formula") == "function"
        assert tab.evaluate("() => 'DPM-GST-ADJ-2' in window.MPR_FORMATS")
        yield tab


def run_js(tab, js_expression: str, values: dict):
    """`function (v) { return <js> }` run on `values`, as a case string."""
    wrapper = (
        "(v) => { var F = window.MPRFormula.F; "
        f"return window.MPRFormula.caseString((function (v) {{ return {js_expression}; }})(v)); }}"
    )
    return tab.evaluate(wrapper, values)


@pytest.mark.parametrize(
    ("formula", "values", "expected"),
    CASES,
    ids=[f"{i:02d}:{formula}" for i, (formula, _v, _e) in enumerate(CASES)],
)
def test_case_matches_python(runtime_page, formula: str, values: dict, expected: str | None) -> None:
    expression = parse_expression(formula, allow_comparisons=True)
    python = case_string(expression.evaluate(decimal_values(values)))
    assert python == expected, "the Python side disagrees with the case table"
    assert run_js(runtime_page, expression.to_js(), values) == expected


# Values that exercise blanks, zero divisors, rounding ties and binary noise.
VALUE_SETS = [None, "0", "1", "0.1", "1.005", "2.675", "12345678.12", "-2.5"]

SERVED = """([format, kind, code, type, valueSets]) => {
  var item = window.MPR_FORMATS[format][kind].filter(function (x) { return x.code === code; })[0];
  if (!item) { return "not served"; }
  return valueSets.map(function (v) {
    var result = item.fn(v);
    if (kind === "checks") { return window.MPRFormula.caseString(result); }
    if (result === null) { return null; }
    return window.MPRFormula.quantize(result, type).toFixed(type === "count" ? 0 : 2);
  });
}"""


def value_sets(names: frozenset[str]) -> list[dict[str, str | None]]:
    """One row of values per VALUE_SETS entry, each name a little different."""
    rows = []
    for base in VALUE_SETS:
        if base is None:
            rows.append(dict.fromkeys(names))
        else:
            rows.append({name: str(Decimal(base) + i) for i, name in enumerate(sorted(names))})
    return rows


def server_computed(expression, values: dict, column_type: str) -> str | None:
    """The server's stored result of a computed column, as text."""
    result = quantize(expression.evaluate(decimal_values(values)), column_type)
    if result is None:
        return None
    return format(result.copy_abs() if result == 0 else result, "f")


def test_served_formulas_of_every_format_match_the_server(runtime_page, live_server) -> None:
    """Each computed column and check, as /mpr/f/<slug>/formulas.js serves it, gives the server's result."""
    with live_server.app.app_context():
        from app.services.engine import catalogue

        formats = list(catalogue.definitions().formats.values())
    mismatches, compared = [], 0
    for fmt in formats:
        runtime_page.add_script_tag(url=f"/mpr/f/{fmt.slug}/formulas.js")  # same origin: allowed by CSP
        items = [("computed", c.code, c.type, c.formula) for c in fmt.columns if c.role == "computed"]
        items += [("checks", k.code, None, k.rule) for k in fmt.checks]
        for kind, code, column_type, expression in items:
            rows = value_sets(expression.names)
            browser = runtime_page.evaluate(SERVED, [fmt.code, kind, code, column_type, rows])
            for values, got in zip(rows, browser, strict=True):
                if kind == "computed":
                    expected = server_computed(expression, values, column_type)
                else:
                    expected = case_string(expression.evaluate(decimal_values(values)))
                compared += 1
                if got != expected:
                    mismatches.append(f"{fmt.code}.{code} {values}: browser {got!r}, server {expected!r}")
    assert compared > 200, compared
    assert not mismatches, "\n".join(mismatches)


def test_row_cases_match_the_server_in_the_browser(runtime_page) -> None:
    """Each computed-row case of formula_cases.py, run by MPRFormula.computedRow, gives the server's cells."""
    # through the DevTools protocol, like run_js: the page's CSP allows no inline script
    browser = runtime_page.evaluate(f"() => {{ {row_cases_script()} return {ROW_CASES_RUN}; }}")
    assert browser == [case[4] for case in ROW_CASES]
    assert [server_row(case) for case in ROW_CASES] == browser


SERVED_ROWS = """([format, key, valueSets]) => {
  var item = window.MPR_FORMATS[format].rows.filter(function (x) { return x.key === key; })[0];
  if (!item) { return "not served"; }
  return valueSets.map(function (v) { return window.MPRFormula.caseString(item.fn(v)); });
}"""


def test_served_computed_rows_of_every_format_match_the_server(runtime_page, live_server) -> None:
    """Each computed row, as /mpr/f/<slug>/formulas.js serves it, gives the server's result per column."""
    with live_server.app.app_context():
        from app.services.engine import catalogue

        formats = [f for f in catalogue.definitions().formats.values() if f.rows.computed]
    assert formats, "no shipped format has a computed row"
    mismatches = []
    for fmt in formats:
        runtime_page.add_script_tag(url=f"/mpr/f/{fmt.slug}/formulas.js")
        for row in fmt.rows.computed:
            rows = value_sets(row.formula.names)
            browser = runtime_page.evaluate(SERVED_ROWS, [fmt.code, row.key, rows])
            expected = [case_string(row.formula.evaluate(decimal_values(values))) for values in rows]
            if browser != expected:
                mismatches.append(f"{fmt.code}.{row.key}: browser {browser!r}, server {expected!r}")
    assert not mismatches, "\n".join(mismatches)
