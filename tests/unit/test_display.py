"""Numbers in Indian grouping, dates dd-mm-yyyy and months by name, in English and in Hindi."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel

from app.definitions.months import Month
from app.presenters.display import day, indian_number, moment, month_name


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (0, 0, "0"),
        (999, 0, "999"),
        (1000, 0, "1,000"),
        (99999, 0, "99,999"),
        (100000, 0, "1,00,000"),  # a lakh
        (9999999, 0, "99,99,999"),
        (10000000, 0, "1,00,00,000"),  # a crore
        (1234567, 2, "12,34,567.00"),
        (Decimal("123456789012.5"), 2, "1,23,45,67,89,012.50"),
        ("100000.25", 2, "1,00,000.25"),
        (12.5, 2, "12.50"),
    ],
)
def test_indian_grouping_at_the_lakh_and_crore_boundaries(value, places, shown):
    assert indian_number(value, places) == shown


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (-1234567, 2, "-12,34,567.00"),
        (Decimal("-999.99"), 2, "-999.99"),
        (-100000, 0, "-1,00,000"),
        (Decimal("-0.001"), 2, "0.00"),  # rounds to zero: never "-0.00"
    ],
)
def test_negatives_keep_their_sign_in_front_of_the_grouping(value, places, shown):
    assert indian_number(value, places) == shown


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (Decimal("2.675"), 2, "2.68"),  # half up, as the grid and the server store it
        (Decimal("-2.5"), 0, "-3"),
        (Decimal("1.005"), 2, "1.01"),
        (Decimal("99999.995"), 2, "1,00,000.00"),  # rounding carries across a group
        (Decimal("7.1"), 0, "7"),
    ],
)
def test_rounding_is_half_up_to_the_places(value, places, shown):
    assert indian_number(value, places) == shown


def test_nothing_is_shown_for_a_blank():
    assert indian_number(None, 2) == "" and indian_number("", 0) == ""
    assert day(None) == "" and moment(None) == "" and month_name(None) == ""


def test_a_day_is_dd_mm_yyyy():
    assert day(dt.date(2024, 1, 5)) == "05-01-2024"
    assert day(dt.datetime(2024, 12, 31, 23, 59)) == "31-12-2024"


def test_a_moment_is_dd_mm_yyyy_hh_mm_in_utc():
    assert moment(dt.datetime(2024, 3, 9, 7, 5, 30)) == "09-03-2024 07:05"
    assert moment(dt.datetime(2024, 3, 9, 7, 5, 30), seconds=True) == "09-03-2024 07:05:30"
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert moment(dt.datetime(2024, 3, 10, 1, 0, tzinfo=india)) == "09-03-2024 19:30"  # an aware time, in UTC


def test_months_are_named_in_the_language_asked():
    assert month_name(Month(2024, 1), locale="en") == "January 2024"
    assert month_name(Month(2024, 1), locale="hi") == "जनवरी 2024"
    assert month_name(dt.date(2024, 4, 17), locale="hi") == "अप्रैल 2024"


def test_outside_an_app_a_month_is_named_in_english():
    assert month_name(Month(2023, 11)) == "November 2023"


@pytest.mark.parametrize(
    ("language", "month"),
    [("en", "March 2024"), ("hi", "मार्च 2024")],
)
def test_the_page_language_names_the_month_and_leaves_numbers_and_dates_alone(language, month):
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: language)
    with app.test_request_context("/"):
        assert month_name(Month(2024, 3)) == month
        assert indian_number(Decimal("1234567.5"), 2) == "12,34,567.50"  # Latin digits in Hindi too
        assert day(dt.date(2024, 3, 31)) == "31-03-2024"
