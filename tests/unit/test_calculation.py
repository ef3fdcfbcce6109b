"""app.services.engine.calculation: computed cells, total rows and checks (pure: no Flask, no database)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from app.definitions import CheckDef, Month, load_definitions, load_definitions_text, parse_expression
from app.services.engine.calculation import (
    CellMessage,
    check_messages,
    compute_row,
    computed_order,
    total_cells,
    typed_result,
)

SOURCE = """\
version: 1
parts:
  - {code: V, title: "Part-V"}
owners:
  - {code: DDM, title: "DDM"}
formats:
  - code: CALC
    title: "Calculation cases"
    part: V
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    rows:
      fixed:
        - {key: A, label: "A"}
        - {key: B, label: "B"}
      total: "Total"
    columns:
      # DOUBLE reads CLOSING_NO, declared after it: evaluation order follows the formulas
      - {code: DOUBLE_NO, label: "Twice the closing", type: count, formula: "CLOSING_NO * 2"}
      - {code: OPENING_NO, label: "Opening", type: count, carry: CLOSING_NO}
      - {code: RECEIPT_NO, label: "Receipt", type: count}
      - {code: DISPOSAL_NO, label: "Disposal", type: count}
      - {code: CLOSING_NO, label: "Closing", type: count, formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_NO"}
      - {code: HALF_NO, label: "Half the receipt", type: count, formula: "RECEIPT_NO / 2"}
      - {code: AMT, label: "Amount", type: amount}
      - {code: THIRD_AMT, label: "A third", type: amount, formula: "AMT / 3"}
      - code: SHARE_PCT
        label: "Disposal %"
        type: percent
        formula: "DISPOSAL_NO / (OPENING_NO + RECEIPT_NO) * 100"
      - {code: RATE_PCT, label: "Entered rate", type: percent, required: false}
      - {code: NOTE, label: "Note", type: text, max_length: 20, required: false}
      - {code: NEW_NO, label: "New from Apr 2024", type: count, from: 2024-04}
      - {code: NEW_TOTAL, label: "Closing + new", type: count, from: 2024-04, formula: "CLOSING_NO + NEW_NO"}
    checks:
      - {code: CLOSING_OK, rule: "CLOSING_NO >= 0", message: "Closing can not be negative",
         cells: [CLOSING_NO]}
      - code: DISPOSAL_OK
        rule: "DISPOSAL_NO <= OPENING_NO + RECEIPT_NO"
        message: "Disposal can not exceed opening plus receipt"
        cells: [DISPOSAL_NO]
      - {code: TOTAL_AMT_OK, rule: "AMT <= 100", message: "Total amount at most 100", cells: [AMT],
         scope: total}
"""

REAL_FILE = Path(__file__).resolve().parents[2] / "mpr_definitions.yaml"
FMT = load_definitions_text(SOURCE).format("CALC")
MAR, APR = Month(2024, 3), Month(2024, 4)


def test_computed_order_puts_each_column_after_what_it_reads():
    order = [c.code for c in computed_order(FMT, MAR)]
    assert set(order) == {"DOUBLE_NO", "CLOSING_NO", "HALF_NO", "THIRD_AMT", "SHARE_PCT"}
    assert order.index("CLOSING_NO") < order.index("DOUBLE_NO")
    april = [c.code for c in computed_order(FMT, APR)]
    assert "NEW_TOTAL" in april and april.index("CLOSING_NO") < april.index("NEW_TOTAL")


def test_compute_row_recalculates_every_computed_cell():
    row = compute_row(FMT, MAR, {"OPENING_NO": 10, "RECEIPT_NO": 5, "DISPOSAL_NO": 3, "AMT": Decimal("10")})
    assert row["CLOSING_NO"] == 12
    assert row["DOUBLE_NO"] == 24
    assert row["HALF_NO"] == 3  # 2.5 rounded half up, stored as a whole number
    assert type(row["CLOSING_NO"]) is int
    assert row["THIRD_AMT"] == Decimal("3.33")
    assert row["SHARE_PCT"] == Decimal("20.00")  # 3 / 15
    assert row["AMT"] == Decimal("10")  # entered cells are left alone
    assert "NEW_TOTAL" not in row  # not in force in March


def test_compute_row_overwrites_whatever_was_sent_for_computed_cells():
    row = compute_row(FMT, MAR, {"OPENING_NO": 1, "RECEIPT_NO": 1, "CLOSING_NO": 999, "DOUBLE_NO": 5})
    assert row["CLOSING_NO"] == 2
    assert row["DOUBLE_NO"] == 4


def test_blank_inputs():
    empty = compute_row(FMT, MAR, {})
    assert all(
        empty[code] is None for code in ("CLOSING_NO", "DOUBLE_NO", "HALF_NO", "THIRD_AMT", "SHARE_PCT")
    )
    partly = compute_row(FMT, MAR, {"RECEIPT_NO": 4})  # blank opening and disposal count as 0
    assert partly["CLOSING_NO"] == 4
    assert partly["SHARE_PCT"] == Decimal("0.00")
    assert partly["THIRD_AMT"] is None  # AMT blank: the only input is blank


def test_division_by_zero_is_blank():
    row = compute_row(FMT, MAR, {"OPENING_NO": 0, "RECEIPT_NO": 0, "DISPOSAL_NO": 0})
    assert row["SHARE_PCT"] is None
    assert row["CLOSING_NO"] == 0


@pytest.mark.parametrize(
    ("receipt", "half"),
    [(1, 1), (3, 2), (5, 3), (-1, -1), (-3, -2)],  # half away from zero, never to even
)
def test_counts_round_half_up(receipt, half):
    assert compute_row(FMT, MAR, {"RECEIPT_NO": receipt})["HALF_NO"] == half


@pytest.mark.parametrize(
    ("amount", "third"),
    [("1", "0.33"), ("2", "0.67"), ("0.05", "0.02"), ("0.15", "0.05"), ("100", "33.33")],
)
def test_amounts_round_to_two_places(amount, third):
    assert compute_row(FMT, MAR, {"AMT": Decimal(amount)})["THIRD_AMT"] == Decimal(third)


def test_typed_result():
    closing, third, share = FMT.column("CLOSING_NO"), FMT.column("THIRD_AMT"), FMT.column("SHARE_PCT")
    assert typed_result(closing, None) is None
    assert typed_result(closing, True) is None  # a comparison is not a number
    assert typed_result(closing, Decimal("2.5")) == 3 and type(typed_result(closing, Decimal("2.5"))) is int
    assert typed_result(closing, Decimal("-2.5")) == -3
    assert typed_result(third, Decimal("1.005")) == Decimal("1.01")
    assert typed_result(share, Decimal("66.666")) == Decimal("66.67")
    assert typed_result(third, Decimal("-0.001")) == Decimal("0.00")


def test_columns_in_force_from_their_month():
    april = compute_row(FMT, APR, {"OPENING_NO": 1, "RECEIPT_NO": 2, "NEW_NO": 4})
    assert april["NEW_TOTAL"] == 7  # closing 3 + new 4
    march = compute_row(FMT, MAR, {"OPENING_NO": 1, "RECEIPT_NO": 2, "NEW_NO": 4})
    assert "NEW_TOTAL" not in march


def test_total_row_sums_entered_and_carried_and_recomputes_the_rest():
    rows = [
        compute_row(FMT, MAR, {"OPENING_NO": 10, "RECEIPT_NO": 10, "DISPOSAL_NO": 5, "AMT": Decimal("1.10")}),
        compute_row(FMT, MAR, {"OPENING_NO": 0, "RECEIPT_NO": 4, "DISPOSAL_NO": 3, "AMT": Decimal("2.25")}),
        compute_row(FMT, MAR, {"RATE_PCT": Decimal("50"), "NOTE": "x"}),
    ]
    assert rows[0]["SHARE_PCT"] == Decimal("25.00") and rows[1]["SHARE_PCT"] == Decimal("75.00")
    total = total_cells(FMT, MAR, rows)
    assert total["OPENING_NO"] == 10 and type(total["OPENING_NO"]) is int
    assert total["RECEIPT_NO"] == 14
    assert total["DISPOSAL_NO"] == 8
    assert total["CLOSING_NO"] == 16  # recomputed: 10 + 14 - 8
    assert total["DOUBLE_NO"] == 32
    assert total["HALF_NO"] == 7  # half the total receipt, not 5 + 2
    assert total["AMT"] == Decimal("3.35")
    assert total["THIRD_AMT"] == Decimal("1.12")  # a third of 3.35, not 0.37 + 0.75
    assert total["SHARE_PCT"] == Decimal("33.33")  # 8 / 24, not 25 + 75
    assert total.get("RATE_PCT") is None  # an entered percent is never summed
    assert "NOTE" not in total  # text is not totalled


def test_total_of_nothing_is_blank_not_zero():
    total = total_cells(FMT, MAR, [{}, {}])
    assert total["RECEIPT_NO"] is None
    assert total["CLOSING_NO"] is None
    assert total_cells(FMT, MAR, [])["AMT"] is None


def test_required_messages_only_for_blank_entered_cells():
    row = compute_row(FMT, MAR, {"OPENING_NO": 1, "RECEIPT_NO": 1})
    messages = check_messages(FMT, MAR, {"A": row}, {})
    required = {m.column for m in messages if m.code == "required"}
    assert required == {"DISPOSAL_NO", "AMT"}  # optional, carried and computed cells never
    assert all(
        m == CellMessage("A", m.column, "required", "Required") for m in messages if m.code == "required"
    )
    assert {m.column for m in check_messages(FMT, APR, {"A": row}, {}) if m.code == "required"} == {
        "DISPOSAL_NO",
        "AMT",
        "NEW_NO",  # required only in the months it is in force
    }
    assert check_messages(FMT, MAR, {"A": row}, {}, include_required=False) == []


def test_failing_row_checks_are_reported_at_their_cells():
    row = compute_row(FMT, MAR, {"OPENING_NO": 1, "RECEIPT_NO": 1, "DISPOSAL_NO": 5, "AMT": Decimal("1")})
    messages = check_messages(FMT, MAR, {"A": row}, {})
    assert messages == [
        CellMessage("A", "CLOSING_NO", "CLOSING_OK", "Closing can not be negative"),
        CellMessage("A", "DISPOSAL_NO", "DISPOSAL_OK", "Disposal can not exceed opening plus receipt"),
    ]
    assert messages[0].as_dict() == {
        "row": "A",
        "column": "CLOSING_NO",
        "code": "CLOSING_OK",
        "message": "Closing can not be negative",
    }


def test_a_check_waits_until_every_entered_cell_it_reads_is_filled():
    # DISPOSAL_OK reads DISPOSAL_NO, OPENING_NO (carried) and RECEIPT_NO: receipt is still blank
    row = compute_row(FMT, MAR, {"OPENING_NO": 1, "DISPOSAL_NO": 5, "AMT": Decimal("1")})
    codes = {m.code for m in check_messages(FMT, MAR, {"A": row}, {})}
    assert "DISPOSAL_OK" not in codes
    assert "required" in codes  # the blank is reported as required instead
    assert "CLOSING_OK" in codes  # CLOSING_OK reads only a computed cell: evaluated


def test_a_check_on_a_column_not_in_force_is_skipped():
    # the loader refuses such a check (E042); calculation still guards against it
    rule = parse_expression("NEW_NO <= RECEIPT_NO", allow_comparisons=True)
    check = CheckDef("NEW_OK", rule, "New can not exceed receipt", ("NEW_NO",))
    fmt = dataclasses.replace(FMT, checks=(check,))
    cells = {"OPENING_NO": 0, "RECEIPT_NO": 1, "DISPOSAL_NO": 0, "AMT": 1, "NEW_NO": 9}
    assert check_messages(fmt, MAR, {"A": compute_row(fmt, MAR, cells)}, {}) == []
    assert check_messages(fmt, APR, {"A": compute_row(fmt, APR, cells)}, {}) == [
        CellMessage("A", "NEW_NO", "NEW_OK", "New can not exceed receipt")
    ]


def test_total_scope_checks_run_on_the_total_row_only():
    rows = {
        key: compute_row(FMT, MAR, {"OPENING_NO": 0, "RECEIPT_NO": 1, "DISPOSAL_NO": 0, "AMT": Decimal("60")})
        for key in ("A", "B")
    }
    totals = {"TOTAL": total_cells(FMT, MAR, rows.values())}
    messages = check_messages(FMT, MAR, rows, totals)
    assert messages == [CellMessage("TOTAL", "AMT", "TOTAL_AMT_OK", "Total amount at most 100")]


def test_real_format_percent_total_dpm_gst_adj_1():
    fmt = load_definitions(REAL_FILE).format("DPM-GST-ADJ-1")
    month = Month(2024, 1)
    rows = [
        compute_row(fmt, month, {"DISPOSAL_NO": 2, "OIO_NO": 1}),
        compute_row(fmt, month, {"DISPOSAL_NO": 4, "OIO_NO": 3}),
    ]
    assert [r["OIO_PCT"] for r in rows] == [Decimal("50.00"), Decimal("75.00")]
    assert total_cells(fmt, month, rows)["OIO_PCT"] == Decimal("66.67")


def test_real_format_versions_dri_cus_7():
    fmt = load_definitions(REAL_FILE).format("DRI-CUS-7")
    cells = {"DUTY_DUTY": Decimal("1"), "DBK_R_DUTY": Decimal("2"), "RDG_R_DUTY": Decimal("4")}
    december = compute_row(fmt, Month(2017, 12), cells)
    january = compute_row(fmt, Month(2018, 1), cells)
    assert december["TOTAL_RECOVERY"] == Decimal("3.00") and "TOTAL_RECOVERY_2018" not in december
    assert january["TOTAL_RECOVERY_2018"] == Decimal("7.00") and "TOTAL_RECOVERY" not in january
