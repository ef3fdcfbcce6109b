"""Scorecards in the definitions (E110-E116): weights, figures, rows, grading rules and bands."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.definitions import load_definitions
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, the_error

ROWS_FORMAT = """\
  - code: FMT-R
    title: "Format R"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    rows:
      fixed:
        - {key: CASH, label: "Cash"}
        - {key: ITC, label: "ITC"}
    columns:
      - {code: AMOUNT, label: "Amount", type: amount}
      - {code: REMARKS, label: "Remarks", type: text, max_length: 200}
"""

CARD = """\
scorecards:
  - code: SC-TEST
    title: "Test scorecard"
    owner: DDM
    groups:
      - code: OUTPUT
        title: "Output"
        weight: 60
        indicators:
          - code: DISPOSED
            label: "Disposed"
            format: FMT-A
            column: DISPOSAL_NO
            better: higher
            grade: {rule: rank}
          - code: DISPOSED_PCT
            label: "% disposed"
            format: FMT-A
            formula: "DISPOSAL_NO / (OPENING_NO + RECEIPT_NO) * 100"
            better: higher
            grade: {rule: target, target: 80}
      - code: PENDENCY
        title: "Pendency"
        weight: 40
        indicators:
          - code: CLOSING
            label: "Closing"
            format: FMT-A
            column: CLOSING_NO
            better: lower
            grade:
              rule: bands
              bands:
                - {at: 10, grade: 10}
                - {at: 50, grade: 6}
                - {at: 100, grade: 3}
          - code: CASH
            label: "Cash amount"
            format: FMT-R
            row: CASH
            column: AMOUNT
            better: higher
            grade: {rule: rank}
