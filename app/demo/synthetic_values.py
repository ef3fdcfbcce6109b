"""Plausible cell values for one row of any format, drawn so that every check passes.

Pure (no database). Used by the national benchmark data set. The layout of a format
is read from its definition, not hard-coded per format:

- carried columns take last month's value (or a one-time opening in the first month);
- an entered column that lowers a computed column (found by probing the formulas,
  e.g. DISPOSAL_NO in CLOSING_NO = OPENING_NO + RECEIPT_NO - DISPOSAL_NO) is an
  *outflow*: outflows together take only part of what is available, so closings
  never go negative;
- entered columns on the left of a check `A + B + ... == X` or `<= X` are *buckets*:
  they split X (all of it for ==, part of it for <=) once X is known;
- every other entered column is drawn at random; computed columns are then calculated
  with `calculation.compute_row`;
- carried rows take last month's cells of the row they carry, computed rows are then
  calculated with `calculation.compute_rows`; a row a computed row subtracts is emptied
  where it would take the computed row below zero (a closing line never goes negative).
- a row whose cell must equal (or stay within) another format's figure (a cross-format
  `==`, `<=` or `>=` check) is given that figure as a *target*: an entered column that
  raises it, or an outflow that lowers it, is moved until it is reached, then the buckets
  are split again.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from calendar import monthrange
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from app.definitions.months import Month
from app.definitions.schema import ColumnDef, FormatDef
from app.services.engine.calculation import compute_row, compute_rows, computed_order, computed_rows

CENT = Decimal("0.01")
_BUCKET_RULE = re.compile(
    r"^\s*([A-Z][A-Z0-9_]*(?:\s*\+\s*[A-Z][A-Z0-9_]*)*)\s*(==|<=)\s*([A-Z][A-Z0-9_]*)\s*$"
)
_FIRST = ("Ramesh", "Sunita", "Arjun", "Priya", "Vikram", "Meena", "Rahul", "Anita", "Suresh", "Kavita")
_LAST = ("Sharma", "Patil", "Iyer", "Singh", "Das", "Reddy", "Gupta", "Nair", "Mehta", "Khan")
_UNIT_SIZE = {"lakh": 1.0, "crore": 0.2, "count": 1.0}


@dataclass(frozen=True)
class Bucket:
    """Entered columns that split the value of another column (check `A + B == X`)."""

    parts: tuple[str, ...]
    exact: bool  # == (all of X) rather than <= (part of X)
    whole: str


@dataclass(frozen=True)
class RowMaker:
    """How to fill one row of a format in one month."""

    fmt: FormatDef
    month: Month
    columns: tuple[ColumnDef, ...]
    free: tuple[ColumnDef, ...]  # entered columns drawn at random
    outflows: tuple[tuple[str, tuple[ColumnDef, ...]], ...]  # computed column -> its outflows
    buckets: tuple[Bucket, ...]

    @classmethod
    @lru_cache(maxsize=4096)
    def of(cls, fmt: FormatDef, month: Month) -> "RowMaker":
        """The (cached) layout of `fmt` in `month`."""
        columns = fmt.columns_in_force(month)
        buckets = _buckets(fmt, columns)
        in_buckets = {code for bucket in buckets for code in bucket.parts}
        outflows = _outflows(fmt, month, columns, in_buckets)
        taken = in_buckets | {c.code for _whole, group in outflows for c in group}
        free = tuple(c for c in columns if c.is_input and c.code not in taken)
        return cls(fmt, month, columns, free, outflows, buckets)

    def make(
        self,
        rng: random.Random,
        scale: float,
        previous: dict | None,
        first: bool,
        targets: dict[str, tuple[str, Decimal]] | None = None,
    ) -> dict[str, Any]:
        """One row: carried, entered and computed cells that pass every check (and meet `targets`,
        {column: (==, <= or >=, the other format's figure)})."""
        size = scale * _UNIT_SIZE.get(self.fmt.unit, 1.0)
        cells: dict[str, Any] = {c.code: None for c in self.fmt.columns}
        for column in self.columns:
            if column.role == "carried":
                source = previous.get(column.carry) if previous is not None else None
                cells[column.code] = _opening(column, rng, size) if first else source
        earliest = None
        for column in self.free:
            value = _entered(column, rng, size, self.month)
            if column.type == "date" and value is not None:  # later dates follow earlier ones
                value = earliest = max(value, earliest or value)
            cells[column.code] = value
        for whole, group in self.outflows:
            for column in group:
                cells[column.code] = _zero(column)
            available = compute_row(self.fmt, self.month, cells).get(whole)
            share = Decimal(str(rng.uniform(0.15, 0.85)))
            _split(cells, group, _positive(available) * share, rng)
        cells = compute_row(self.fmt, self.month, cells)
        for code, (op, value) in (targets or {}).items():
            current = cells.get(code)
            beyond = current is None or (op == "<=" and current > value) or (op == ">=" and current < value)
            if op == "==" or beyond:
                cells = self._reach(cells, code, value)
        for bucket in self.buckets:
            share = Decimal(1) if bucket.exact else Decimal(str(rng.uniform(0.3, 1.0)))
            parts = tuple(self.fmt.column(code) for code in bucket.parts)
            _split(cells, parts, _positive(cells.get(bucket.whole)) * share, rng, exact=bucket.exact)
            cells = compute_row(self.fmt, self.month, cells)
        return cells

    def _reach(self, cells: dict[str, Any], code: str, target: Decimal) -> dict[str, Any]:
        """Move one raising entered column (or an outflow) so that computed column `code` equals `target`."""
        raising, lowering = _movers(self.fmt, self.month, code)
        for column, sign in ((raising, 1), (lowering, -1)):
            current = cells.get(code)
            if column is None or current is None or Decimal(current) == target:
                continue
            moved = _positive(cells.get(column.code)) + sign * (target - Decimal(current))
            cells[column.code] = _as_type(column, max(moved, Decimal(0)))
            cells = compute_row(self.fmt, self.month, cells)
        return cells


def _as_type(column: ColumnDef, value: Decimal) -> Any:
    return int(value) if column.type == "count" else value.quantize(CENT)


@lru_cache(maxsize=512)
def _movers(fmt: FormatDef, month: Month, code: str) -> tuple[ColumnDef | None, ColumnDef | None]:
    """(an entered column that raises `code` one for one, one that lowers it), found by probing."""
    numeric = [c for c in fmt.columns_in_force(month) if c.is_numeric]
    entered = [c for c in numeric if c.role == "entered"]
    base_cells = {c.code: _zero(c) for c in numeric if c.role != "computed"}
    base = compute_row(fmt, month, base_cells).get(code)
    raising = lowering = None
    for column in entered:
        after = compute_row(fmt, month, {**base_cells, column.code: _one(column)}).get(code)
        if base is None or after is None:
            continue
        step = Decimal(after) - Decimal(base)
        if step == 1 and raising is None:
            raising = column
        elif step == -1 and lowering is None:
            lowering = column
    return raising, lowering


def _buckets(fmt: FormatDef, columns: tuple[ColumnDef, ...]) -> tuple[Bucket, ...]:
    in_force = {c.code: c for c in columns}
    found: list[Bucket] = []
    used: set[str] = set()
    for check in fmt.checks:
        match = _BUCKET_RULE.match(check.rule.text)
        if match is None or check.scope != "row":
            continue
        parts = tuple(part.strip() for part in match.group(1).split("+"))
        whole = match.group(3)
        entered = all(code in in_force and in_force[code].is_input for code in parts)
        if entered and whole in in_force and not used & set(parts) and whole not in parts:
            found.append(Bucket(parts, match.group(2) == "==", whole))
            used.update(parts)
    # a bucket whose whole is itself a bucket part is filled after that part
    return tuple(sorted(found, key=lambda b: b.whole in used))


def _outflows(fmt, month, columns, in_buckets) -> tuple[tuple[str, tuple[ColumnDef, ...]], ...]:
    inputs = [c for c in columns if c.is_numeric and c.role != "computed" and c.code not in in_buckets]
    base_cells = {c.code: _zero(c) for c in inputs}
    base = compute_row(fmt, month, base_cells)
    lowers: dict[str, list[ColumnDef]] = {}
    for column in inputs:
        if not column.is_input:
            continue
        probe = compute_row(fmt, month, {**base_cells, column.code: _one(column)})
        for computed in computed_order(fmt, month):
            before, after = base.get(computed.code), probe.get(computed.code)
            if before is not None and after is not None and after < before:
                lowers.setdefault(computed.code, []).append(column)
    groups, assigned = [], set()
    for computed in computed_order(fmt, month):
        group = tuple(c for c in lowers.get(computed.code, []) if c.code not in assigned)
        if group:
            groups.append((computed.code, group))
            assigned.update(c.code for c in group)
    return tuple(groups)


def _zero(column: ColumnDef) -> Any:
    return 0 if column.type == "count" else Decimal("0.00")


def _one(column: ColumnDef) -> Any:
    return 1 if column.type == "count" else Decimal("1.00")


def _positive(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return Decimal(0)
    return max(Decimal(value), Decimal(0))


def _bounded(column: ColumnDef, value: float) -> float:
    low = column.min if column.min is not None else 0
    high = column.max if column.max is not None else value
    return min(max(value, low), high)


def _number(column: ColumnDef, value: float) -> Any:
    value = _bounded(column, value)
    if column.type == "count":
        return int(value)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)


def _opening(column: ColumnDef, rng: random.Random, size: float) -> Any:
    if not column.is_numeric:
        return None
    top = 250 * size if column.type == "count" else 6000 * size
    return _number(column, rng.uniform(0, top))


def _entered(column: ColumnDef, rng: random.Random, size: float, month: Month) -> Any:
    if column.type == "count":
        return _number(column, rng.uniform(0, 60 * size))
    if column.type == "amount":
        return _number(column, rng.uniform(0, 1500 * size))
    if column.type == "percent":
        return _number(column, rng.uniform(0, 100))
    if not column.required and rng.random() < 0.4:
        return None
    if column.type == "choice":
        return rng.choice(column.choices) if column.choices else None
    if column.type == "date":
        return dt.date(month.year, month.month, rng.randint(1, monthrange(month.year, month.month)[1]))
    return sample_text(column, rng)


def _split(
    cells: dict, parts: tuple[ColumnDef, ...], total: Decimal, rng: random.Random, exact=False
) -> None:
    """Share `total` among `parts` (whole numbers for counts, paise for amounts)."""
    step = Decimal(1) if all(c.type == "count" for c in parts) else CENT
    units = int((total / step).to_integral_value(rounding=ROUND_DOWN))
    weights = [rng.random() + 0.05 for _ in parts]
    shares = [int(units * w / sum(weights)) for w in weights]
    if exact:
        shares[rng.randrange(len(shares))] += units - sum(shares)
    for column, share in zip(parts, shares, strict=True):
        value = Decimal(share) * step
        cells[column.code] = int(value) if column.type == "count" else value.quantize(CENT)


# ------------------------------------------------------------------ text matching a pattern


def sample_text(column: ColumnDef, rng: random.Random) -> str | None:
    """Text that fits the column's pattern and length (a person's name for *NAME* columns)."""
    limit = column.max_length or 40
    pattern = re.compile(column.pattern) if column.pattern else None
    for _attempt in range(20):
        if "NAME" in column.code or pattern is None:
            text = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        else:
            text = _sample(sre_parse.parse(column.pattern).data, rng)
        text = text[:limit]
        if pattern is None or pattern.fullmatch(text):
            return text
    return None


def _sample(items, rng: random.Random) -> str:
    out = []
    for op, arg in items:
        name = op.name
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "IN":
            out.append(rng.choice(_charset(arg)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, sub = arg
            count = rng.randint(low, min(high, low + 8))
            out.extend(_sample(sub.data, rng) for _ in range(count))
        elif name == "SUBPATTERN":
            out.append(_sample(arg[-1].data, rng))
        elif name == "BRANCH":
            out.append(_sample(rng.choice(arg[1]).data, rng))
        elif name in ("ANY", "NOT_LITERAL"):
            out.append(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"))
        elif name != "AT":
            raise ValueError(f"pattern construct {name} is not generated")
    return "".join(out)


def _charset(items) -> str:
    chars: list[str] = []
    for op, arg in items:
        if op.name == "LITERAL":
            chars.append(chr(arg))
        elif op.name == "RANGE":
            chars.extend(chr(code) for code in range(arg[0], arg[1] + 1))
        elif op.name == "CATEGORY":
            chars.extend("0123456789" if "DIGIT" in arg.name else "abcdefghijklmnopqrstuvwxyz")
        elif op.name == "NEGATE":
            raise ValueError("negated character sets are not generated")
    return "".join(chars) or "X"


__all__ = ["Bucket", "RowMaker", "sample_text"]


def with_rows(
    fmt: FormatDef, month: Month, rows: dict[str, dict[str, Any]], previous: dict | None
) -> dict[str, dict[str, Any]]:
    """The rows of a return with carried rows taken from `previous` and computed rows calculated."""
    for key, cells in rows.items():
        row = fmt.rows.row(key)
        if previous is None or row is None or not row.carry:
            continue
        for column in fmt.columns_in_force(month):
            if column.role != "computed":
                cells[column.code] = (previous.get(row.carry) or {}).get(column.code)
    result = compute_rows(fmt, month, rows)
    for row in computed_rows(fmt, month):
        for code, value in result[row.key].items():
            if isinstance(value, (int, Decimal)) and value < 0:
                for key in _subtracted(row):
                    rows[key][code] = _zero(fmt.column(code))
        result = compute_rows(fmt, month, rows)
    return result


def _subtracted(row) -> list[str]:
    """The rows a computed row's formula subtracts (probed: the row alone gives less than nothing)."""
    names = sorted(row.formula.names)
    return [
        name
        for name in names
        if (value := row.formula.evaluate({n: Decimal(int(n == name)) for n in names})) is not None
        and value < 0
    ]
