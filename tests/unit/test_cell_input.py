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
    [("12", 12), (" 7 ", 7), ("1,234", 1234), ("1 000", 1000), ("3.0", 3), (5, 5), ("0", 0), ("-0", 0)],
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
        ("10000000000000000", "too_large", "The number is too large"),
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


def test_limits_are_printed_exactly_never_in_exponent_form():
    large = column("count", min=0.0, max=9999999999.0)
    assert str(refused(large, "10000000000")) == "Must be at most 9,999,999,999"
    assert str(refused(column("amount", max=1e10), "10000000000.01")) == "Must be at most 10,000,000,000"
    assert str(refused(column("percent", min=0.5), "0.25")) == "Must be at least 0.5"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("120.5", Decimal("120.50")),
        ("120.50", Decimal("120.50")),
        ("1,00,000.25", Decimal("100000.25")),  # Indian digit grouping
        (120.5, Decimal("120.5")),  # a JSON number
        (20, Decimal("20")),
        ("0.01", Decimal("0.01")),
        ("9999999999999999.99", Decimal("9999999999999999.99")),
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
        ("10000000000000000", "too_large", "The number is too large"),
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


@pytest.mark.parametrize("raw", ["10/01/2024", "2024-02-30", "2024-13-01", "yesterday", "2024-1-5"])
def test_bad_dates(raw):
    error = refused(DATE, raw)
    assert (error.code, str(error)) == ("not_a_date", f"'{raw}' is not a date (YYYY-MM-DD)")


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
