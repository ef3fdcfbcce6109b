"""Cross-format checks in the definitions (E050-E055) and the errors that teach."""

from __future__ import annotations

import pytest

from app.definitions import DefinitionError, DefinitionErrors, load_definitions_text
from app.definitions.expressions import ExpressionError, parse_expression
from app.definitions.loader_support import suggest

HEAD = """\
version: 1
parts:
  - {code: I, title: "Part-I"}
owners:
  - {code: DDM, title: "DDM"}
formats:
"""


def fmt(code: str, *, rows: str = "", columns: str = "", extra: str = "", months: str = "") -> str:
    """One format in the tiny file: two count columns, a text column and any extra keys."""
    columns = columns or (
        "      - {code: OPENING_NO, label: Opening, type: count}\n"
        "      - {code: CLOSING_NO, label: Closing, type: count}\n"
        "      - {code: NAME, label: Name, type: text, max_length: 20}\n"
    )
    return (
        f"  - code: {code}\n    title: {code}\n    part: I\n    owner: DDM\n    segment: GST\n"
        f"    unit: count\n    filled_by: [commissionerate]\n{months}{rows}    columns:\n{columns}{extra}"
    )


FIXED = '    rows: {fixed: [{key: X, label: "X"}, {key: Y, label: "Y"}], total: "Total"}\n'


def cross(code: str, right: str, left: str = "{row: TOTAL, column: CLOSING_NO}", more: str = "") -> str:
    """A `cross_checks:` list with one check."""
    return (
        f'    cross_checks:\n      - {{code: {code}, left: {left}, op: "==", '
        f'right: {right}, message: "must agree"{more}}}\n'
    )


def errors_of(text: str) -> list[DefinitionError]:
    with pytest.raises(DefinitionErrors) as caught:
        load_definitions_text(HEAD + text)
    return caught.value.errors


def the_error(text: str) -> DefinitionError:
    errors = errors_of(text)
    assert len(errors) == 1, "\n".join(str(e) for e in errors)
    return errors[0]


def test_a_cross_format_check_loads_with_its_cells_and_months() -> None:
    text = fmt(
        "FMT-A",
        rows=FIXED,
        extra=cross("A_MATCHES_B", "{format: FMT-B, column: OPENING_NO}", more=", from: 2024-04"),
    ) + fmt("FMT-B")
    definitions = load_definitions_text(HEAD + text)
    (check,) = definitions.format("FMT-A").cross_checks
    assert (check.left.format, check.left.row, check.left.column) == ("FMT-A", "TOTAL", "CLOSING_NO")
    assert (check.right.format, check.right.row, check.right.column) == ("FMT-B", "_", "OPENING_NO")
    assert str(check.valid_from) == "2024-04"
    month = check.valid_from
    assert definitions.cross_checks_of("FMT-B", month) == (check,)
    assert definitions.cross_checks_of("FMT-B", month.prev()) == ()


def test_e050_unknown_format() -> None:
    error = the_error(
        fmt("FMT-A", rows=FIXED, extra=cross("C", "{format: FMT-Q, column: OPENING_NO}")) + fmt("FMT-B")
    )
    assert (error.code, error.line, error.path) == ("E050", 20, "formats[0].cross_checks[0].right.format")
    assert "unknown format 'FMT-Q'" in error.message and "did you mean 'FMT-B'" in error.message


def test_e050_own_format_on_the_right_points_to_checks() -> None:
    error = the_error(
        fmt("FMT-A", rows=FIXED, extra=cross("C", "{format: FMT-A, row: X, column: OPENING_NO}"))
    )
    assert error.code == "E050" and "checks:" in error.message


def test_e051_unknown_row_and_column_of_the_other_format() -> None:
    text = fmt("FMT-A", rows=FIXED, extra=cross("C", "{format: FMT-B, row: TOTL, column: OPENNG_NO}")) + fmt(
        "FMT-B", rows=FIXED
    )
    errors = errors_of(text)
    assert [(e.code, e.path) for e in errors] == [
        ("E051", "formats[0].cross_checks[0].right.row"),
        ("E051", "formats[0].cross_checks[0].right.column"),
    ]
    assert "no row 'TOTL' (did you mean 'TOTAL'?) (rows: X, Y, TOTAL)" in errors[0].message
    assert "did you mean 'OPENING_NO'" in errors[1].message


def test_e051_a_free_row_format_has_no_row_to_name() -> None:
    free = '    rows: {free: {max: 10}, label: "Case"}\n'
    error = the_error(
        fmt("FMT-A", rows=FIXED, extra=cross("C", "{format: FMT-B, column: OPENING_NO}"))
        + fmt("FMT-B", rows=free)
    )
    assert error.code == "E051" and "rows are added by the user" in error.message


def test_e052_non_numeric_column() -> None:
    error = the_error(
        fmt("FMT-A", rows=FIXED, extra=cross("C", "{format: FMT-B, column: NAME}")) + fmt("FMT-B")
    )
    assert (error.code, error.path) == ("E052", "formats[0].cross_checks[0].right.column")
    assert "text column" in error.message


def test_e053_circular_cross_format_checks() -> None:
    a = fmt(
        "FMT-A", extra=cross("A_READS_B", "{format: FMT-B, column: OPENING_NO}", left="{column: CLOSING_NO}")
    )
    b = fmt(
        "FMT-B", extra=cross("B_READS_A", "{format: FMT-A, column: OPENING_NO}", left="{column: CLOSING_NO}")
    )
    error = the_error(a + b)
    assert (error.code, error.path) == ("E053", "formats[0].cross_checks[0].right")
    assert "FMT-A -> FMT-B -> FMT-A" in error.message


