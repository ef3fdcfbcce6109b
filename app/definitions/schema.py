"""Validated, immutable objects that describe parts, owners and formats.

Pure Python: nothing here imports Flask or SQLAlchemy. The loader builds these from
mpr_definitions.yaml; every other layer reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from .column_types import COLUMN_TYPES as TYPE_REGISTRY
from .column_types import NUMERIC_TYPE_NAMES, TYPE_NAMES, ColumnType
from .months import Month, in_force

if TYPE_CHECKING:  # pragma: no cover
    from .expressions import Expression

NUMERIC_TYPES = NUMERIC_TYPE_NAMES  # the names; everything else about a type: column_types
COLUMN_TYPES = TYPE_NAMES


def N_(text: str) -> str:
    """Mark a text for extraction (pybabel -k N_) without translating it: pages translate it when shown."""
    return text


UNITS = {"lakh": N_("Rs. lakh"), "crore": N_("Rs. crore"), "count": N_("Numbers")}
SEGMENTS = frozenset({"CUS", "CE", "ST", "GST"})
FILLING_KINDS = frozenset({"commissionerate", "dg_unit"})
FUNCTIONS = frozenset({"executive", "audit", "ltu", "appeals"})
DERIVED_KINDS = frozenset(
    {"upto", "prev_year", "prev_upto", "growth", "growth_pct", "growth_upto", "growth_upto_pct", "target_pct"}
)
# derived kinds that add months up (April..M): meaningless over a balance, and on an annual format
CUMULATIVE_KINDS = frozenset({"upto", "prev_upto", "growth_upto", "growth_upto_pct", "target_pct"})
MONTHLY, ANNUAL = "month", "year"
PERIODS = (MONTHLY, ANNUAL)
ROW_KINDS = frozenset({"single", "fixed", "master", "product", "free"})
SINGLE_ROW_KEY = "_"
TOTAL_ROW_KEY = "TOTAL"


def slug(code: str) -> str:
    """Lower-case identifier form of a format code: 'DPM-GST-ADJ-2' -> 'dpm_gst_adj_2'."""
    return re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")


@dataclass(frozen=True)
class CodeTitle:
    """An entry of one of the file's code lists (parts, owners, masters): a code and a title."""

    code: str
    title: str


class PartDef(CodeTitle):
    """A report group such as 'Part-I Revenue'."""


class OwnerDef(CodeTitle):
    """A Functional Owner (directorate) that owns a set of formats."""


class MasterDef(CodeTitle):
    """A master list whose items are kept as data, not in the YAML."""


@dataclass(frozen=True)
class ColumnDef:
    """One leaf column of a format grid."""

    code: str
    label: str
    type: str
    number: int  # printed column number, 1..n across the whole format (all versions)
    group_path: tuple[str, ...] = ()
    carry: str | None = None
    formula: "Expression | None" = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    allow_future: bool = False
    valid_from: Month | None = None
    valid_until: Month | None = None
    line: int = 0

    @property
    def role(self) -> str:
        """'carried', 'computed' or 'entered'."""
        if self.carry:
            return "carried"
        if self.formula is not None:
            return "computed"
        return "entered"

    @property
    def kind(self) -> ColumnType | None:
        """The registered type of the column (None only while the loader reports a bad type)."""
        return TYPE_REGISTRY.get(self.type)

    @property
    def is_numeric(self) -> bool:
        """Whether the column holds a number (count, amount or percent)."""
        return self.kind is not None and self.kind.numeric

    @property
    def db_name(self) -> str:
        """The column name in the format's table."""
        return self.code.lower()

    @property
    def decimals(self) -> int:
        """Decimal places shown and stored."""
        return self.kind.places if self.kind is not None and self.kind.places is not None else 2

    def in_force(self, month: Month) -> bool:
        """Whether the column appears in `month`."""
        return in_force(month, self.valid_from, self.valid_until)


@dataclass(frozen=True)
class RowDef:
    """One row of a fixed, product or single-row format (also total rows)."""

    key: str
    label: str
    group: str | None = None
    is_total: bool = False
    members: tuple[str, ...] = ()  # for total rows: the data row keys summed
    valid_from: Month | None = None
    valid_until: Month | None = None

    def in_force(self, month: Month) -> bool:
        """Whether the row appears in `month`."""
        return in_force(month, self.valid_from, self.valid_until)


@dataclass(frozen=True)
class RowSpec:
    """How a format's rows are formed."""

    kind: str  # one of ROW_KINDS
    rows: tuple[RowDef, ...] = ()  # single/fixed/product: data rows then totals
    master: str | None = None
    total_label: str | None = None
    subtotals: bool = False
    free_max: int | None = None
    free_label: str = "Row"


