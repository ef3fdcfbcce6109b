"""Turn what a user typed into a typed cell value, or a specific message."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.definitions.schema import ColumnDef

_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


class CellInputError(ValueError):
    """The typed text is not acceptable for the column; str() is the user message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _parse_number(column: ColumnDef, text: str) -> Decimal:
    plain = text.replace(",", "").replace(" ", "")
    if not _NUMBER_RE.match(plain):
        kind = "a whole number" if column.type == "count" else "a number"
        raise CellInputError("not_a_number", f"'{text}' is not {kind}")
    try:
        value = Decimal(plain)
    except InvalidOperation:  # pragma: no cover - guarded by the pattern
        raise CellInputError("not_a_number", f"'{text}' is not a number") from None
    if column.type == "count" and value != value.to_integral_value():
        raise CellInputError("not_whole", "Enter a whole number (no decimals)")
    if column.type != "count" and -value.as_tuple().exponent > 2:
        raise CellInputError("too_many_decimals", "At most 2 decimal places")
    if abs(value) >= Decimal(10) ** 16:
        raise CellInputError("too_large", "The number is too large")
    return value


def exact_limit(limit: float | int | Decimal) -> str:
    """A limit written out in full with thousands separators: 9,999,999,999 (never 1e+10)."""
    value = Decimal(str(limit))
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return format(value.normalize(), ",f")


def _check_bounds(column: ColumnDef, value: Decimal) -> None:
    if column.min is not None and value < Decimal(str(column.min)):
        raise CellInputError("below_min", _("Must be at least %(limit)s", limit=exact_limit(column.min)))
    if column.max is not None and value > Decimal(str(column.max)):
        raise CellInputError("above_max", _("Must be at most %(limit)s", limit=exact_limit(column.max)))


def _parse_date(column: ColumnDef, text: str, today: dt.date) -> dt.date:
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise CellInputError("not_a_date", f"'{text}' is not a date (YYYY-MM-DD)") from None
    if not column.allow_future and value > today:
        raise CellInputError("future_date", "The date cannot be in the future")
    return value


def _parse_text(column: ColumnDef, text: str) -> str:
    if column.max_length is not None and len(text) > column.max_length:
        raise CellInputError("too_long", f"At most {column.max_length} characters")
    if column.pattern and not re.fullmatch(column.pattern, text):
        raise CellInputError("pattern", "Not in the expected form")
    return text


def parse_cell(column: ColumnDef, raw: Any, today: dt.date | None = None) -> Any:
    """The typed value of `raw` for `column`; None for blank; CellInputError if invalid."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text == "":
        return None
    if column.is_numeric:
        value = _parse_number(column, text)
        _check_bounds(column, value)
        return int(value) if column.type == "count" else value
    if column.type == "date":
        return _parse_date(column, text, today or dt.date.today())
    if column.type == "choice":
        if text not in column.choices:
            raise CellInputError("not_a_choice", f"Choose one of: {', '.join(column.choices)}")
        return text
    return _parse_text(column, text)
