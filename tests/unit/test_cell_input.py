"""parse_cell: what a user typed -> a typed cell value, or a specific message (pure, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.definitions.schema import ColumnDef
from app.services.engine.cell_input import CellInputError, parse_cell

TODAY = dt.date(2024, 6, 15)


def column(type_: str, **options) -> ColumnDef:
    """A column as the loader would build it (entered count/amount default to min 0)."""
    if type_ in {"count", "amount"} and "min" not in options:
        options["min"] = 0.0
    return ColumnDef(code="C", label="C", type=type_, number=1, **options)


COUNT = column("count")
AMOUNT = column("amount")
PERCENT = column("percent")
DATE = column("date")
PAN = column("text", max_length=10, pattern="[A-Z]{5}[0-9]{4}[A-Z]")
REMARKS = column("text", max_length=20)
CHOICE = column("choice", choices=("Released on bail", "Judicial custody"))


def refused(col: ColumnDef, raw, today: dt.date = TODAY) -> CellInputError:
    with pytest.raises(CellInputError) as error:
        parse_cell(col, raw, today)
    return error.value


@pytest.mark.parametrize("col", [COUNT, AMOUNT, PERCENT, DATE, PAN, REMARKS, CHOICE])
@pytest.mark.parametrize("raw", [None, "", "   ", "\t"])
def test_blank_is_none_for_every_type(col, raw):
    assert parse_cell(col, raw, TODAY) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [("12", 12), (" 7 ", 7), ("1,234", 1234), ("3.0", 3), (5, 5), ("0", 0), ("-0", 0)],
)
def test_counts(raw, value):
    result = parse_cell(COUNT, raw, TODAY)
    assert result == value
    assert type(result) is int


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("12a", "not_a_number", "'12a' is not a whole number"),
        ("four", "not_a_number", "'four' is not a whole number"),
        ("1e5", "not_a_number", "'1e5' is not a whole number"),
        ("+5", "not_a_number", "'+5' is not a whole number"),
        ("2.5", "not_whole", "Enter a whole number (no decimals)"),
        ("-1", "below_min", "Must be at least 0"),
        ("10000000000000", "too_large", "The number is too large"),
        (True, "not_a_number", "'True' is not a whole number"),
    ],
)
def test_bad_counts(raw, code, message):
    error = refused(COUNT, raw)
    assert (error.code, str(error)) == (code, message)
    assert isinstance(error, ValueError)


def test_count_bounds():
    bounded = column("count", min=1.0, max=1000.0)
    assert parse_cell(bounded, "1", TODAY) == 1
    assert parse_cell(bounded, "1000", TODAY) == 1000
    assert (refused(bounded, "0").code, str(refused(bounded, "0"))) == ("below_min", "Must be at least 1")
    assert (refused(bounded, "1001").code, str(refused(bounded, "1001"))) == (
        "above_max",
        "Must be at most 1,000",
    )


def test_limits_are_printed_exactly_in_indian_grouping_never_in_exponent_form():
    large = column("count", min=0.0, max=9999999999.0)
    assert str(refused(large, "10000000000")) == "Must be at most 9,99,99,99,999"
    assert str(refused(column("amount", max=1e10), "10000000000.01")) == "Must be at most 10,00,00,00,000"
    assert str(refused(column("percent", min=0.5), "0.25")) == "Must be at least 0.5"
    assert str(refused(column("amount", max=123456.75), "123456.76")) == "Must be at most 1,23,456.75"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("120.5", Decimal("120.50")),
        ("120.50", Decimal("120.50")),
        ("1,00,000.25", Decimal("100000.25")),  # Indian digit grouping
        (120.5, Decimal("120.5")),  # a JSON number
        (20, Decimal("20")),
        ("0.01", Decimal("0.01")),
        ("9999999999999.99", Decimal("9999999999999.99")),
    ],
)
def test_amounts(raw, value):
    result = parse_cell(AMOUNT, raw, TODAY)
    assert isinstance(result, Decimal)
    assert result == value


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("1.234", "too_many_decimals", "At most 2 decimal places"),
        ("1.500", "too_many_decimals", "At most 2 decimal places"),
        (1.234, "too_many_decimals", "At most 2 decimal places"),
        ("lots", "not_a_number", "'lots' is not a number"),
        ("Rs. 5", "not_a_number", "'Rs. 5' is not a number"),
        (".5", "not_a_number", "'.5' is not a number"),
        ("-0.01", "below_min", "Must be at least 0"),
        ("10000000000000", "too_large", "The number is too large"),
    ],
)
def test_bad_amounts(raw, code, message):
    error = refused(AMOUNT, raw)
    assert (error.code, str(error)) == (code, message)


def test_percent_may_be_negative_unless_bounded():
    assert parse_cell(PERCENT, "-12.5", TODAY) == Decimal("-12.5")
    bounded = column("percent", min=0.0, max=100.0)
    assert parse_cell(bounded, "100", TODAY) == Decimal("100")
    assert refused(bounded, "100.01").code == "above_max"
    assert refused(PERCENT, "12.345").code == "too_many_decimals"


def test_dates():
    assert parse_cell(DATE, "2024-01-10", TODAY) == dt.date(2024, 1, 10)
    assert parse_cell(DATE, " 2024-06-15 ", TODAY) == TODAY  # today itself is allowed
    error = refused(DATE, "2024-06-16")
    assert (error.code, str(error)) == ("future_date", "The date cannot be in the future")
    assert parse_cell(column("date", allow_future=True), "2999-01-01", TODAY) == dt.date(2999, 1, 1)


@pytest.mark.parametrize("raw", ["10-01-2024", "10/01/2024", "10.01.2024", "10-1-2024", "2024-01-10"])
def test_dates_are_read_day_first_as_pages_write_them(raw):
    assert parse_cell(DATE, raw, TODAY) == dt.date(2024, 1, 10)  # and the ISO form a date input sends


@pytest.mark.parametrize(
    "raw",
    ["31-02-2024", "10-13-2024", "2024-02-30", "2024-13-01", "yesterday", "2024-1-5", "10-01/2024", "1-1-24"],
)
def test_bad_dates(raw):
    error = refused(DATE, raw)
    assert (error.code, str(error)) == ("not_a_date", f"'{raw}' is not a date (dd-mm-yyyy)")


def test_future_is_judged_against_today_by_default():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(CellInputError):
        parse_cell(DATE, tomorrow.isoformat())
    assert parse_cell(DATE, dt.date.today().isoformat()) == dt.date.today()


def test_text_length_and_pattern():
    assert parse_cell(PAN, "ABCDE1234F", TODAY) == "ABCDE1234F"
    assert parse_cell(PAN, "  ABCDE1234F  ", TODAY) == "ABCDE1234F"  # surrounding spaces are dropped
    assert (refused(PAN, "ABCDE1234FX").code, str(refused(PAN, "ABCDE1234FX"))) == (
        "too_long",
        "At most 10 characters",
    )
    for raw in ("abcde1234f", "ABCDE12345", "xABCDE1234"):
        error = refused(PAN, raw)
        assert (error.code, str(error)) == ("pattern", "Not in the expected form")
    # the whole value must match, not a part of it
    partial = column("text", max_length=20, pattern="[0-9]+")
    assert parse_cell(partial, "123", TODAY) == "123"
    assert refused(partial, "123abc").code == "pattern"
    assert parse_cell(REMARKS, "twenty characters ok", TODAY) == "twenty characters ok"
    assert refused(REMARKS, "twenty-one characters").code == "too_long"


def test_choices_are_exact():
    assert parse_cell(CHOICE, "Judicial custody", TODAY) == "Judicial custody"
    assert parse_cell(CHOICE, " Judicial custody ", TODAY) == "Judicial custody"
    error = refused(CHOICE, "judicial custody")
    assert (error.code, str(error)) == ("not_a_choice", "Choose one of: Released on bail, Judicial custody")


# The one number grammar (issue 8): what the server stores is exactly what was meant.
NUMBER_CASES = [
    ("1,23,456.50", "123456.50"),  # Indian grouping
    ("123,456.50", "123456.50"),  # international grouping
    ("12,34,56,789", "123456789"),
    ("1,234,567", "1234567"),
    ("12,345", "12345"),
    ("1234567.5", "1234567.5"),
    ("-1,234", "-1234"),
    ("  42\u00a0", "42"),  # spaces (and a no-break space) around it are dropped
    ("-0", "0"),
    ("007", "7"),
]
REFUSED_CASES = [
    ("1,5", "grouping"),  # was stored as 15.00
    ("1 2", "space_inside"),  # was stored as 12
    ("1 000", "space_inside"),
    ("1\u202f000", "space_inside"),
    ("12,3456", "grouping"),
    ("123,45,678", "grouping"),
    ("1,2,3", "grouping"),
    ("0,123", "grouping"),  # a mistyped decimal, never 123
    ("1,234.5,6", "not_a_number"),
    (",123", "grouping"),
    ("123,", "grouping"),
    ("1..2", "not_a_number"),
    ("1.2.3", "not_a_number"),
    (".5", "not_a_number"),
    ("5.", "not_a_number"),
    ("1e5", "not_a_number"),
    ("+5", "not_a_number"),
    ("\u22125", "not_a_number"),  # the minus sign U+2212
    ("--5", "not_a_number"),
    ("NaN", "not_a_number"),
    ("Infinity", "not_a_number"),
    ("0x10", "not_a_number"),
    ("1_000", "not_a_number"),
    ("\u0967\u0968", "other_digits"),  # Devanagari 12
    ("\u0661\u0662", "other_digits"),  # Arabic-Indic 12
    ("\uff11\uff12", "other_digits"),  # full-width 12
    ("1" * 41, "not_a_number"),
    ("10000000000000", "too_large"),
]


@pytest.mark.parametrize(("text", "value"), NUMBER_CASES)
def test_parse_decimal_reads_grouped_numbers_exactly(text, value):
    from app.services.engine.cell_input import parse_decimal

    assert str(parse_decimal(text)) == value


@pytest.mark.parametrize(("text", "code"), REFUSED_CASES)
def test_parse_decimal_refuses_everything_else_with_a_specific_reason(text, code):
    from app.services.engine.cell_input import NumberInputError, parse_decimal

    with pytest.raises(NumberInputError) as error:
        parse_decimal(text)
    assert error.value.code == code
    assert str(error.value)


def test_a_count_cell_says_whole_number_and_an_amount_keeps_its_grouping_message():
    assert str(refused(COUNT, "abc")) == "'abc' is not a whole number"
    assert refused(AMOUNT, "1,5").code == "grouping"
    assert "1,23,456.50" in str(refused(AMOUNT, "1,5"))
    assert parse_cell(AMOUNT, "1,23,456.50", TODAY) == Decimal("123456.50")


def test_dates_have_a_lower_bound():
    assert refused(DATE, "0001-01-01").code == "too_early"
    assert refused(DATE, "1949-12-31").code == "too_early"
    assert parse_cell(DATE, "1950-01-01", TODAY) == dt.date(1950, 1, 1)
    assert refused(DATE, "20240110").code == "not_a_date"
