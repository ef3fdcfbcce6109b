"""Computed and carried rows in the grammar: what loads, and one test per new error code."""

from __future__ import annotations

from pathlib import Path

from app.definitions import load_definitions_text
from tests.unit.test_loader_errors import MINIMAL, assert_error, line_of, problems, the_error

HEAD = MINIMAL.split("formats:\n")[0] + "formats:\n"

ROWS = """\
  - code: FMT-R
    title: "Refunds"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    rows:
      fixed:
        - {key: GROSS, label: "Gross"}
        - {key: REFUNDS, label: "Refunds"}
        - {key: NET, label: "Net", formula: "GROSS - REFUNDS"}
    columns:
      - {code: CGST, label: "CGST", type: amount}
      - {code: SGST, label: "SGST", type: amount}
      - {code: TOTAL_TAX, label: "Total", type: amount, formula: "CGST + SGST"}
"""

BALANCE = """\
  - code: FMT-S
    title: "Registrations"
    part: I
    owner: DDM
    segment: GST
    unit: count
    filled_by: [commissionerate]
    rows:
      fixed:
        - {key: AT_START, label: "At the start", carry: AT_END}
        - {key: GRANTED, label: "Granted"}
        - {key: CANCELLED, label: "Cancelled"}
        - {key: AT_END, label: "At the end", formula: "AT_START + GRANTED - CANCELLED"}
    columns:
      - {code: NORMAL, label: "Normal", type: count}
      - {code: COMPOSITION, label: "Composition", type: count}
"""


def with_rows(old: str, new: str, block: str = ROWS) -> str:
    assert old in block
    return HEAD + block.replace(old, new, 1)


def test_computed_and_carried_rows_load() -> None:
    definitions = load_definitions_text(HEAD + ROWS + BALANCE)
    net = definitions.format("FMT-R").rows.row("NET")
    assert net is not None and net.role == "computed" and net.formula.text == "GROSS - REFUNDS"
    balance = definitions.format("FMT-S")
    assert balance.has_carry and balance.row_role("AT_START") == "carried"
    assert [row.key for row in balance.rows.computed] == ["AT_END"]
    normal = balance.column("NORMAL")
    assert balance.carried_from("AT_START", normal) == ("AT_END", "NORMAL")
    assert balance.carried_from("GRANTED", normal) is None
    assert balance.cell_role("AT_END", normal) == "computed"


def test_total_row_adds_entered_and_carried_rows_only() -> None:
    text = with_rows("    columns:\n", '      total: "Total"\n    columns:\n', BALANCE)
    total = load_definitions_text(text).format("FMT-S").rows.row("TOTAL")
    assert total is not None and total.members == ("AT_START", "GRANTED", "CANCELLED")


def test_linear_formulas_cross_without_crossing_key(tmp_path: Path) -> None:
    assert problems(tmp_path, HEAD + ROWS) == []
    text = with_rows('formula: "GROSS - REFUNDS"}', 'formula: "GROSS - REFUNDS", crossing: row}')
    assert problems(tmp_path, text) == []


def test_e026_unknown_row_with_and_without_suggestion(tmp_path: Path) -> None:
    text = with_rows('"GROSS - REFUNDS"', '"GROSS - REFUNS"')
    error = the_error(tmp_path, text)
    where = "formats[0].rows.fixed[2].formula"
    assert_error(
        error, "E026", line_of(text, "REFUNS"), where, "unknown row 'REFUNS'", "did you mean 'REFUNDS'?"
    )
    far = the_error(tmp_path, with_rows('"GROSS - REFUNDS"', '"GROSS - XYZ"'))
    assert far.code == "E026" and "did you mean" not in far.message


def test_e026_total_row_cannot_be_read(tmp_path: Path) -> None:
    text = with_rows("    columns:\n", '      total: "Total"\n    columns:\n')
    text = text.replace('"GROSS - REFUNDS"', '"TOTAL - REFUNDS"')
    error = the_error(tmp_path, text)
    assert_error(
        error, "E026", line_of(text, "TOTAL - REFUNDS"), "formats[0].rows.fixed[2].formula", "total row"
    )


def test_e027_computed_rows_form_a_cycle(tmp_path: Path) -> None:
    text = with_rows(
        '{key: REFUNDS, label: "Refunds"}', '{key: REFUNDS, label: "Refunds", formula: "NET + GROSS"}'
    )
    error = the_error(tmp_path, text)
    assert_error(error, "E027", line_of(text, "NET + GROSS"), "formats[0].rows.fixed[1].formula")
    assert "REFUNDS -> NET -> REFUNDS" in error.message


def test_e028_computed_row_without_number_column(tmp_path: Path) -> None:
    block = (
        ROWS.split("    columns:\n")[0]
        + '    columns:\n      - {code: REMARKS, label: "Remarks", type: text, max_length: 50}\n'
    )
    text = HEAD + block
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E028",
        line_of(text, "GROSS - REFUNDS"),
        "formats[0].rows.fixed[2].formula",
        "no number column",
    )


def test_e029_non_linear_crossing_needs_crossing_key(tmp_path: Path) -> None:
    text = with_rows('formula: "CGST + SGST"', 'formula: "max(CGST, SGST)"')
    error = the_error(tmp_path, text)
    where = "formats[0].rows.fixed[2].formula"
    assert_error(
        error, "E029", line_of(text, "GROSS - REFUNDS"), where, "'NET'", "'TOTAL_TAX'", "crossing: row"
    )
    assert (
        problems(tmp_path, text.replace('"GROSS - REFUNDS"}', '"GROSS - REFUNDS", crossing: column}')) == []
    )
    ratio = with_rows('"GROSS - REFUNDS"', '"REFUNDS / GROSS * 100"')
    assert the_error(tmp_path, ratio).code == "E029"


