"""Derived columns, computed at report time from the aggregated bases (never stored).

A report works on four *bases*, each a full set of cells per row recomputed with the
format's own formulas from summed inputs: the month, up to the month (April..M), the
same month last year and up to that month last year. Derived columns pick from them;
`target_pct` also reads the year's annual target format, summed over the same offices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.definitions.expressions import quantize
from app.definitions.schema import CUMULATIVE_KINDS, DerivedDef

__all__ = ["CUMULATIVE_KINDS", "bases_needed", "derived_type", "derived_value", "target_basis"]

MONTH, UPTO, PREV, PREV_UPTO = "month", "upto", "prev", "prev_upto"
BASIS_OF_KIND = {"upto": UPTO, "prev_year": PREV, "prev_upto": PREV_UPTO}
GROWTH_BASES = {
    "growth": (MONTH, PREV),
    "growth_pct": (MONTH, PREV),
    "growth_upto": (UPTO, PREV_UPTO),
    "growth_upto_pct": (UPTO, PREV_UPTO),
}
TARGET_PCT = "target_pct"


def target_basis(format_code: str) -> str:
    """The basis naming the cells of an annual target format for the report's year."""
    return f"target:{format_code}"


def bases_needed(derived: tuple[DerivedDef, ...]) -> set[str]:
    """Which bases a format's derived columns read (the month is always read)."""
    needed = {MONTH}
    for column in derived:
        if column.kind == TARGET_PCT:
            needed.add(UPTO)
        elif column.kind in BASIS_OF_KIND:
            needed.add(BASIS_OF_KIND[column.kind])
        else:
            needed.update(GROWTH_BASES[column.kind])
    return needed


def derived_value(column: DerivedDef, cells_by_basis: dict[str, dict[str, Any]]) -> Any:
    """One derived cell from the row's cells on each basis; None when an input is missing."""
    if column.kind == TARGET_PCT:
        return _target_pct(column, cells_by_basis)
    if column.kind in BASIS_OF_KIND:
        return cells_by_basis.get(BASIS_OF_KIND[column.kind], {}).get(column.of)
    now_basis, then_basis = GROWTH_BASES[column.kind]
    now = cells_by_basis.get(now_basis, {}).get(column.of)
    then = cells_by_basis.get(then_basis, {}).get(column.of)
    if now is None or then is None:
        return None
    change = Decimal(now) - Decimal(then)
    if column.kind.endswith("_pct"):
        if Decimal(then) == 0:
            return None  # growth over nothing has no percentage
        return quantize(change * 100 / Decimal(then), "percent")
    return int(change) if isinstance(now, int) and isinstance(then, int) else quantize(change, "amount")


def derived_type(column: DerivedDef, of_type: str) -> str:
    """The column type a derived column is shown as."""
    return "percent" if column.kind.endswith("_pct") else of_type


def _target_pct(column: DerivedDef, cells_by_basis: dict[str, dict[str, Any]]) -> Any:
    """Up to the month ÷ the year's target × 100 (2 decimals); blank without a target or over a zero."""
    assert column.target_format is not None and column.target_column is not None
    done = cells_by_basis.get(UPTO, {}).get(column.of)
    target = cells_by_basis.get(target_basis(column.target_format), {}).get(column.target_column)
    if done is None or target is None or Decimal(target) == 0:
        return None
    return quantize(Decimal(done) * 100 / Decimal(target), "percent")
