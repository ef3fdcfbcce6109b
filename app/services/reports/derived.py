"""Derived columns, computed at report time from the aggregated bases (never stored).

A report works on four *bases*, each a full set of cells per row recomputed with the
format's own formulas from summed inputs: the month, up to the month (April..M), the
same month last year and up to that month last year. Derived columns pick from them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.definitions.expressions import quantize
from app.definitions.schema import DerivedDef

MONTH, UPTO, PREV, PREV_UPTO = "month", "upto", "prev", "prev_upto"
BASIS_OF_KIND = {"upto": UPTO, "prev_year": PREV, "prev_upto": PREV_UPTO}
GROWTH_BASES = {
    "growth": (MONTH, PREV),
    "growth_pct": (MONTH, PREV),
    "growth_upto": (UPTO, PREV_UPTO),
    "growth_upto_pct": (UPTO, PREV_UPTO),
}
CUMULATIVE_KINDS = frozenset({"upto", "prev_upto", "growth_upto", "growth_upto_pct"})


def bases_needed(derived: tuple[DerivedDef, ...]) -> set[str]:
    """Which bases a format's derived columns read (the month is always read)."""
    needed = {MONTH}
    for column in derived:
        if column.kind in BASIS_OF_KIND:
            needed.add(BASIS_OF_KIND[column.kind])
        else:
            needed.update(GROWTH_BASES[column.kind])
    return needed


def derived_value(column: DerivedDef, cells_by_basis: dict[str, dict[str, Any]]) -> Any:
    """One derived cell from the row's cells on each basis; None when an input is missing."""
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
