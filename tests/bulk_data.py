"""Bulk-load files for the tests: DPM-GST-ADJ-2 (one row, carried openings) month after month.

`chain()` writes lines whose openings are exactly the previous closings; tests then plant
mistakes in them. Files are written as a user would: CSV (csv module) or .xlsx (openpyxl).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl

from app.definitions.months import Month

FORMAT = "DPM-GST-ADJ-2"
ENTERED = (
    "RECEIPT_NO",
    "RECEIPT_AMT",
    "DISPOSAL_REVENUE_NO",
    "DISPOSAL_REVENUE_AMT",
    "DISPOSAL_TAXPAYER_NO",
    "DISPOSAL_TAXPAYER_AMT",
    "AGE_UPTO_6M_NO",
    "AGE_6_12M_NO",
    "AGE_GT_1Y_NO",
)
HEADER = ("office", "month", "row", "OPENING_NO", "OPENING_AMT", *ENTERED)
OPENINGS = {"OPENING_NO": "CLOSING_NO", "OPENING_AMT": "CLOSING_AMT"}


@dataclass
class Load:
    """The lines of a bulk-load file (dicts by header name) and every month's closing, as computed here."""

    lines: list[dict[str, str]] = field(default_factory=list)
    closings: dict[tuple[str, str], dict[str, Decimal | int]] = field(default_factory=dict)

    def line(self, office: str, month: str) -> dict[str, str]:
        """The line of one office and month."""
        return next(x for x in self.lines if x["office"] == office and x["month"] == month)

    def number(self, office: str, month: str) -> int:
        """The spreadsheet row of that line (the header is row 1)."""
        return 2 + self.lines.index(self.line(office, month))


def month_line(office: str, month: Month, opening_no: int, opening_amt: Decimal, rng: random.Random):
    """One valid ADJ-2 line and its closing (No., Amount)."""
    receipt_no, revenue_no, taxpayer_no = rng.randint(1, 9), rng.randint(0, 3), rng.randint(0, 3)
    revenue_no = min(revenue_no, opening_no + receipt_no)
    taxpayer_no = min(taxpayer_no, opening_no + receipt_no - revenue_no)
    receipt_amt = Decimal(rng.randint(1, 90_000)) / 100
    revenue_amt = min(Decimal(rng.randint(0, 30_000)) / 100, opening_amt + receipt_amt)
    taxpayer_amt = min(Decimal(rng.randint(0, 30_000)) / 100, opening_amt + receipt_amt - revenue_amt)
    closing_no = opening_no + receipt_no - revenue_no - taxpayer_no
    closing_amt = opening_amt + receipt_amt - revenue_amt - taxpayer_amt
    young = rng.randint(0, closing_no)
    middle = rng.randint(0, closing_no - young)
    line = {
        "office": office,
        "month": str(month),
        "row": "",
        "OPENING_NO": str(opening_no),
        "OPENING_AMT": f"{opening_amt:.2f}",
        "RECEIPT_NO": str(receipt_no),
        "RECEIPT_AMT": f"{receipt_amt:.2f}",
        "DISPOSAL_REVENUE_NO": str(revenue_no),
        "DISPOSAL_REVENUE_AMT": f"{revenue_amt:.2f}",
        "DISPOSAL_TAXPAYER_NO": str(taxpayer_no),
        "DISPOSAL_TAXPAYER_AMT": f"{taxpayer_amt:.2f}",
        "AGE_UPTO_6M_NO": str(young),
        "AGE_6_12M_NO": str(middle),
        "AGE_GT_1Y_NO": str(closing_no - young - middle),
    }
    return line, {"CLOSING_NO": closing_no, "CLOSING_AMT": closing_amt}


def chain(offices: list[str], months: list[Month], seed: int = 7, openings=None) -> Load:
    """Lines for every office and month, each opening equal to the closing before it."""
    rng, load = random.Random(seed), Load()
    for office in offices:
        opening_no, opening_amt = (openings or {}).get(
            office, (rng.randint(0, 20), Decimal(rng.randint(0, 99_999)) / 100)
        )
        for month in months:
            line, closing = month_line(office, month, opening_no, opening_amt, rng)
            load.lines.append(line)
            load.closings[(office, str(month))] = closing
            opening_no, opening_amt = closing["CLOSING_NO"], closing["CLOSING_AMT"]
    return load


def as_csv(load: Load, header: tuple[str, ...] = HEADER, bom: bool = True) -> bytes:
    """The load as a CSV file in UTF-8 (with the byte-order mark Excel writes, unless told)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    for line in load.lines:
        writer.writerow([line.get(name, "") for name in header])
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode()


def as_xlsx(load: Load, header: tuple[str, ...] = HEADER, numbers: bool = True) -> bytes:
    """The load as a workbook with a sheet Data; figures written as numbers, as a user's sheet holds them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(list(header))
    for line in load.lines:
        sheet.append(
            [_cell(line.get(name, ""), numbers and name not in ("office", "month", "row")) for name in header]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(text: str, number: bool):
    if not number or text == "":
        return text or None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text
