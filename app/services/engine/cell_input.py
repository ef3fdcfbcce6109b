"""Turn what a user typed into a typed cell value, or a specific message."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _

from app.definitions.column_types import COLUMN_TYPES, column_type
from app.definitions.schema import ColumnDef
from app.presenters.display import day, indian_number

EARLIEST_DATE = dt.date(1950, 1, 1)  # default lower bound of a date cell (config MPR_EARLIEST_DATE)
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Day first, as dates are written in India and shown on every page: 10-01-2024, 10/01/2024, 10.01.2024
_DAY_FIRST_RE = re.compile(r"^([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})$")


class CellInputError(ValueError):
    """The typed text is not acceptable for the column; str() is the user message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NumberInputError(CellInputError):
    """The text is not a number as the MIS reads numbers (see `parse_decimal`)."""


# The one number grammar; app/static/js/mpr-number.js is the same, character for character.
# Digits 0-9 only; an optional leading minus; one optional decimal point with digits on both
# sides; commas only as a grouping valid in the international (123,456,789) or the Indian
# (12,34,56,789) system, never a leading group of 0. Nothing else: no spaces inside, no other
# digits (Devanagari and other scripts are refused: a figure is stored as typed in 0-9).
NUMBER_PATTERN = (
    r"^-?(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]?(?:,[0-9]{2})*,[0-9]{3})(?:\.[0-9]+)?$"
)
_NUMBER_RE = re.compile(NUMBER_PATTERN)
EDGE_SPACE = " \t\n\r\f\v\u00a0"  # dropped around a number (and nothing else)
_SPACE_INSIDE = re.compile(r"[ \t\n\r\f\v\u00a0\u2009\u202f]")
_STRIPPABLE_NUMBER = re.compile(r"^-?[0-9,]+(?:\.[0-9]+)?$")
# 13 integer digits and 2 decimals: 15 significant digits, all exact in the grid's live
# arithmetic (JavaScript doubles), so the grid never shows a figure other than the stored one.
LARGEST = Decimal(10) ** 13
MAX_NUMBER_TEXT = 40


def number_messages() -> dict[str, str]:
    """Every message `parse_decimal` and the grid give, by code; %(text)s is what was typed."""
    return {
        "not_a_number": _("'%(text)s' is not a number"),
        "not_a_whole_number": _("'%(text)s' is not a whole number"),
        "grouping": _(
            "'%(text)s' has commas in the wrong places: write 1,23,456.50 or 123,456.50, or no commas"
        ),
        "space_inside": _("'%(text)s' has a space inside the number: remove it"),
        "other_digits": _("'%(text)s' uses digits other than 0-9: type the digits 0-9"),
        "too_large": _("The number is too large"),
        "not_whole": _("Enter a whole number (no decimals)"),
        "too_many_decimals": _("At most 2 decimal places"),
    }


def paste_messages() -> dict[str, str]:
    """What the grid says after a block is pasted from a spreadsheet; %(...)s filled in by the script."""
    return {
        "pasted_one": _("Pasted 1 cell."),
        "pasted": _("Pasted %(count)s cells."),
        "refused": _("Not accepted as typed: %(count)s (see the message at the cell)."),
        "failed": _("%(count)s could not be filled: %(cells)s."),
        "more": _("and %(count)s more"),
        "at": _("row '%(row)s' — column '%(column)s'"),
        "outside": _("pasted row %(row)s, column %(column)s"),
        "not_a_choice": _("not one of the choices"),
        "not_accepted": _("not accepted by this cell"),
        "past_last_column": _("beyond the last column"),
        "past_last_row": _("beyond the last row"),
    }


def number_grammar() -> dict[str, Any]:
    """The number grammar for the grid's script (app/static/js/mpr-number.js): the same rules."""
    return {
        "pattern": NUMBER_PATTERN,
        "strippable": _STRIPPABLE_NUMBER.pattern,
        "spaceInside": _SPACE_INSIDE.pattern,
        "edgeSpace": EDGE_SPACE,
        "maxLength": MAX_NUMBER_TEXT,
        "largest": str(LARGEST),
        "messages": number_messages(),
        "paste": paste_messages(),  # the grid's paste report (mpr-grid.js)
        "types": {  # the column type registry, as far as the grid needs it
            name: {"numeric": t.numeric, "places": t.places, "summed": t.summed, "widget": t.widget}
            for name, t in COLUMN_TYPES.items()
        },
    }


def strip_number(text: str) -> str:
    """`text` without the spaces a number may have around it (the grid strips the same)."""
    return text.strip(EDGE_SPACE)


