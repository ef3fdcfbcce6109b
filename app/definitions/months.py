"""Calendar months and the April-March financial year."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month such as 2024-04; orders chronologically."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 2999:
            raise ValueError(f"not a month: {self.year}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> "Month":
        """Parse 'YYYY-MM'; raise ValueError with a readable message otherwise."""
        match = _MONTH_RE.match(str(text).strip())
        if not match:
            raise ValueError(f"'{text}' is not a month written as YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        """The month containing a date."""
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        """The first day of the month (how periods are stored)."""
        return dt.date(self.year, self.month, 1)

    def shift(self, months: int) -> "Month":
        """The month `months` later (negative for earlier)."""
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def prev(self) -> "Month":
        """The month before."""
        return self.shift(-1)

    def next(self) -> "Month":
        """The month after."""
        return self.shift(1)

    @property
    def fy_start(self) -> "Month":
        """April of the financial year (April-March) this month belongs to."""
        return Month(self.year if self.month >= 4 else self.year - 1, 4)

    @property
    def fy_label(self) -> str:
        """The financial year as printed, e.g. '2024-25'."""
        start = self.fy_start.year
        return f"{start}-{(start + 1) % 100:02d}"

    def label(self) -> str:
        """'Apr 2024' in English, for stored records and logs (pages use presenters.display.month_name)."""
        return self.first_day.strftime("%b %Y")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def in_force(month: Month, valid_from: Month | None, valid_until: Month | None) -> bool:
    """Whether `month` lies within the optional [valid_from, valid_until] range."""
    if valid_from is not None and month < valid_from:
        return False
    return valid_until is None or month <= valid_until


def parse_period(text: str, earliest: Month, latest: Month) -> Month:
    """Parse 'YYYY-MM' and require it between `earliest` and `latest`; ValueError otherwise."""
    month = Month.parse(text)
    if not earliest <= month <= latest:
        raise ValueError(
            f"The period {month} is outside the months this system covers ({earliest} to {latest})"
        )
    return month
