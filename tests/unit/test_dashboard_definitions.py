"""The dashboard's indicators in the definitions (E100-E103): every problem at once, line and path."""

from __future__ import annotations

from pathlib import Path

from app.definitions import load_definitions
from app.definitions.translation_coverage import texts_without
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, the_error

ROWS_FORMAT = """\
  - code: FMT-R
    title: "Format R"
    part: I
    owner: DDM
    segment: GST
    unit: crore
    filled_by: [commissionerate]
    rows:
      fixed:
        - {key: CASH, label: "Cash"}
        - {key: ITC, label: "ITC"}
      total: "Total"
    columns:
      - {code: AMOUNT, label: "Amount", type: amount}
      - {code: CASES_NO, label: "Cases", type: count}
      - {code: REMARKS, label: "Remarks", type: text, max_length: 50}
    derived:
      - {code: AMOUNT_UPTO, label: "Amount up to the month", kind: upto, of: AMOUNT}
      - {code: AMOUNT_P, label: "Amount - last year", kind: prev_year, of: AMOUNT}
      - {code: AMOUNT_PCT, label: "% growth", kind: growth_pct, of: AMOUNT}
"""
YEARLY_FORMAT = """\
  - code: FMT-Y
    title: "Format Y"
    part: I
    owner: DDM
    segment: GST
    unit: crore
    filled_by: [commissionerate]
    period: year
    from: 2018-04
    columns:
      - {code: TARGET, label: "Target", type: amount}
"""
DASHBOARD = """\
dashboard:
  - code: AMOUNT-UPTO
    title: "Amount up to the month"
    title_hi: "माह तक राशि"
    format: FMT-R
    column: AMOUNT_UPTO
    compare: [AMOUNT_P, AMOUNT_PCT]
  - code: CLOSING
    title: "Closing"
    title_hi: "अंतिम शेष"
    format: FMT-A
    column: CLOSING_NO
    order: asc
"""


def _with(dashboard: str = DASHBOARD) -> str:
    return MINIMAL + ROWS_FORMAT + YEARLY_FORMAT + dashboard


def test_indicators_are_read_with_their_row_unit_comparisons_and_order(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_with(), encoding="utf-8")
    definitions = load_definitions(path)
    upto, closing = definitions.dashboard["AMOUNT-UPTO"], definitions.dashboard["CLOSING"]
    assert (upto.format, upto.row, upto.column, upto.unit, upto.compare, upto.order) == (
        "FMT-R",
        "TOTAL",  # the total row by default
        "AMOUNT_UPTO",
        "crore",  # an amount: the format's unit
        ("AMOUNT_P", "AMOUNT_PCT"),
        "desc",
    )
    assert (closing.row, closing.unit, closing.order) == ("_", "count", "asc")  # a single-row format
    assert upto.title.in_language("hi") == "माह तक राशि"
    assert not [t for t in texts_without(definitions, "hi") if t.startswith("dashboard ")]


def test_an_indicator_without_its_hindi_title_is_listed_by_the_coverage(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_with(DASHBOARD.replace('    title_hi: "अंतिम शेष"\n', "")), encoding="utf-8")
    assert "dashboard CLOSING: Closing" in texts_without(load_definitions(path), "hi")


def test_a_percent_column_is_in_percent(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_with(DASHBOARD.replace("column: AMOUNT_UPTO", "column: AMOUNT_PCT")
                          .replace("[AMOUNT_P, AMOUNT_PCT]", "[AMOUNT_P]")), encoding="utf-8")  # fmt: skip
    assert load_definitions(path).dashboard["AMOUNT-UPTO"].unit == "percent"


def test_e100_a_column_the_format_does_not_have(tmp_path: Path) -> None:
    text = _with(DASHBOARD.replace("column: AMOUNT_UPTO", "column: AMOUNT_UPT"))
    assert_error(
        the_error(tmp_path, text),
        "E100",
        line_of(text, "column: AMOUNT_UPT"),
        "dashboard[0].column",
        "not a column of FMT-R",
        "did you mean 'AMOUNT_UPTO'?",
    )


