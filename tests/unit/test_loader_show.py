"""`show: report` and `show: entry`: computed columns only in reports, or only on the entry grid."""

from __future__ import annotations

from app.definitions import load_definitions_text
from app.definitions.loader import analyse_bytes
from app.definitions.months import Month
from app.services.reports.report import report_columns

HEAD = """\
version: 1
parts:
  - {code: V, title: "Part-V"}
owners:
  - {code: DDM, title: "Directorate of Data Management"}
formats:
  - code: FMT-S
    title: "Shown format"
    part: V
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    columns:
      - {code: RECEIPT, label: "Receipt", type: count}
      - {code: DISPOSAL, label: "Disposal", type: count}
"""
JAN = Month(2024, 1)


def problems(text: str):
    return analyse_bytes(text.encode(), "defs.yaml")[1]


def the_error(text: str):
    errors = problems(text)
    assert len(errors) == 1, "\n".join(str(error) for error in errors)
    return errors[0]


def test_a_report_only_column_is_off_the_grid_and_an_entry_only_one_off_the_reports():
    text = (
        HEAD
        + """\
      - {code: DISPOSAL_PCT, label: "Disposal %", type: percent, formula: "DISPOSAL / RECEIPT * 100",
         show: report}
      - {code: LEFT, label: "Left to dispose", type: count, formula: "RECEIPT - DISPOSAL", show: entry}
      - {code: TOTAL, label: "Receipt and disposal", type: count, formula: "RECEIPT + DISPOSAL"}
    checks:
      - {code: NOT_OVER, rule: "DISPOSAL_PCT <= 100", message: "At most all", cells: [DISPOSAL]}
      - {code: LEFT_POSITIVE, rule: "LEFT >= 0 and DISPOSAL_PCT >= 0", message: "Not negative"}
"""
    )
    fmt = load_definitions_text(text).format("FMT-S")
    assert [c.code for c in fmt.entry_columns_in_force(JAN)] == ["RECEIPT", "DISPOSAL", "LEFT", "TOTAL"]
    assert [c.code for c in report_columns(fmt, JAN)] == ["RECEIPT", "DISPOSAL", "DISPOSAL_PCT", "TOTAL"]
    assert fmt.column("DISPOSAL_PCT").formula is not None  # still computed, for reports and checks
    # a check's default cells are the columns it reads that the entry grid shows
    assert {k.code: k.cells for k in fmt.checks} == {"NOT_OVER": ("DISPOSAL",), "LEFT_POSITIVE": ("LEFT",)}


def test_e084_show_on_an_entered_or_carried_column():
    text = (
        HEAD
        + """\
      - {code: REMARKS, label: "Remarks", type: text, max_length: 50, show: report}
      - {code: OPENING, label: "Opening", type: count, carry: RECEIPT, show: entry}
"""
    )
    errors = problems(text)
    assert [(e.code, e.line, e.path) for e in errors] == [
        ("E084", 17, "formats[0].columns[2].show"),
        ("E084", 18, "formats[0].columns[3].show"),
    ]
    assert "only a computed column takes 'show' (entered here)" in errors[0].message
    assert "(carried here)" in errors[1].message


def test_e005_show_takes_report_or_entry():
    text = (
        HEAD
        + """\
      - {code: LEFT, label: "Left", type: count, formula: "RECEIPT - DISPOSAL", show: reports}
"""
    )
    error = the_error(text)
    assert error.code == "E005" and "did you mean 'report'" in error.message


def test_e085_a_check_message_at_a_report_only_cell():
    text = (
        HEAD
        + """\
      - {code: LEFT, label: "Left", type: count, formula: "RECEIPT - DISPOSAL", show: report}
    checks:
      - {code: LEFT_POSITIVE, rule: "LEFT >= 0", message: "Disposal can not exceed receipt", cells: [LEFT]}
"""
    )
    error = the_error(text)
    assert (error.code, error.line, error.path) == ("E085", 19, "formats[0].checks[0].cells[0]")
    assert "'LEFT' is shown in reports only" in error.message


def test_e085_a_check_reading_only_report_only_columns_needs_cells():
    text = (
        HEAD
        + """\
      - {code: LEFT, label: "Left", type: count, formula: "RECEIPT - DISPOSAL", show: report}
    checks:
      - {code: LEFT_POSITIVE, rule: "LEFT >= 0", message: "Disposal can not exceed receipt"}
"""
    )
    error = the_error(text)
    assert (error.code, error.path) == ("E085", "formats[0].checks[0].rule")
    assert "every column the rule reads is shown in reports only" in error.message