@dataclass(frozen=True)
class DerivedDef:
    """A column computed only at report time (up to the month, previous year, growth)."""

    code: str
    label: str
    kind: str
    of: str
    target_format: str | None = None  # target_pct: the annual format holding the target
    target_column: str | None = None  # target_pct: its column read as the target


@dataclass(frozen=True)
class CheckDef:
    """A rule across cells with the message shown when it fails."""

    code: str
    rule: "Expression"
    message: str
    cells: tuple[str, ...]
    scope: str = "row"  # 'row' or 'total'
    line: int = 0


@dataclass(frozen=True)
class FormatDef:
    """One Monthly Performance Report format."""

    code: str
    title: str
    part: str
    owner: str
    segment: str
    unit: str
    filled_by: tuple[str, ...]
    rows: RowSpec
    columns: tuple[ColumnDef, ...]
    functions: tuple[str, ...] = ()
    derived: tuple[DerivedDef, ...] = ()
    checks: tuple[CheckDef, ...] = ()
    valid_from: Month | None = None
    valid_until: Month | None = None
    replaces: str | None = None
    replaced_by: str | None = None
    note: str | None = None
    period: str = MONTHLY  # "month", or "year": one return per financial year, keyed by its April
    lag: int = 0  # the return for month M carries the figures of month M - lag
    line: int = 0

    def __hash__(self) -> int:
        """By code and line: equal formats hash alike, and caches keyed by a format stay cheap."""
        return hash((self.code, self.line, self.valid_from))

    @property
    def slug(self) -> str:
        """Identifier form of the code."""
        return slug(self.code)

    @property
    def table_name(self) -> str:
        """The generated table holding this format's cells."""
        return f"mpr_{self.slug}"

    @property
    def permission_name(self) -> str:
        """FAB view-menu name guarding this format."""
        return f"MPR {self.code}"

    @property
    def unit_label(self) -> str:
        """The unit as printed on the form."""
        return UNITS[self.unit]

    def in_force(self, month: Month) -> bool:
        """Whether the format is filed for `month`."""
        return in_force(month, self.valid_from, self.valid_until)

    @property
    def annual(self) -> bool:
        """Whether one return is filed per financial year (`period: year`)."""
        return self.period == ANNUAL

    def return_month(self, month: Month) -> Month:
        """The month a return covering `month` is keyed by: April of its financial year for an
        annual format, the month itself otherwise."""
        return month.fy_start if self.annual else month

    def filed_in_cycle(self, month: Month) -> bool:
        """Whether a return of this format is expected in month `month`'s cycle (an annual
        format in its year's April cycle only) and the format is in force then."""
        return (not self.annual or month.month == 4) and self.in_force(month)

    def figures_month(self, month: Month) -> Month:
        """The month whose figures the return keyed `month` carries (M - lag)."""
        return month.shift(-self.lag)

    def reported_in(self, figures: Month) -> Month:
        """The month of the return that carries the figures of month `figures` (F + lag)."""
        return figures.shift(self.lag)

    def column(self, code: str) -> ColumnDef:
        """The column with this code (KeyError if absent)."""
        for column in self.columns:
            if column.code == code:
                return column
        raise KeyError(code)

    def columns_in_force(self, month: Month) -> tuple[ColumnDef, ...]:
        """Columns shown for `month`, in printed order."""
        return tuple(c for c in self.columns if c.in_force(month))

    def rows_in_force(self, month: Month) -> tuple[RowDef, ...]:
        """Fixed/product/single rows (with totals) shown for `month`; empty for master/free."""
        return tuple(r for r in self.rows.rows if r.in_force(month))

    @property
    def has_carry(self) -> bool:
        """Whether any column is carried from the previous month."""
        return any(c.carry for c in self.columns)


@dataclass(frozen=True)
class DefinitionSet:
    """Everything in mpr_definitions.yaml, validated."""

    parts: Mapping[str, PartDef]
    owners: Mapping[str, OwnerDef]
    masters: Mapping[str, MasterDef]
    formats: Mapping[str, FormatDef]
    source: str = "mpr_definitions.yaml"
    digest: str = ""
    dimensions: Mapping[str, tuple[RowDef, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def format(self, code: str) -> FormatDef:
        """The format with this code (KeyError if absent)."""
        return self.formats[code]

    def formats_of_owner(self, owner: str) -> tuple[FormatDef, ...]:
        """All formats owned by one Functional Owner."""
        return tuple(f for f in self.formats.values() if f.owner == owner)

    def formats_in_force(self, month: Month) -> tuple[FormatDef, ...]:
        """Formats filed for `month`."""
        return tuple(f for f in self.formats.values() if f.in_force(month))