def test_e100_a_text_column(tmp_path: Path) -> None:
    text = _with(DASHBOARD.replace("column: AMOUNT_UPTO", "column: REMARKS"))
    error = the_error(tmp_path, text)
    assert_error(error, "E100", line_of(text, "column: REMARKS"), "dashboard[0].column", "not a number")


def test_e101_a_row_the_format_does_not_have_and_a_row_that_must_be_named(tmp_path: Path) -> None:
    text = _with(DASHBOARD.replace("    format: FMT-R\n", "    format: FMT-R\n    row: CASHH\n"))
    assert_error(
        the_error(tmp_path, text),
        "E101",
        line_of(text, "row: CASHH"),
        "dashboard[0].row",
        "did you mean 'CASH'?",
    )
    no_total = _with().replace('      total: "Total"\n', "")
    assert_error(
        the_error(tmp_path, no_total),
        "E101",
        line_of(no_total, "- code: AMOUNT-UPTO"),
        "dashboard[0]",
        "say which one the indicator reads (row: KEY)",
    )
    named = no_total.replace("    format: FMT-R\n", "    format: FMT-R\n    row: ITC\n")
    assert problems(tmp_path, named) == []


def test_e102_comparisons_that_are_not_number_columns_or_the_figure_itself(tmp_path: Path) -> None:
    text = _with(DASHBOARD.replace("[AMOUNT_P, AMOUNT_PCT]", "[AMOUNT_PP, REMARKS, AMOUNT_UPTO]"))
    errors = problems(tmp_path, text)
    line = line_of(text, "compare:")
    assert [(e.code, e.line, e.path) for e in errors] == [
        ("E102", line, "dashboard[0].compare[0]"),
        ("E102", line, "dashboard[0].compare[1]"),
        ("E102", line, "dashboard[0].compare[2]"),
    ]
    assert "did you mean 'AMOUNT_P'?" in errors[0].message
    assert "not a number" in errors[1].message and "own column" in errors[2].message


def test_e103_an_annual_format(tmp_path: Path) -> None:
    text = _with(DASHBOARD.replace("format: FMT-A", "format: FMT-Y").replace("CLOSING_NO", "TARGET"))
    assert_error(
        the_error(tmp_path, text),
        "E103",
        line_of(text, "format: FMT-Y"),
        "dashboard[1].format",
        "once a year",
    )


def test_every_problem_at_once_with_the_generic_ones(tmp_path: Path) -> None:
    text = _with(
        DASHBOARD.replace("format: FMT-A", "format: FMT-Q")  # E011 unknown format
        .replace("    order: asc\n", "    order: up\n    colour: red\n")  # E005, E002
        .replace("column: AMOUNT_UPTO", "column: NOPE")  # E100
        + '  - {code: DUP, title: "Once", title_hi: "एक", format: FMT-A, column: CLOSING_NO}\n'
        + '  - {code: DUP, title: "Again", format: FMT-A, column: CLOSING_NO}\n'  # E010
        + "  - {code: bad code, format: FMT-A}\n"  # E005 the code, E003 title and column
    )
    found = {(e.code, e.path) for e in problems(tmp_path, text)}
    assert {
        ("E100", "dashboard[0].column"),
        ("E011", "dashboard[1].format"),
        ("E005", "dashboard[1].order"),
        ("E002", "dashboard[1].colour"),
        ("E010", "dashboard[3].code"),
        ("E003", "dashboard[4]"),
        ("E005", "dashboard[4].code"),
    } <= found


def test_the_shipped_indicators_load() -> None:
    definitions = load_definitions(Path(__file__).parents[2] / "mpr_definitions.yaml")
    shown = {code: (i.format, i.column) for code, i in definitions.dashboard.items()}
    assert shown["GST-REFUND-60D"] == ("DPM-GST-4", "PENDING_GT_60D_NO")
    assert shown["GST-REVENUE-TARGET"] == ("DDM-GST-1", "TOTAL_TARGET_PCT")
    assert {i.format for i in definitions.dashboard.values()} >= {"DDM-GST-1", "DPM-GST-ADJ-1", "TAR-CE-3"}
