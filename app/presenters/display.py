"""How numbers, dates, times and months are written for people, in English and in Hindi alike.

Numbers use Indian digit grouping (12,34,567.00), dates are dd-mm-yyyy, times dd-mm-yyyy HH:MM
in UTC (the pages say "UTC" where they show a time, as they always have), and a month is named
in the page's language ("January 2024", "जनवरी 2024").

Digits stay Latin (0-9, the international form of Indian numerals) in Hindi too: the grid and
the server accept only these digits, so what a page shows can be typed or pasted back.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.i18n import page_language

DAY_FORMAT = "%d-%m-%Y"
MOMENT_FORMAT = "%d-%m-%Y %H:%M"
MONTH_PATTERN = "MMMM y"  # CLDR: the month's full name in the locale, then the year


def _grouped(digits: str) -> str:
    """'1234567' -> '12,34,567': the last three digits, then pairs."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = [head[max(0, end - 2) : end] for end in range(len(head), 0, -2)]
    return ",".join([*reversed(pairs), tail])


def indian_number(value: int | float | Decimal | str | None, places: int = 0) -> str:
    """`value` rounded half-up to `places` decimals with Indian grouping: 12,34,567.00; None -> ''."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""  # never "-0.00": a zero has no sign
    whole, _point, fraction = f"{abs(number):f}".partition(".")
    text = _grouped(whole)
    return f"{sign}{text}.{fraction}" if places > 0 else f"{sign}{text}"


def day(value: dt.date | None) -> str:
    """A date as dd-mm-yyyy (a datetime by its UTC date); None -> ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _utc(value)
    return value.strftime(DAY_FORMAT)


def _utc(value: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC; an aware one is brought to UTC."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def moment(value: dt.datetime | None, seconds: bool = False) -> str:
    """A time as dd-mm-yyyy HH:MM (HH:MM:SS with `seconds`) in UTC; None -> ''."""
    if value is None:
        return ""
    return _utc(value).strftime(MOMENT_FORMAT + (":%S" if seconds else ""))


def month_name(value: Month | dt.date | None, locale: str | None = None) -> str:
    """A month (a Month or any day in it) named in the page's language: 'January 2024', 'जनवरी 2024'."""
    if value is None:
        return ""
    first = value.first_day if isinstance(value, Month) else value
    return format_date(first, MONTH_PATTERN, locale=locale or page_language())


def period_name(fmt: FormatDef, month: Month) -> str:
    """The period a return of `fmt` keyed `month` covers, as pages name it: 'financial year 2026-27'
    for an annual format, 'figures for April 2026, reported in May 2026' for a lagging one,
    else the month ('May 2026')."""
    if fmt.annual:
        return _("financial year %(year)s", year=month.fy_label)
    if fmt.lag:
        figures, reported = month_name(fmt.figures_month(month)), month_name(month)
        return _("figures for %(figures)s, reported in %(month)s", figures=figures, month=reported)
    return month_name(month)