def test_e054_formats_in_force_in_different_months() -> None:
    text = fmt("FMT-A", rows=FIXED, extra=cross("C", "{format: FMT-B, column: OPENING_NO}")) + fmt(
        "FMT-B", months="    from: 2024-04\n"
    )
    error = the_error(text)
    assert (
        error.code == "E054"
        and "not in force in 2024-03" in error.message
        and "from:/until:" in error.message
    )


def test_e054_is_answered_by_limiting_the_check_with_from() -> None:
    right = "{format: FMT-B, column: OPENING_NO}"
    text = fmt("FMT-A", rows=FIXED, extra=cross("C", right, more=", from: 2024-04")) + fmt(
        "FMT-B", months="    from: 2024-04\n"
    )
    assert load_definitions_text(HEAD + text).format("FMT-A").cross_checks


def test_e055_a_formula_naming_another_format_points_to_cross_checks() -> None:
    columns = (
        "      - {code: OPENING_NO, label: Opening, type: count}\n"
        '      - {code: CLOSING_NO, label: Closing, type: count, formula: "FMT-B.CLOSING_NO + OPENING_NO"}\n'
    )
    error = the_error(fmt("FMT-A", columns=columns) + fmt("FMT-B"))
    assert (error.code, error.path) == ("E055", "formats[0].columns[1].formula")
    assert "names format 'FMT-B'" in error.message and "cross_checks:" in error.message


def test_e055_a_check_counting_another_formats_rows() -> None:
    checks = '    checks:\n      - {code: C, rule: "CLOSING_NO == count(FMT-B)", message: "m"}\n'
    error = the_error(fmt("FMT-A", extra=checks) + fmt("FMT-B"))
    assert error.code == "E055" and "names format 'FMT-B'" in error.message


def test_e055_a_formula_naming_its_own_format_is_told_to_write_the_column_alone() -> None:
    columns = (
        "      - {code: OPENING_NO, label: Opening, type: count}\n"
        '      - {code: CLOSING_NO, label: Closing, type: count, formula: "FMT-A.OPENING_NO"}\n'
    )
    error = the_error(fmt("FMT-A", columns=columns))
    assert error.code == "E055" and "its own format 'FMT-A'" in error.message
    assert "column code alone" in error.message


def test_e055_a_qualified_cell_of_an_unknown_format() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("GI_GST_4.CLOSING_NO > 0", allow_comparisons=True)
    assert caught.value.code == "E055" and "'GI_GST_4.CLOSING_NO' reads a cell" in caught.value.message


def test_did_you_mean_is_offered_for_a_slip() -> None:
    assert suggest("RECIEPT_NO", ["RECEIPT_NO", "DISPOSAL_NO"]) == " (did you mean 'RECEIPT_NO'?)"
    assert suggest("DMM", ["DDM", "DGA"]) == " (did you mean 'DDM'?)"


def test_did_you_mean_is_not_offered_when_nothing_is_close() -> None:
    assert suggest("ARREST_NO", ["RECEIPT_NO", "OPENING_NO"]) == ""  # only "_NO" in common
    assert suggest("DISPOSAL_NO", ["DISPOSAL_AMT"]) == ""  # a number is not an amount
    columns = (
        "      - {code: RECEIPT_NO, label: R, type: count}\n"
        '      - {code: X_NO, label: X, type: count, formula: "ARREST_NO + 1"}\n'
    )
    error = the_error(fmt("FMT-A", columns=columns))
    assert error.code == "E022" and error.message == "unknown column 'ARREST_NO'"


def expression_error(text: str, *, rule: bool = False) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, allow_comparisons=rule)
    return caught.value


def test_a_function_not_in_the_list_names_the_allowed_ones() -> None:
    error = expression_error("avg(A, B)")
    assert error.code == "E021" and "sum(A, B, C) / 3" in error.message
    assert "sum(a, b, ...), min(...), max(...), abs(x), round(x, n)" in error.message


def test_a_function_in_capitals_is_told_to_use_small_letters() -> None:
    assert "written in small letters: sum(...)" in expression_error("SUM(A, B)").message


def test_if_is_told_there_are_no_conditions() -> None:
    error = expression_error("if(A > B, A - B, 0)")
    assert error.code == "E021" and "max(A - B, 0)" in error.message
    assert "max(A - B, 0)" in expression_error("IF(A > B, A - B, 0)").message


def test_a_single_equals_in_a_rule_is_told_to_write_double() -> None:
    error = expression_error("A + B = C", rule=True)
    assert error.code == "E020" and "write == to compare" in error.message


def test_a_single_equals_in_a_formula_is_told_to_drop_the_left_side() -> None:
    assert "without 'CODE ='" in expression_error("C = A + B").message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("A <> B", "write != for 'not equal to'"),
        ("A > 1 && B > 1", "write 'and'"),
        ("A > 1 || B > 1", "write 'or'"),
        ("!(A > 1)", "write 'not'"),
    ],
)
def test_spreadsheet_operators_are_told_what_to_write(text: str, hint: str) -> None:
    error = expression_error(text, rule=True)
    assert error.code == "E020" and hint in error.message


def test_percent_operator_is_told_how_to_write_a_percentage() -> None:
    assert "A / B * 100" in expression_error("A % B").message


def test_powers_are_told_to_multiply() -> None:
    assert "write A * A" in expression_error("A ^ 2").message
    assert "write A * A" in expression_error("A ** 2").message
