"""Monthly Summary Reports in the definitions (E090-E093) and their ranking (ties, blanks)."""

from __future__ import annotations

from pathlib import Path

from app.definitions import load_definitions
from app.services.reports.report import Completeness
from app.services.reports.summary import SummaryLine, ranked
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, the_error

SUMMARY = """\
summaries:
  - code: MSR-FMT-A
    title: "Format A by Zone"
    format: FMT-A
    columns: [RECEIPT_NO, DISPOSAL_NO, CLOSING_NO]
    key: CLOSING_NO
    ratios:
      - {code: DISPOSED_PCT, label: "% disposed", formula: "DISPOSAL_NO / RECEIPT_NO * 100"}
"""


def _with(summary: str = SUMMARY) -> str:
    return MINIMAL + summary


def test_a_summary_is_read_with_its_row_columns_key_and_ratios(tmp_path: Path) -> None:
    path = tmp_path / "defs.yaml"
    path.write_text(_with(), encoding="utf-8")
    found = load_definitions(path).summaries["MSR-FMT-A"]
    assert (found.format, found.columns, found.key, found.order, found.row) == (
        "FMT-A",
        ("RECEIPT_NO", "DISPOSAL_NO", "CLOSING_NO"),
        "CLOSING_NO",
        "desc",
        "_",  # a single-row format: its one row
    )
    assert [r.code for r in found.ratios] == ["DISPOSED_PCT"]


def test_e090_a_column_the_format_does_not_have(tmp_path: Path) -> None:
    text = _with(
        SUMMARY.replace("[RECEIPT_NO, DISPOSAL_NO, CLOSING_NO]", "[RECEIPT_NO, DISPOSAL_NO, CLOSNG_NO]")
    )
    errors = problems(tmp_path, text)
    assert [e.code for e in errors] == ["E090", "E092"]  # and the key measure is no longer among the columns
    assert_error(
        errors[0], "E090", line_of(text, "CLOSNG_NO"), "summaries[0].columns[2]", "did you mean 'CLOSING_NO'?"
    )


def test_e091_a_row_the_format_does_not_have(tmp_path: Path) -> None:
    text = _with(SUMMARY.replace("    key: CLOSING_NO\n", "    key: CLOSING_NO\n    row: TOTAL\n"))
    assert_error(
        the_error(tmp_path, text), "E091", line_of(text, "row: TOTAL"), "summaries[0].row", "not a row"
    )


def test_e092_a_key_measure_that_is_not_shown(tmp_path: Path) -> None:
    text = _with(SUMMARY.replace("key: CLOSING_NO", "key: OPENING_NO"))
    error = the_error(tmp_path, text)
    assert_error(
        error, "E092", line_of(text, "key: OPENING_NO"), "summaries[0].key", "one of the columns or ratios"
    )


def test_e093_a_ratio_reading_a_column_the_summary_does_not_show(tmp_path: Path) -> None:
    text = _with(SUMMARY.replace("DISPOSAL_NO / RECEIPT_NO", "DISPOSAL_NO / OPENING_NO"))
    error = the_error(tmp_path, text)
    assert_error(
        error, "E093", line_of(text, "OPENING_NO * 100"), "summaries[0].ratios[0].formula", "OPENING_NO"
    )


def test_e011_a_summary_of_an_unknown_format(tmp_path: Path) -> None:
    text = _with(SUMMARY.replace("format: FMT-A", "format: FMT-Z"))
    assert_error(
        the_error(tmp_path, text), "E011", line_of(text, "FMT-Z"), "summaries[0].format", "unknown format"
    )


def _line(unit: str, value) -> SummaryLine:
    return SummaryLine(unit, unit, {"KEY": value}, Completeness(1, 1, ()))


def test_equal_figures_share_a_rank_and_lines_without_a_figure_come_last() -> None:
    lines = [_line("Z4", None), _line("Z2", 10), _line("Z3", 30), _line("Z1", 10), _line("Z5", 5)]
    down = ranked(lines, "KEY", "desc")
    assert [(line.unit, line.rank) for line in down] == [
        ("Z3", 1),
        ("Z1", 2),
        ("Z2", 2),
        ("Z5", 4),
        ("Z4", None),
    ]
    up = ranked(lines, "KEY", "asc")
    assert [(line.unit, line.rank) for line in up] == [
        ("Z5", 1),
        ("Z1", 2),
        ("Z2", 2),
        ("Z3", 4),
        ("Z4", None),
    ]