def _number_refusal(text: str) -> NumberInputError:
    """The most specific reason `text` (already stripped) is not a number."""
    if len(text) > MAX_NUMBER_TEXT:
        code = "not_a_number"
    elif any(ch.isdecimal() and not "0" <= ch <= "9" for ch in text):
        code = "other_digits"
    elif _SPACE_INSIDE.search(text) and _STRIPPABLE_NUMBER.match(_SPACE_INSIDE.sub("", text)):
        code = "space_inside"
    elif "," in text and _STRIPPABLE_NUMBER.match(text):
        code = "grouping"
    else:
        code = "not_a_number"
    return NumberInputError(code, number_messages()[code] % {"text": text[:MAX_NUMBER_TEXT]})


def parse_decimal(text: str) -> Decimal:
    """The exact number `text` means, or NumberInputError saying what is wrong with it.

    '1,23,456.50' and '123,456.50' are 123456.50; '1,5', '1 2', '1e5', '.5', '१२' are refused.
    """
    plain = strip_number(str(text))
    if len(plain) > MAX_NUMBER_TEXT or not _NUMBER_RE.match(plain):
        raise _number_refusal(plain)
    value = Decimal(plain.replace(",", ""))
    if abs(value) >= LARGEST:
        raise NumberInputError("too_large", number_messages()["too_large"])
    return value.copy_abs() if value.is_zero() else value


def _parse_number(column: ColumnDef, text: str) -> Decimal:
    kind = column_type(column.type)
    try:
        value = parse_decimal(text)
    except NumberInputError as error:
        if error.code == "not_a_number" and kind.whole:
            raise NumberInputError(
                "not_a_number", number_messages()["not_a_whole_number"] % {"text": text[:MAX_NUMBER_TEXT]}
            ) from None
        raise
    if kind.whole and value != value.to_integral_value():
        raise CellInputError("not_whole", number_messages()["not_whole"])
    if not kind.whole and -value.as_tuple().exponent > kind.places:
        raise CellInputError("too_many_decimals", number_messages()["too_many_decimals"])
    return value


def exact_limit(limit: float | int | Decimal) -> str:
    """A limit written out in full in Indian grouping: 9,99,99,99,999 (never 1e+10)."""
    value = Decimal(str(limit))
    if value == value.to_integral_value():
        return indian_number(value)
    return indian_number(value, -value.normalize().as_tuple().exponent)


def _check_bounds(column: ColumnDef, value: Decimal) -> None:
    if column.min is not None and value < Decimal(str(column.min)):
        raise CellInputError("below_min", _("Must be at least %(limit)s", limit=exact_limit(column.min)))
    if column.max is not None and value > Decimal(str(column.max)):
        raise CellInputError("above_max", _("Must be at most %(limit)s", limit=exact_limit(column.max)))


def earliest_date() -> dt.date:
    """The earliest date a date cell accepts: MPR_EARLIEST_DATE, else 1950-01-01."""
    if has_app_context():
        return current_app.config.get("MPR_EARLIEST_DATE") or EARLIEST_DATE
    return EARLIEST_DATE


def _date(text: str) -> dt.date:
    """dd-mm-yyyy (or with / or .), or the ISO yyyy-mm-dd a date input sends; ValueError otherwise."""
    if _DATE_RE.match(text):
        return dt.date.fromisoformat(text)
    day_first = _DAY_FIRST_RE.match(text)
    if day_first is None:
        raise ValueError(text)
    day_of_month, _separator, month, year = day_first.groups()
    return dt.date(int(year), int(month), int(day_of_month))


def _parse_date(column: ColumnDef, text: str, today: dt.date) -> dt.date:
    try:
        value = _date(text)
    except ValueError:
        raise CellInputError("not_a_date", _("'%(text)s' is not a date (dd-mm-yyyy)", text=text)) from None
    if not column.allow_future and value > today:
        raise CellInputError("future_date", _("The date cannot be in the future"))
    earliest = earliest_date()
    if value < earliest:
        raise CellInputError("too_early", _("The date cannot be before %(date)s", date=day(earliest)))
    return value


def _parse_text(column: ColumnDef, text: str) -> str:
    if column.max_length is not None and len(text) > column.max_length:
        raise CellInputError("too_long", _("At most %(n)s characters", n=column.max_length))
    if column.pattern and not re.fullmatch(column.pattern, text):
        raise CellInputError("pattern", _("Not in the expected form"))
    return text


def parse_cell(column: ColumnDef, raw: Any, today: dt.date | None = None) -> Any:
    """The typed value of `raw` for `column`; None for blank; CellInputError if invalid."""
    if raw is None:
        return None
    kind = column_type(column.type)
    if kind.numeric:
        text = strip_number(str(raw))
        if text == "":
            return None
        value = _parse_number(column, text)
        _check_bounds(column, value)
        return kind.number(value)
    text = str(raw).strip()
    if text == "":
        return None
    if kind.widget == "date":
        return _parse_date(column, text, today or dt.date.today())
    if kind.widget == "select":
        if text not in column.choices:
            raise CellInputError(
                "not_a_choice", _("Choose one of: %(choices)s", choices=", ".join(column.choices))
            )
        return text
    return _parse_text(column, text)
