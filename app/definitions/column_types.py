"""The one registry of column types: how each type is stored, checked, shown and exported.

Pure Python (no Flask, no SQLAlchemy). Every layer asks this registry instead of naming
types itself: the loader (which options a type takes, which it needs, default bounds),
formulas (decimal places), calculation (whole numbers, what totals add up), the generated
tables (storage and the magnitudes it holds), JSON (cells out and back in), the grid
(display, input widget). Parsing typed text stays in `app.services.engine.cell_input`
(numbers or not, places, widgets: this registry). The grid's scripts receive the registry
with the number grammar (mpr-number.js, mpr-grid.js); only mpr-formula.js, which also runs
alone in Node for the parity tests, keeps a copy of the places, checked against this registry
by tests/unit/test_column_types.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Storage:
    """How cells are stored: integer, decimal(precision, scale), date or string(length)."""

    kind: str  # 'integer' | 'decimal' | 'date' | 'string'
    precision: int = 0
    scale: int = 0
    length_from: str | None = None  # string length: 'choices' (the longest) or 'max_length'

    @property
    def magnitude_limit(self) -> Decimal | None:
        """The exclusive magnitude limit of the numbers it holds (None for dates and strings)."""
        if self.kind == "integer":
            return Decimal(2) ** 63  # a BIGINT
        if self.kind == "decimal":
            return Decimal(10) ** (self.precision - self.scale)
        return None


@dataclass(frozen=True)
class ColumnType:
    """Everything the MIS knows about one column type."""

    name: str
    numeric: bool
    places: int | None = None  # decimal places stored and shown (numbers only)
    summed: bool = False  # total rows add it up
    default_min_zero: bool = False  # an entered column without `min` gets min 0
    options: frozenset[str] = frozenset()  # type-specific definition keys it accepts
    needs: str | None = None  # a key it cannot do without
    storage: Storage = Storage("string")
    input_mode: str = "text"  # the grid's inputmode (a select or date picker ignores it)
    widget: str = "text"  # 'text' | 'date' | 'select'

    @property
    def storable_below(self) -> Decimal | None:
        """The exclusive magnitude limit of the storage (None when it holds no numbers)."""
        return self.storage.magnitude_limit

    @property
    def whole(self) -> bool:
        """Whole numbers only (held as int, not Decimal)."""
        return self.numeric and self.places == 0

    def number(self, value: Decimal) -> int | Decimal:
        """A number as this type holds it: int for whole numbers, Decimal otherwise."""
        return int(value) if self.whole else value

    def display(self, value: Any) -> str:
        """A cell as shown in the grid and in print; blanks empty."""
        if value is None:
            return ""
        if self.numeric and not self.whole:
            return f"{Decimal(str(value)):.{self.places}f}"
        return str(value)

    def to_json(self, value: Any) -> Any:
        """A cell as JSON: whole numbers as numbers, decimals as fixed-place strings, dates ISO."""
        if value is None:
            return None
        if self.whole:
            return int(value)
        if isinstance(value, Decimal):
            return f"{value:.{self.places if self.places is not None else 2}f}"
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def from_json(self, value: Any) -> Any:
        """A cell read back from JSON as the type the engine computes with."""
        if value is None:
            return None
        if self.numeric:
            return int(value) if self.whole else Decimal(str(value))
        if self.storage.kind == "date":
            return dt.date.fromisoformat(value) if value else value
        return value


_NUMBER_OPTIONS = frozenset({"min", "max"})


def _number_type(name: str, storage: Storage, *, summed: bool, default_min_zero: bool) -> ColumnType:
    """A number type bounded by min/max, showing the places its storage keeps."""
    return ColumnType(
        name,
        numeric=True,
        places=storage.scale,
        summed=summed,
        default_min_zero=default_min_zero,
        options=_NUMBER_OPTIONS,
        storage=storage,
        input_mode="numeric" if storage.scale == 0 else "decimal",
    )


_TYPES = (
    _number_type("count", Storage("integer"), summed=True, default_min_zero=True),
    _number_type("amount", Storage("decimal", 18, 2), summed=True, default_min_zero=True),
    _number_type("percent", Storage("decimal", 12, 2), summed=False, default_min_zero=False),
    ColumnType(
        "text",
        numeric=False,
        options=frozenset({"max_length", "pattern"}),
        needs="max_length",
        storage=Storage("string", length_from="max_length"),
    ),
    ColumnType("date", numeric=False, options=frozenset({"future"}), storage=Storage("date"), widget="date"),
    ColumnType(
        "choice",
        numeric=False,
        options=frozenset({"choices"}),
        needs="choices",
        storage=Storage("string", length_from="choices"),
        widget="select",
    ),
)
COLUMN_TYPES: Mapping[str, ColumnType] = MappingProxyType({t.name: t for t in _TYPES})
TYPE_NAMES = frozenset(COLUMN_TYPES)
NUMERIC_TYPE_NAMES = frozenset(name for name, t in COLUMN_TYPES.items() if t.numeric)
TYPE_OPTIONS = frozenset(option for t in _TYPES for option in t.options)


def column_type(name: str) -> ColumnType:
    """The registered type called `name` (KeyError for an unknown name)."""
    return COLUMN_TYPES[name]


def types_taking(option: str) -> frozenset[str]:
    """The names of the types that accept a type-specific definition key."""
    return frozenset(name for name, t in COLUMN_TYPES.items() if option in t.options)


__all__ = [
    "COLUMN_TYPES",
    "NUMERIC_TYPE_NAMES",
    "TYPE_NAMES",
    "TYPE_OPTIONS",
    "ColumnType",
    "Storage",
    "column_type",
    "types_taking",
]