"""


def _text(card: str = CARD) -> str:
    return MINIMAL + ROWS_FORMAT + card


def _with(old: str, new: str) -> str:
    assert old in CARD, old
    return _text(CARD.replace(old, new, 1))


def test_a_scorecard_is_read_with_its_groups_figures_and_rules(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_text(), encoding="utf-8")
    card = load_definitions(path).scorecards["SC-TEST"]
    assert (card.owner, [g.weight for g in card.groups], card.boards) == ("DDM", [60, 40], False)
    disposed, pct, closing, cash = card.indicators
    assert (disposed.row, disposed.month.column, disposed.upto.column) == ("_", "DISPOSAL_NO", "DISPOSAL_NO")
    assert pct.month.formula.names_in_order == ("DISPOSAL_NO", "OPENING_NO", "RECEIPT_NO")
    assert (pct.grade.rule, pct.grade.target) == ("target", Decimal(80))
    assert closing.grade.bands == ((10, 10), (50, 6), (100, 3)) and closing.grade.otherwise == 1
    assert (cash.row, cash.better) == ("CASH", "higher")


def test_e110_weights_that_do_not_add_up_to_100(tmp_path: Path) -> None:
    text = _with("weight: 40", "weight: 30")
    error = the_error(tmp_path, text)
    assert_error(error, "E110", line_of(text, "    groups:"), "scorecards[0].groups", "90 (60 + 30)")


def test_e111_a_column_the_format_does_not_have_or_not_a_number(tmp_path: Path) -> None:
    text = _with("column: CLOSING_NO", "column: CLOSNG_NO")
    error = the_error(tmp_path, text)
    path = "scorecards[0].groups[1].indicators[0].column"
    assert_error(error, "E111", line_of(text, "CLOSNG_NO"), path, "did you mean 'CLOSING_NO'?")
    text = _with("column: AMOUNT", "column: REMARKS")
    error = the_error(tmp_path, text)
    path = "scorecards[0].groups[1].indicators[1].column"
    assert_error(error, "E111", line_of(text, "column: REMARKS"), path, "not a number")


def test_e112_an_unknown_row_and_a_missing_one(tmp_path: Path) -> None:
    text = _with("row: CASH", "row: CHEQUE")
    path = "scorecards[0].groups[1].indicators[1].row"
    assert_error(the_error(tmp_path, text), "E112", line_of(text, "row: CHEQUE"), path, "not a row of FMT-R")
    text = _with("            row: CASH\n", "")
    error = the_error(tmp_path, text)
    path = "scorecards[0].groups[1].indicators[1]"
    assert_error(error, "E112", line_of(text, "code: CASH"), path, "row: KEY")


def test_e113_both_or_neither_figure_and_a_formula_reading_an_unknown_column(tmp_path: Path) -> None:
    text = _with("            column: DISPOSAL_NO\n", "")
    error = the_error(tmp_path, text)
    assert_error(error, "E113", line_of(text, "code: DISPOSED"), "scorecards[0].groups[0].indicators[0]")
    both = "            column: DISPOSAL_NO\n            formula: 'A'\n"
    text = _with("            column: DISPOSAL_NO\n", both)
    error = the_error(tmp_path, text)
    path = "scorecards[0].groups[0].indicators[0].formula"
    assert_error(error, "E113", line_of(text, "formula: 'A'"), path, "not both")
    text = _with("(OPENING_NO + RECEIPT_NO)", "(OPENING_NO + RECIEPT_NO)")
    error = the_error(tmp_path, text)
    path = "scorecards[0].groups[0].indicators[1].formula"
    hint = "did you mean 'RECEIPT_NO'?"
    assert_error(error, "E113", line_of(text, "RECIEPT_NO"), path, "'RECIEPT_NO'", hint)


def test_e114_an_unknown_rule_and_settings_of_another_rule(tmp_path: Path) -> None:
    text = _with("{rule: rank}", "{rule: rnak}")
    path = "scorecards[0].groups[0].indicators[0].grade.rule"
    assert_error(the_error(tmp_path, text), "E114", line_of(text, "rnak"), path, "did you mean 'rank'?")
    text = _with("{rule: rank}", "{rule: rank, target: 90}")
    path = "scorecards[0].groups[0].indicators[0].grade.target"
    assert_error(the_error(tmp_path, text), "E114", line_of(text, "target: 90"), path, "rule 'rank'")
    text = _with("{rule: target, target: 80}", "{rule: target, target: 0}")
    path = "scorecards[0].groups[0].indicators[1].grade"
    assert_error(the_error(tmp_path, text), "E114", line_of(text, "target: 0"), f"{path}.target", "above 0")


def test_e115_bands_out_of_order_and_grades_outside_1_to_10(tmp_path: Path) -> None:
    text = _with("{at: 50, grade: 6}", "{at: 5, grade: 6}")  # lower is better: thresholds must rise
    path = "scorecards[0].groups[1].indicators[0].grade.bands[1]"
    assert_error(the_error(tmp_path, text), "E115", line_of(text, "at: 5,"), path, "above 10")
    text = _with("{at: 50, grade: 6}", "{at: 50, grade: 11}")
    error = the_error(tmp_path, text)
    assert_error(error, "E115", line_of(text, "grade: 11"), f"{path}.grade", "from 1 to 10")
    text = _with("{at: 100, grade: 3}", "{at: 100, grade: 7}")  # a worse band with a better grade
    error = the_error(tmp_path, text)
    assert_error(error, "E115", line_of(text, "grade: 7"), path[:-3] + "[2]", "not above 6")


def test_e116_an_owners_scorecard_reading_another_owners_format(tmp_path: Path) -> None:
    text = MINIMAL.replace("owners:\n", 'owners:\n  - {code: TAR, title: "Arrears"}\n')
    text += ROWS_FORMAT.replace("owner: DDM", "owner: TAR") + CARD
    error = the_error(tmp_path, text)
    path = "scorecards[0].groups[1].indicators[1].format"
    assert_error(error, "E116", line_of(text, "format: FMT-R"), path, "belongs to TAR", "owner: BOARD")
    assert problems(tmp_path, text.replace("owner: DDM\n    groups", "owner: BOARD\n    groups")) == []


def test_e011_unknown_owner_and_format_and_e010_a_code_used_twice(tmp_path: Path) -> None:
    text = _with("owner: DDM", "owner: DMM")
    error = the_error(tmp_path, text)
    assert_error(error, "E011", line_of(text, "owner: DMM"), "scorecards[0].owner", "did you mean 'DDM'?")
    text = _with("format: FMT-R", "format: FMT-Z")
    path = "scorecards[0].groups[1].indicators[1].format"
    assert_error(the_error(tmp_path, text), "E011", line_of(text, "FMT-Z"), path, "unknown format")
    text = _with("code: CASH", "code: DISPOSED")
    path = "scorecards[0].groups[1].indicators[1].code"
    assert_error(the_error(tmp_path, text), "E010", line_of(text, "code: DISPOSED", 3), path, "already used")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = _text(
        CARD.replace("column: CLOSING_NO", "column: CLOSNG_NO")
        .replace("{rule: rank}", "{rule: rnak}", 1)
        .replace("row: CASH", "row: CHEQUE")
    )
    assert sorted(error.code for error in problems(tmp_path, text)) == ["E111", "E112", "E114"]
