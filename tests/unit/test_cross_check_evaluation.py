"""Checks across formats, evaluated: the comparison, and when a compared cell's figures are complete."""

from __future__ import annotations

from decimal import Decimal

from app.definitions import load_definitions_text
from app.definitions.months import Month
from app.definitions.schema import CellRef
from app.services.engine.cross_checks import cell_value, holds
from app.services.engine.grid import Grid, GridRow

DEFINITIONS = load_definitions_text(
    """\
version: 1
parts:
  - {code: I, title: "Part-I"}
owners:
  - {code: DDM, title: "DDM"}
formats:
  - code: FMT-A
    title: "A"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    rows: {fixed: [{key: X, label: "X"}, {key: Y, label: "Y"}], total: "Total"}
    columns:
      - {code: OPENING_NO, label: "Opening", type: count}
      - {code: RECEIPT_NO, label: "Receipt", type: count}
      - {code: CLOSING_NO, label: "Closing", type: count, formula: "OPENING_NO + RECEIPT_NO"}
      - {code: OTHER_NO, label: "Other", type: count}
"""
)
FMT = DEFINITIONS.format("FMT-A")
JAN = Month.parse("2024-01")


def grid(x: dict, y: dict, total: dict) -> Grid:
    rows = [GridRow("X", "X", cells=x), GridRow("Y", "Y", cells=y)]
    rows.append(GridRow("TOTAL", "Total", is_total=True, cells=total, members=("X", "Y")))
    return Grid(FMT, None, JAN, None, FMT.columns, rows, False)  # type: ignore[arg-type]


def test_comparisons_are_made_on_two_decimals_and_an_undefined_figure_never_fails() -> None:
    assert holds("==", Decimal("10.004"), Decimal("10.00"))
    assert not holds("==", Decimal("10.01"), Decimal("10.00"))
    assert holds("<=", Decimal(3), Decimal(5)) and not holds(">", Decimal(3), Decimal(5))
    assert holds("==", None, Decimal(5))  # blank or undefined (a division by zero): not a failure


def test_a_data_row_cell_is_complete_when_the_entered_cells_it_is_calculated_from_are_filled() -> None:
    filled = {"OPENING_NO": 2, "RECEIPT_NO": 1, "CLOSING_NO": 3, "OTHER_NO": None}
    half = {"OPENING_NO": 2, "RECEIPT_NO": None, "CLOSING_NO": 2, "OTHER_NO": 7}
    shown = grid(filled, half, {"CLOSING_NO": 5})
    assert cell_value(shown, CellRef("FMT-A", "X", "CLOSING_NO")) == (True, 3)  # OTHER_NO is not read
    assert cell_value(shown, CellRef("FMT-A", "Y", "CLOSING_NO")) == (False, 2)


def test_a_total_is_complete_only_when_every_member_row_is() -> None:
    filled = {"OPENING_NO": 2, "RECEIPT_NO": 1, "CLOSING_NO": 3}
    half = {"OPENING_NO": 2, "RECEIPT_NO": None, "CLOSING_NO": 2}
    total = CellRef("FMT-A", "TOTAL", "CLOSING_NO")
    assert cell_value(grid(filled, half, {"CLOSING_NO": 5}), total)[0] is False
    done = grid(filled, filled, {"CLOSING_NO": 6})
    assert cell_value(done, total) == (True, 6)
    assert cell_value(done, CellRef("FMT-A", "NO_SUCH_ROW", "CLOSING_NO")) == (False, None)