def test_e033_carried_row_from_unknown_row(tmp_path: Path) -> None:
    text = with_rows("carry: AT_END}", "carry: AT_ENDS}", BALANCE)
    error = the_error(tmp_path, text)
    where = "formats[0].rows.fixed[0].carry"
    assert_error(
        error, "E033", line_of(text, "AT_ENDS"), where, "unknown row 'AT_ENDS'", "did you mean 'AT_END'?"
    )


def test_e033_carried_row_from_row_not_in_force_the_month_before(tmp_path: Path) -> None:
    text = with_rows('label: "At the end",', 'label: "At the end", from: 2024-04,', BALANCE)
    error = the_error(tmp_path, text)
    assert_error(error, "E033", line_of(text, "carry: AT_END"), "formats[0].rows.fixed[0].carry", "2024-03")


def test_e034_rows_and_columns_both_carried(tmp_path: Path) -> None:
    text = with_rows(
        '{code: COMPOSITION, label: "Composition", type: count}',
        '{code: COMPOSITION, label: "Composition", type: count, carry: NORMAL}',
        BALANCE,
    )
    error = the_error(tmp_path, text)
    assert_error(
        error, "E034", line_of(text, "carry: AT_END"), "formats[0].rows.fixed[0].carry", "'COMPOSITION'"
    )


def test_e031_carry_on_free_rows(tmp_path: Path) -> None:
    text = with_rows(
        ROWS.split("    rows:\n")[1].split("    columns:\n")[0],
        "      free: {max: 10}\n      carry: AT_END\n",
    )
    error = the_error(tmp_path, text)
    assert_error(error, "E031", line_of(text, "carry: AT_END"), "formats[0].rows.carry", "free-row")


def test_e060_formula_on_a_dimension_item(tmp_path: Path) -> None:
    text = MINIMAL.replace('{key: DC, label: "DC/AC"}', '{key: DC, label: "DC/AC", formula: "ADC"}')
    error = the_error(tmp_path, text)
    assert_error(
        error, "E060", line_of(text, 'formula: "ADC"'), "dimensions.AUTH[1].formula", "rows: {fixed:"
    )


def test_e060_formula_on_master_and_product_rows(tmp_path: Path) -> None:
    rows = ROWS.split("    rows:\n")[1].split("    columns:\n")[0]
    master = with_rows(rows, '      master: REASON\n      formula: "A - B"\n')
    error = the_error(tmp_path, master)
    assert_error(error, "E060", line_of(master, '"A - B"'), "formats[0].rows.formula", "master rows")
    product = with_rows(rows, "      product: [AUTH, AUTH]\n      carry: ADC\n")
    assert the_error(tmp_path, product).code == "E060"


def test_e060_formula_on_a_row_group(tmp_path: Path) -> None:
    text = with_rows(
        '        - {key: NET, label: "Net", formula: "GROSS - REFUNDS"}\n',
        '        - {group: "Net", formula: "GROSS - REFUNDS", rows: [{key: NET, label: "Net"}]}\n',
    )
    error = the_error(tmp_path, text)
    assert_error(
        error, "E060", line_of(text, '{group: "Net"'), "formats[0].rows.fixed[2].formula", "row group"
    )


def test_e061_row_formula_names_a_column(tmp_path: Path) -> None:
    text = with_rows('"GROSS - REFUNDS"', '"CGST - SGST"')
    errors = problems(tmp_path, text)
    assert [e.code for e in errors] == ["E061", "E061"], errors
    assert_error(
        errors[0],
        "E061",
        line_of(text, "CGST - SGST"),
        "formats[0].rows.fixed[2].formula",
        "'CGST' is a column code",
    )


def test_crossing_only_on_computed_rows_and_not_with_carry(tmp_path: Path) -> None:
    text = with_rows('{key: GROSS, label: "Gross"}', '{key: GROSS, label: "Gross", crossing: row}')
    assert the_error(tmp_path, text).code == "E005"
    both = with_rows("carry: AT_END}", 'carry: AT_END, formula: "GRANTED"}', BALANCE)
    assert "E005" in [e.code for e in problems(tmp_path, both)]


def test_e033_carried_row_at_a_replacement_needs_the_row_in_the_replaced_format(tmp_path: Path) -> None:
    old = BALANCE.replace("FMT-S", "FMT-OLD").replace(
        "    unit: count\n", "    unit: count\n    until: 2024-03\n"
    )
    old = old.replace('formula: "AT_START + GRANTED - CANCELLED"', 'formula: "GRANTED - CANCELLED"')
    old = old.replace("AT_END", "CLOSING").replace("carry: CLOSING", "carry: CLOSING")
    new = BALANCE.replace("    unit: count\n", "    unit: count\n    from: 2024-04\n    replaces: FMT-OLD\n")
    text = HEAD + old + new
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E033",
        line_of(text, "carry: AT_END"),
        "formats[1].rows.fixed[0].carry",
        "'FMT-OLD'",
        "2024-03",
    )
    fixed = HEAD + old.replace("CLOSING", "AT_END") + new
    assert problems(tmp_path, fixed) == []


def test_e042_computed_row_reads_a_row_not_in_force(tmp_path: Path) -> None:
    text = with_rows('{key: REFUNDS, label: "Refunds"}', '{key: REFUNDS, label: "Refunds", from: 2024-04}')
    error = the_error(tmp_path, text)
    assert_error(
        error, "E042", line_of(text, "GROSS - REFUNDS"), "formats[0].rows.fixed[2].formula", "'REFUNDS'"
    )
