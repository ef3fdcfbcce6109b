"""Every error code of docs/definitions.md: the code, the line and the path reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.definitions import DefinitionError, DefinitionErrors, check_definitions, load_definitions

MINIMAL = """\
version: 1
parts:
  - {code: I, title: "Part-I"}
owners:
  - {code: DDM, title: "Directorate of Data Management"}
masters:
  - {code: REASON, title: "Reasons"}
dimensions:
  AUTH:
    - {key: ADC, label: "ADC/JC"}
    - {key: DC, label: "DC/AC"}
formats:
  - code: FMT-A
    title: "Format A"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    columns:
      - {code: OPENING_NO, label: "Opening", type: count, carry: CLOSING_NO}
      - {code: RECEIPT_NO, label: "Receipt", type: count}
      - {code: DISPOSAL_NO, label: "Disposal", type: count}
      - {code: CLOSING_NO, label: "Closing", type: count, formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_NO"}
"""

SECOND = """\
  - code: FMT-B
    title: "Format B"
    part: I
    owner: DDM
    segment: GST
    unit: lakh
    filled_by: [commissionerate]
    columns:
      - {code: AMOUNT, label: "Amount", type: amount}
"""


def problems(tmp_path: Path, text: str) -> list[DefinitionError]:
    path = tmp_path / "defs.yaml"
    path.write_text(text, encoding="utf-8")
    return check_definitions(path)


def the_error(tmp_path: Path, text: str) -> DefinitionError:
    """The one problem in the text (fails, listing them, if there is not exactly one)."""
    errors = problems(tmp_path, text)
    assert len(errors) == 1, "\n".join(str(error) for error in errors)
    return errors[0]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `needle`."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def replaced(old: str, new: str, text: str = MINIMAL) -> str:
    assert old in text
    return text.replace(old, new, 1)


def assert_error(error: DefinitionError, code: str, line: int, path: str, *fragments: str) -> None:
    assert (error.code, error.line, error.path) == (code, line, path), str(error)
    for fragment in fragments:
        assert fragment in error.message


def test_minimal_file_is_clean(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL) == []
    assert problems(tmp_path, MINIMAL + SECOND) == []


# E001 -----------------------------------------------------------------------------


def test_e001_invalid_yaml(tmp_path: Path) -> None:
    text = replaced("segment: GST", "segment: GST: CUS")
    error = the_error(tmp_path, text)
    assert_error(error, "E001", line_of(text, "segment: GST: CUS"), "(file)", "not valid YAML")


def test_e001_missing_or_empty_file(tmp_path: Path) -> None:
    [missing] = check_definitions(tmp_path / "absent.yaml")
    assert_error(missing, "E001", 1, "(file)", "cannot read the file")
    assert_error(the_error(tmp_path, "# nothing here\n"), "E001", 1, "(file)", "empty")
    with pytest.raises(DefinitionErrors) as caught:
        load_definitions(tmp_path / "absent.yaml")
    assert caught.value.codes == ["E001"]


# E002 / E003 / E004 / E005 ---------------------------------------------------------------


def test_e002_unknown_key_with_suggestion(tmp_path: Path) -> None:
    text = replaced('label: "Receipt", type: count}', 'label: "Receipt", type: count, requird: false}')
    error = the_error(tmp_path, text)
    assert_error(
        error, "E002", line_of(text, "requird"), "formats[0].columns[1].requird", "did you mean 'required'?"
    )
    top = the_error(tmp_path, MINIMAL + "colour: red\n")
    assert_error(top, "E002", line_of(MINIMAL + "colour: red\n", "colour"), "colour", "unknown key 'colour'")


def test_e003_missing_required_key(tmp_path: Path) -> None:
    text = replaced('    title: "Format A"\n', "")
    error = the_error(tmp_path, text)
    assert_error(error, "E003", line_of(text, "- code: FMT-A"), "formats[0]", "missing required key 'title'")


def test_e004_wrong_type(tmp_path: Path) -> None:
    text = replaced("filled_by: [commissionerate]", "filled_by: commissionerate")
    error = the_error(tmp_path, text)
    assert_error(error, "E004", line_of(text, "filled_by"), "formats[0].filled_by", "expected a list")


def test_e005_unknown_type_with_suggestion(tmp_path: Path) -> None:
    text = replaced('label: "Receipt", type: count', 'label: "Receipt", type: amout')
    error = the_error(tmp_path, text)
    assert_error(
        error, "E005", line_of(text, "amout"), "formats[0].columns[1].type", "did you mean 'amount'?"
    )


@pytest.mark.parametrize(
    ("old", "new", "needle", "path", "fragment"),
    [
        ("unit: lakh", "unit: lakhs", "lakhs", "formats[0].unit", "did you mean 'lakh'?"),
        ("segment: GST", "segment: GTS", "GTS", "formats[0].segment", "'GTS' is not one of"),
        ("    unit: lakh\n", "    unit: lakh\n    from: 2022-13\n", "2022-13", "formats[0].from", "YYYY-MM"),
        (
            "    unit: lakh\n",
            "    unit: lakh\n    until: 2022-04-01\n",
            "until",
            "formats[0].until",
            "a date",
        ),
        ("code: FMT-A", "code: fmt-a", "fmt-a", "formats[0].code", "not a valid format code"),
        (
            "code: RECEIPT_NO,",
            "code: RECEIPT-NO,",
            "RECEIPT-NO",
            "formats[0].columns[1].code",
            "not a valid code",
        ),
        ("version: 1", "version: 2", "version", "version", "version must be 1"),
        ("[commissionerate]", "[commissionerate, office]", "office", "formats[0].filled_by[1]", "'office'"),
        ("type: count}", "type: count, max: -1}", "max: -1", "formats[0].columns[1].max", "below min 0"),
        (
            "type: count}",
            "type: count, max_length: 5}",
            "max_length",
            "formats[0].columns[1].max_length",
            "text",
        ),
    ],
)
def test_e005_invalid_values(
    tmp_path: Path, old: str, new: str, needle: str, path: str, fragment: str
) -> None:
    text = replaced(old, new)
    errors = [error for error in problems(tmp_path, text) if error.code == "E005"]
    assert len(errors) == 1, "\n".join(map(str, errors))
    assert_error(errors[0], "E005", line_of(text, needle), path, fragment)


# E010 / E011 ------------------------------------------------------------------------


def test_e010_duplicate_column_code(tmp_path: Path) -> None:
    text = replaced('code: DISPOSAL_NO, label: "Disposal"', 'code: RECEIPT_NO, label: "Disposal"')
    errors = problems(tmp_path, text)
    duplicate = [error for error in errors if error.code == "E010"]
    assert len(duplicate) == 1, "\n".join(map(str, errors))
    line = line_of(text, 'code: RECEIPT_NO, label: "Disposal"')
    assert_error(duplicate[0], "E010", line, "formats[0].columns[2].code", "already used at line")


def test_e010_duplicate_format_part_and_key(tmp_path: Path) -> None:
    text = MINIMAL + SECOND.replace("FMT-B", "FMT-A")
    assert_error(
        the_error(tmp_path, text), "E010", line_of(text, "code: FMT-A", 2), "formats[1].code", "FMT-A"
    )
    text = replaced(
        '  - {code: I, title: "Part-I"}\n', '  - {code: I, title: "Part-I"}\n  - {code: I, title: "X"}\n'
    )
    assert_error(the_error(tmp_path, text), "E010", 4, "parts[1].code", "duplicate part code 'I'")
    text = replaced("    unit: lakh\n", "    unit: lakh\n    unit: crore\n")
    assert_error(the_error(tmp_path, text), "E010", line_of(text, "unit: crore"), "formats[0].unit")


def test_e011_unknown_references(tmp_path: Path) -> None:
    text = replaced("owner: DDM", "owner: DMM")
    error = the_error(tmp_path, text)
    assert_error(error, "E011", line_of(text, "owner: DMM"), "formats[0].owner", "did you mean 'DDM'?")
    text = replaced("    columns:\n", "    rows: {master: REASONS}\n    columns:\n")
    error = the_error(tmp_path, text)
    assert_error(error, "E011", line_of(text, "REASONS"), "formats[0].rows.master", "did you mean 'REASON'?")
    text = replaced("    columns:\n", "    rows: {product: [AUTH, CATEGORY]}\n    columns:\n")
    error = the_error(tmp_path, text)
    assert_error(error, "E011", line_of(text, "CATEGORY"), "formats[0].rows.product[1]", "'CATEGORY'")
    text = replaced("    columns:\n", "    replaces: FMT-Z\n    columns:\n")
    assert_error(the_error(tmp_path, text), "E011", line_of(text, "FMT-Z"), "formats[0].replaces")


# E020 - E024 ------------------------------------------------------------------------


def test_e020_formula_syntax(tmp_path: Path) -> None:
    text = replaced('"OPENING_NO + RECEIPT_NO - DISPOSAL_NO"', '"OPENING_NO + RECEIPT_NO -"')
    error = the_error(tmp_path, text)
    assert_error(error, "E020", line_of(text, "formula"), "formats[0].columns[3].formula", "syntax error")


def test_e021_forbidden_construct(tmp_path: Path) -> None:
    text = replaced('"OPENING_NO + RECEIPT_NO - DISPOSAL_NO"', "\"__import__('os').system('x')\"")
    error = the_error(tmp_path, text)
    assert_error(error, "E021", line_of(text, "formula"), "formats[0].columns[3].formula", "not allowed")


def test_e022_unknown_column_with_suggestion(tmp_path: Path) -> None:
    text = replaced("+ RECEIPT_NO -", "+ RECIEPT_NO -")
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E022",
        line_of(text, "formula"),
        "formats[0].columns[3].formula",
        "unknown column 'RECIEPT_NO' (did you mean 'RECEIPT_NO'?)",
    )


def test_e022_in_check_cells_and_derived(tmp_path: Path) -> None:
    extra = (
        "    derived:\n      - {code: UPTO, label: Up to, kind: upto, of: RECEIPT}\n"
        "    checks:\n      - {code: OK, rule: CLOSING_NO >= 0, message: m, cells: [CLOSING]}\n"
    )
    text = MINIMAL + extra
    errors = problems(tmp_path, text)
    assert [error.code for error in errors] == ["E022", "E022"]
    assert_error(errors[0], "E022", line_of(text, "kind: upto"), "formats[0].derived[0].of", "'RECEIPT_NO'")
    assert_error(errors[1], "E022", line_of(text, "cells:"), "formats[0].checks[0].cells[0]", "'CLOSING_NO'")


def test_e023_cycle(tmp_path: Path) -> None:
    text = replaced(
        'label: "Receipt", type: count}', 'label: "Receipt", type: count, formula: "CLOSING_NO - 1"}'
    )
    error = the_error(tmp_path, text)
    assert_error(
        error,
        "E023",
        line_of(text, "code: RECEIPT_NO"),
        "formats[0].columns[1].formula",
        "RECEIPT_NO -> CLOSING_NO -> RECEIPT_NO",
    )


def test_e024_reads_non_numeric_column(tmp_path: Path) -> None:
    text = replaced('label: "Disposal", type: count}', 'label: "Disposal", type: text, max_length: 10}')
    error = the_error(tmp_path, text)
    assert_error(error, "E024", line_of(text, "formula"), "formats[0].columns[3].formula", "'DISPOSAL_NO'")


@pytest.mark.parametrize("kind", ["upto", "prev_upto", "growth_upto", "growth_upto_pct"])
@pytest.mark.parametrize("of", ["OPENING_NO", "CLOSING_NO"])
def test_e025_cumulative_derived_column_over_a_balance(tmp_path: Path, kind: str, of: str) -> None:
    text = MINIMAL + f'    derived:\n      - {{code: D_X, label: "X", kind: {kind}, of: {of}}}\n'
    error = the_error(tmp_path, text)
    assert_error(
        error, "E025", line_of(text, "code: D_X"), "formats[0].derived[0].of", f"'{of}' is a balance"
    )


@pytest.mark.parametrize("kind", ["prev_year", "growth", "growth_pct"])
def test_derived_columns_with_a_meaning_over_balances_and_flows_are_accepted(
    tmp_path: Path, kind: str
) -> None:
    text = MINIMAL + f'    derived:\n      - {{code: D_X, label: "X", kind: {kind}, of: CLOSING_NO}}\n'
    text += '      - {code: D_Y, label: "Y", kind: upto, of: RECEIPT_NO}\n'
    assert problems(tmp_path, text) == []


# E030 / E031 ------------------------------------------------------------------------


def test_e030_carry_names_unknown_column(tmp_path: Path) -> None:
    text = replaced("carry: CLOSING_NO", "carry: CLOSNG_NO")
    error = the_error(tmp_path, text)
    assert_error(
        error, "E030", line_of(text, "carry"), "formats[0].columns[0].carry", "did you mean 'CLOSING_NO'?"
    )


def test_e030_carry_absent_from_previous_version(tmp_path: Path) -> None:
    text = replaced(
        'formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_NO"}',
        'formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_NO", from: 2020-01}',
    )
    error = the_error(tmp_path, text)
    assert_error(
        error, "E030", line_of(text, "carry"), "formats[0].columns[0].carry", "not in force in 2019-12"
    )


def test_e030_carry_absent_from_replaced_format(tmp_path: Path) -> None:
    old = replaced("    columns:\n", "    until: 2020-03\n    columns:\n")
    new = SECOND.replace("    columns:\n", "    from: 2020-04\n    replaces: FMT-A\n    columns:\n").replace(
        '      - {code: AMOUNT, label: "Amount", type: amount}\n',
        "      - {code: OPEN_AMT, label: Open, type: amount, carry: CLOSE_AMT}\n"
        "      - {code: CLOSE_AMT, label: Close, type: amount, formula: OPEN_AMT}\n",
    )
    text = old + new
    error = the_error(tmp_path, text)
    assert_error(
        error, "E030", line_of(text, "carry: CLOSE_AMT"), "formats[1].columns[0].carry", "'FMT-A'", "2020-03"
    )


def test_e032_carry_between_columns_of_different_types(tmp_path: Path) -> None:
    text = replaced("type: count, carry: CLOSING_NO}", "type: amount, carry: CLOSING_NO}")
    error = the_error(tmp_path, text)
    assert_error(
        error, "E032", line_of(text, "carry"), "formats[0].columns[0].carry", "'CLOSING_NO', a count column"
    )


def test_e032_carry_from_a_replaced_format_of_another_type(tmp_path: Path) -> None:
    old = replaced("    columns:\n", "    until: 2020-03\n    columns:\n").replace(
        '      - {code: RECEIPT_NO, label: "Receipt", type: count}\n',
        '      - {code: RECEIPT_NO, label: "Receipt", type: count}\n'
        '      - {code: CLOSE_AMT, label: "Close", type: count}\n',
    )
    new = SECOND.replace("    columns:\n", "    from: 2020-04\n    replaces: FMT-A\n    columns:\n").replace(
        '      - {code: AMOUNT, label: "Amount", type: amount}\n',
        "      - {code: OPEN_AMT, label: Open, type: amount, carry: CLOSE_AMT}\n"
        "      - {code: CLOSE_AMT, label: Close, type: amount, formula: OPEN_AMT}\n",
    )
    text = old + new
    error = the_error(tmp_path, text)
    assert_error(
        error, "E032", line_of(text, "carry: CLOSE_AMT"), "formats[1].columns[0].carry", "a count column"
    )


def test_e031_carry_in_free_rows(tmp_path: Path) -> None:
    text = replaced("    columns:\n", "    rows: {free: {max: 50}, label: Case}\n    columns:\n")
    error = the_error(tmp_path, text)
    assert_error(error, "E031", line_of(text, "carry"), "formats[0].columns[0].carry", "free-row")


# E040 / E041 / E042 -----------------------------------------------------------------


def test_e040_from_after_until(tmp_path: Path) -> None:
    text = replaced("    columns:\n", "    from: 2024-04\n    until: 2024-01\n    columns:\n")
    error = the_error(tmp_path, text)
    assert_error(error, "E040", line_of(text, "from: 2024-04"), "formats[0].from", "after until")


def test_e040_column_and_row_outside_format_months(tmp_path: Path) -> None:
    text = replaced("    columns:\n", "    from: 2020-04\n    columns:\n")
    text = replaced('label: "Receipt", type: count}', 'label: "Receipt", type: count, from: 2019-04}', text)
    error = the_error(tmp_path, text)
    assert_error(
        error, "E040", line_of(text, "from: 2019-04"), "formats[0].columns[1].from", "starts in 2019-04"
    )
    rows = "    rows:\n      fixed:\n        - {key: A, label: A, until: 2024-03}\n"
    text = replaced("    columns:\n", f"    until: 2023-03\n{rows}    columns:\n")
    error = the_error(tmp_path, text)
    line = line_of(text, "{key: A, label: A")
    assert_error(error, "E040", line, "formats[0].rows.fixed[0].until", "ends in 2024-03")


def test_e041_replacement_months_do_not_join(tmp_path: Path) -> None:
    old = replaced("    columns:\n", "    until: 2020-03\n    columns:\n")
    new = SECOND.replace("    columns:\n", "    from: 2020-06\n    replaces: FMT-A\n    columns:\n")
    text = old + new
    error = the_error(tmp_path, text)
    assert_error(error, "E041", line_of(text, "replaces"), "formats[1].replaces", "2020-03", "2020-06")


def test_e041_format_replaced_twice(tmp_path: Path) -> None:
    old = replaced("    columns:\n", "    until: 2020-03\n    columns:\n")
    new = SECOND.replace("    columns:\n", "    from: 2020-04\n    replaces: FMT-A\n    columns:\n")
    third = new.replace("FMT-B", "FMT-C")
    text = old + new + third
    error = the_error(tmp_path, text)
    assert_error(
        error, "E041", line_of(text, "replaces", 2), "formats[2].replaces", "already replaced by 'FMT-B'"
    )


def test_e042_formula_reads_column_not_in_force(tmp_path: Path) -> None:
    text = replaced('label: "Disposal", type: count}', 'label: "Disposal", type: count, from: 2021-04}')
    error = the_error(tmp_path, text)
    assert_error(
        error, "E042", line_of(text, "formula"), "formats[0].columns[3].formula", "'DISPOSAL_NO'", "2021-03"
    )


def test_e042_check_reads_column_not_in_force(tmp_path: Path) -> None:
    text = replaced('label: "Receipt", type: count}', 'label: "Receipt", type: count, until: 2021-03}')
    text = text.replace('"OPENING_NO + RECEIPT_NO - DISPOSAL_NO"', '"OPENING_NO - DISPOSAL_NO"')
    text += "    checks:\n      - {code: SMALL, rule: RECEIPT_NO <= 10, message: Too many}\n"
    error = the_error(tmp_path, text)
    assert_error(error, "E042", line_of(text, "rule:"), "formats[0].checks[0].rule", "2021-04")


# Everything at once; nothing crashes -----------------------------------------------------


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = replaced("owner: DDM", "owner: NOBODY")
    text = replaced("type: count}", "type: amout}", text)
    text = replaced("+ RECEIPT_NO -", "+ RECIEPT_NO -", text)
    errors = problems(tmp_path, text)
    assert [error.code for error in errors] == ["E011", "E005", "E022"]
    assert [error.line for error in errors] == sorted(error.line for error in errors)
    with pytest.raises(DefinitionErrors) as caught:
        load_definitions(tmp_path / "defs.yaml")
    assert len(caught.value.report().splitlines()) == 3


@pytest.mark.parametrize(
    "text",
    [
        "[]\n",
        "42\n",
        "version: 1\nparts: 5\nowners: {}\nformats: 5\n",
        "version: 1\nparts: [5]\nowners: [{code: 1}]\nformats: [5, [1], {}]\n",
        MINIMAL.replace("    columns:\n      -", "    rows: 5\n    columns:\n      - [1]\n      -", 1),
        MINIMAL.replace("    columns:\n", "    rows: {fixed: 5, master: X}\n    columns:\n", 1),
        MINIMAL.replace("    columns:\n", "    rows: {fixed: [5, {group: G, rows: 5}]}\n    columns:\n", 1),
        MINIMAL.replace("    columns:\n", "    derived: 5\n    checks: [5, {rule: 5}]\n    columns:\n", 1),
        MINIMAL.replace("type: count}", "type: count, min: x, max: .nan, choices: 5}", 1),
        MINIMAL + "  - &a {code: X, columns: [*a]}\n",
        MINIMAL.replace("dimensions:\n", "dimensions:\n  bad name: 5\n", 1),
        "version: 1\n? [a, b]\n: c\n",
    ],
)
def test_malformed_files_give_errors_not_exceptions(tmp_path: Path, text: str) -> None:
    errors = problems(tmp_path, text)
    assert errors
    assert all(error.code.startswith("E") and error.line >= 1 for error in errors)
