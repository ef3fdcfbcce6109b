"""Computed and carried rows on the server (app.services.engine.calculation), with the shared row cases."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from app.definitions import Month, load_definitions_text, parse_expression
from app.services.engine.calculation import check_messages, compute_rows, row_cells, total_cells
from app.services.reports.report import _basis_cells, balance_rows
from tests.unit.formula_cases import ROW_CASES, ROW_CASES_RUN, row_case_yaml, row_cases_script, stored_text
from tests.unit.test_loader_computed_rows import BALANCE, HEAD, ROWS

MONTH = Month(2024, 5)
JS_RUNTIME = Path(__file__).resolve().parents[2] / "app" / "static" / "js" / "mpr-formula.js"


def server_row(case) -> dict[str, str | None]:
    """The computed row R of a case as the server stores it."""
    fmt = load_definitions_text(row_case_yaml(case)).format("ROWS")
    rows = {
        key: {code: Decimal(text) if text is not None else None for code, text in cells.items()}
        for key, cells in case[3].items()
    }
    cells = row_cells(fmt, MONTH, fmt.rows.row("R"), rows)
    return {code: stored_text(value, fmt.column(code).type) for code, value in cells.items()}


@pytest.mark.parametrize("case", ROW_CASES, ids=[f"{i}:{c[0]}:{c[1]}" for i, c in enumerate(ROW_CASES)])
def test_row_cases_on_the_server(case) -> None:
    assert server_row(case) == case[4]


def test_row_cases_in_node_match_the_server(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = tmp_path / "rows.js"
    script.write_text(
        f"require({json.dumps(str(JS_RUNTIME))});\n"
        + row_cases_script()
        + f"console.log(JSON.stringify({ROW_CASES_RUN}));\n",
        encoding="utf-8",
    )
    completed = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(completed.stdout) == [case[4] for case in ROW_CASES]


def test_compute_rows_fills_the_net_row_and_the_total_leaves_it_out() -> None:
    text = HEAD + ROWS.replace("    columns:\n", '      total: "Total"\n    columns:\n', 1)
    fmt = load_definitions_text(text).format("FMT-R")
    rows = compute_rows(
        fmt,
        MONTH,
        {
            "GROSS": {"CGST": Decimal("10.00"), "SGST": Decimal("4.00")},
            "REFUNDS": {"CGST": Decimal("1.50"), "SGST": None},
        },
    )
    assert rows["NET"] == {"CGST": Decimal("8.50"), "SGST": Decimal("4.00"), "TOTAL_TAX": Decimal("12.50")}
    assert rows["GROSS"]["TOTAL_TAX"] == Decimal("14.00")
    total = fmt.rows.row("TOTAL")
    summed = total_cells(fmt, MONTH, (rows[key] for key in total.members))
    assert summed["CGST"] == Decimal("11.50")  # gross + refunds, never the net row again


def test_computed_and_carried_rows_are_not_required() -> None:
    fmt = load_definitions_text(HEAD + BALANCE).format("FMT-S")
    rows = compute_rows(fmt, MONTH, {"AT_START": {}, "GRANTED": {"NORMAL": 3}, "CANCELLED": {}})
    messages = check_messages(fmt, MONTH, rows, {})
    assert {(m.row, m.column) for m in messages} == {
        ("GRANTED", "COMPOSITION"),
        ("CANCELLED", "NORMAL"),
        ("CANCELLED", "COMPOSITION"),
    }
    assert rows["AT_END"] == {"NORMAL": 3, "COMPOSITION": None}


@pytest.mark.parametrize(
    ("text", "linear"),
    [
        ("GROSS - REFUNDS", True),
        ("A + B - C", True),
        ("sum(A, B) - C", True),
        ("(A + B) / 2", True),
        ("2 * A - B * 0.5", True),
        ("-A", True),
        ("A / B", False),
        ("A / B * 100", False),
        ("A * B", False),
        ("A + 5", False),  # a constant added does not commute with a sum
        ("max(A, B)", False),
        ("abs(A)", False),
        ("round(A + B)", False),
    ],
)
def test_linear_formulas(text: str, linear: bool) -> None:
    assert parse_expression(text, allow_comparisons=False).is_linear is linear


def test_report_cells_recompute_a_ratio_row_over_the_sums_and_blank_balances_on_cumulative_bases() -> None:
    text = HEAD + ROWS.replace('"GROSS - REFUNDS"', '"REFUNDS / GROSS * 100", crossing: row')
    fmt = load_definitions_text(text).format("FMT-R")
    sums = {  # two offices summed: GROSS 10 + 30, REFUNDS 1 + 9
        "GROSS": {"CGST": Decimal("40.00"), "SGST": Decimal("8.00"), "_rows": 2},
        "REFUNDS": {"CGST": Decimal("10.00"), "SGST": Decimal("2.00"), "_rows": 2},
    }
    cells = _basis_cells(fmt, MONTH, list(fmt.rows.rows), sums, cumulative=False)
    assert cells["NET"]["CGST"] == Decimal("25.00")  # ΣREFUNDS / ΣGROSS, not 10% + 30%
    assert cells["NET"]["TOTAL_TAX"] == Decimal("25.00")  # crossing: row

    balance = load_definitions_text(HEAD + BALANCE).format("FMT-S")
    assert balance_rows(balance) == {"AT_START", "AT_END"}
    sums = {key: {"NORMAL": 5, "COMPOSITION": 1, "_rows": 1} for key in ("AT_START", "GRANTED", "CANCELLED")}
    month = _basis_cells(balance, MONTH, list(balance.rows.rows), sums, cumulative=False)
    upto = _basis_cells(balance, MONTH, list(balance.rows.rows), sums, cumulative=True)
    assert month["AT_END"]["NORMAL"] == 5 and upto["AT_END"] == {} and upto["AT_START"] == {}
    assert upto["GRANTED"]["NORMAL"] == 5
