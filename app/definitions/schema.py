"""Validated, immutable objects that describe parts, owners and formats.

Pure Python: nothing here imports Flask or SQLAlchemy. The loader builds these from
mpr_definitions.yaml; every other layer reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property, lru_cache
from graphlib import TopologicalSorter
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
CROSSINGS = frozenset({"row", "column"})  # which formula holds where a computed row meets a computed column
SHOW_REPORT, SHOW_ENTRY = "report", "entry"  # `show:` of a computed column: reports only / grid only
SET_BY_OWNER = "owner"  # `set_by: owner`: the owner directorate sets the returns (annual targets)
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


class SourceDef(CodeTitle):
    """Another departmental system that feeds cells through the API (e.g. GSTN)."""


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
    fed: str | None = None  # the code of the source that feeds this column (sources:)
    show: str | None = None  # computed columns only: SHOW_REPORT or SHOW_ENTRY; None shows it in both
    line: int = 0
    functions: tuple[str, ...] = ()  # the commissionerate functions that fill it; empty: all of the format's

    @property
    def role(self) -> str:
        """'carried', 'computed', 'fed' (written only by its source's system) or 'entered'."""
        if self.carry:
            return "carried"
        if self.formula is not None:
            return "computed"
        if self.fed is not None:
            return "fed"
        return "entered"

    @property
    def is_input(self) -> bool:
        """Whether the cell's value is given (entered by the office or fed by a system), not derived."""
        return self.role in ("entered", "fed")

    @property
    def on_entry_grid(self) -> bool:
        """Whether the return's grid (page, API, Excel template) shows the column."""
        return self.show != SHOW_REPORT

    @property
    def in_reports(self) -> bool:
        """Whether reports (pages, print, workbooks, the report API) show the column."""
        return self.show != SHOW_ENTRY

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

    def filled_by_function(self, function: str | None) -> bool:
        """Whether an office of this commissionerate function fills it (None: not a commissionerate: yes)."""
        return not self.functions or function is None or function in self.functions


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
    formula: "Expression | None" = None  # computed row: a formula over other row keys, per column
    carry: str | None = None  # carried row: last month's cells of the named row
    crossing: str | None = None  # 'row' or 'column': which formula holds at a computed column
    line: int = field(default=0, compare=False)
    path: str = field(default="", compare=False)  # where the row stood in the file
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    fed: str | None = None  # fixed rows: the source that feeds the row's entered cells

    def in_force(self, month: Month) -> bool:
        """Whether the row appears in `month`."""
        return in_force(month, self.valid_from, self.valid_until)

    @property
    def role(self) -> str:
        """'total', 'computed', 'carried' or 'entered'."""
        if self.is_total:
            return "total"
        if self.formula is not None:
            return "computed"
        return "carried" if self.carry else "entered"


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
    groups: str = "above"  # row groups' labels: 'above' (a heading row) or 'beside' (spanning their rows)

    @cached_property
    def _by_key(self) -> Mapping[str, RowDef]:
        return MappingProxyType({row.key: row for row in self.rows})

    def row(self, key: str) -> RowDef | None:
        """The defined row with this key (None for master and free rows, and unknown keys)."""
        return self._by_key.get(key)

    @property
    def computed(self) -> tuple[RowDef, ...]:
        """The computed rows, each after the computed rows it reads."""
        found = {row.key: row for row in self.rows if row.formula is not None}
        graph = {key: {n for n in row.formula.names if n in found} for key, row in found.items()}
        return tuple(found[key] for key in TopologicalSorter(graph).static_order())


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
class CellRef:
    """One cell of a format's return: its row key (TOTAL, a data row or `_`) and column code."""

    format: str
    row: str
    column: str


COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class CrossCheckDef:
    """A comparison of a cell of this format with a cell of another format, same office and month."""

    code: str
    left: CellRef  # a cell of the format that declares the check
    op: str  # one of COMPARISONS
    right: CellRef  # a cell of the format it reads
    message: str
    valid_from: Month | None = None
    valid_until: Month | None = None
    line: int = 0

    def in_force(self, month: Month) -> bool:
        """Whether the check applies to `month`."""
        return in_force(month, self.valid_from, self.valid_until)

    def side_of(self, format_code: str) -> tuple[CellRef, CellRef]:
        """(the cell in `format_code`, the cell in the other format)."""
        if self.left.format == format_code:
            return self.left, self.right
        return self.right, self.left


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
    cross_checks: tuple[CrossCheckDef, ...] = ()  # declared here, reading other formats
    valid_from: Month | None = None
    valid_until: Month | None = None
    replaces: str | None = None
    replaced_by: str | None = None
    note: str | None = None
    period: str = MONTHLY  # "month", or "year": one return per financial year, keyed by its April
    lag: int = 0  # the return for month M carries the figures of month M - lag
    line: int = 0
    set_by: str | None = None  # SET_BY_OWNER: the owner sets each office's return (targets); None: filed

    @property
    def set_by_owner(self) -> bool:
        """Whether the owner directorate sets this format's returns for the offices (`set_by: owner`)."""
        return self.set_by == SET_BY_OWNER

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

    def keyed_in(self, month: Month) -> bool:
        """Whether a return of this format is keyed by `month` (an annual format: its year's April)
        and the format is in force then."""
        return (not self.annual or month.month == 4) and self.in_force(month)

    def filed_in_cycle(self, month: Month) -> bool:
        """Whether a return of this format is expected from the offices in month `month`'s cycle (an
        annual format in its year's April cycle only); never for a format the owner sets (targets)."""
        return self.keyed_in(month) and not self.set_by_owner

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

    def as_filled_by(self, function: str | None) -> "FormatDef":
        """The format as an office of this commissionerate function fills it: the columns limited to other
        functions left out, and the checks that read them (None: not a commissionerate, every column)."""
        if function is None or not any(column.functions for column in self.columns):
            return self
        return _filled_by(self, function)

    def entry_columns_in_force(self, month: Month) -> tuple[ColumnDef, ...]:
        """Columns the entry grid shows for `month` (report-only computed columns left out)."""
        return tuple(c for c in self.columns_in_force(month) if c.on_entry_grid)

    def fed_columns_in_force(self, month: Month, source: str | None = None) -> tuple[ColumnDef, ...]:
        """Columns fed by a system for `month` (only those of `source`, if given)."""
        return tuple(c for c in self.columns_in_force(month) if c.fed is not None and source in (None, c.fed))

    def fed_rows_in_force(self, month: Month, source: str | None = None) -> tuple[RowDef, ...]:
        """Fixed rows whose entered cells a system feeds for `month` (only `source`'s, if given)."""
        if not any(c.role == "entered" for c in self.columns_in_force(month)):
            return ()
        return tuple(r for r in self.rows_in_force(month) if r.fed is not None and source in (None, r.fed))

    def sources_in_force(self, month: Month) -> tuple[str, ...]:
        """The codes of the sources that feed this format for `month`: by column, then by row."""
        by_column = [c.fed for c in self.fed_columns_in_force(month) if c.fed]
        return tuple(dict.fromkeys([*by_column, *(r.fed for r in self.fed_rows_in_force(month) if r.fed)]))

    def fed_source(self, row_key: str, column: ColumnDef) -> str | None:
        """The source that feeds one cell: its column's, else (an entered column) its fixed row's."""
        if column.fed is not None or column.role != "entered":
            return column.fed
        return self.row_source(row_key)

    def row_source(self, row_key: str) -> str | None:
        """The source that feeds a fixed row's entered cells, if any."""
        return next((r.fed for r in self.rows.rows if r.key == row_key and r.fed is not None), None)

    @property
    def fed_row_keys(self) -> frozenset[str]:
        """The keys of the fixed rows fed by a source (any month)."""
        return frozenset(r.key for r in self.rows.rows if r.fed is not None)

    @property
    def has_carry(self) -> bool:
        """Whether any column or row is carried from the previous month."""
        return any(c.carry for c in self.columns) or any(r.carry for r in self.rows.rows)

    def row_role(self, key: str) -> str:
        """The role of a row by key: 'entered' for master and free rows and unknown keys."""
        row = self.rows.row(key)
        return row.role if row is not None else "entered"

    def cell_role(self, row_key: str, column: ColumnDef) -> str:
        """'computed', 'carried', 'fed' or 'entered' for one cell: a computed row or column computes it,
        else a carried row or column carries it (the loader refuses a carried row crossing a
        carried column, so the two never meet)."""
        row_role = self.row_role(row_key)
        if "computed" in (row_role, column.role):
            return "computed"
        if "carried" in (row_role, column.role):
            return "carried"
        return "fed" if column.role == "fed" else "entered"

    def carried_from(self, row_key: str, column: ColumnDef) -> tuple[str, str] | None:
        """(row key, column code) of last month's cell this cell takes, or None if not carried."""
        row = self.rows.row(row_key)
        if row is not None and row.formula is not None:
            return None  # a computed row computes every cell, its openings too
        if column.carry:
            return row_key, column.carry
        if row is not None and row.carry and column.role != "computed":
            return row.carry, column.code
        return None

    def crossing(self, row: RowDef, column: ColumnDef) -> str:
        """Which formula holds where computed row `row` meets computed column `column`.

        The row's `crossing:` when given; otherwise the column's formula (the loader accepts
        no `crossing:` only when both formulas are linear, where the two give the same)."""
        return row.crossing or "column"


@lru_cache(maxsize=256)
def _filled_by(fmt: FormatDef, function: str) -> FormatDef:
    columns = tuple(column for column in fmt.columns if column.filled_by_function(function))
    codes = {column.code for column in columns}
    checks = tuple(check for check in fmt.checks if check.rule.names <= codes)
    return replace(fmt, columns=columns, checks=checks)


@dataclass(frozen=True)
class RatioDef:
    """A ratio column of a Monthly Summary Report: a formula over the summary's own columns."""

    code: str
    label: str
    formula: "Expression"
    line: int = 0


@dataclass(frozen=True)
class SummaryDef:
    """A Monthly Summary Report: one format's row per Zone, ranked by a key measure, all-India last."""

    code: str
    title: str
    format: str
    columns: tuple[str, ...]  # column and derived-column codes of the format, in the order shown
    key: str  # the key measure: one of `columns` or of the ratios
    order: str  # 'desc' (largest first) or 'asc'
    row: str  # the format's row a Zone's line shows (its total row by default)
    ratios: tuple[RatioDef, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class IndicatorDef:
    """A dashboard indicator: one cell of a format's report (a row and a column) for each month."""

    code: str
    title: str
    format: str
    row: str  # the format's row read (its total row by default)
    column: str  # an entered, computed or derived column of the format
    unit: str  # 'lakh' | 'crore' (the format's unit, amounts) | 'count' | 'percent'
    compare: tuple[str, ...] = ()  # columns shown beside the figure (last year, target, ...)
    order: str = "desc"  # the Zone ranking: 'desc' (largest first) or 'asc'
    line: int = 0


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
    summaries: Mapping[str, SummaryDef] = field(default_factory=lambda: MappingProxyType({}))
    sources: Mapping[str, SourceDef] = field(default_factory=lambda: MappingProxyType({}))
    dashboard: Mapping[str, IndicatorDef] = field(default_factory=lambda: MappingProxyType({}))
    scorecards: Mapping[str, "ScorecardDef"] = field(default_factory=lambda: MappingProxyType({}))

    def format(self, code: str) -> FormatDef:
        """The format with this code (KeyError if absent)."""
        return self.formats[code]

    def formats_of_owner(self, owner: str) -> tuple[FormatDef, ...]:
        """All formats owned by one Functional Owner."""
        return tuple(f for f in self.formats.values() if f.owner == owner)

    def formats_in_force(self, month: Month) -> tuple[FormatDef, ...]:
        """Formats filed for `month`."""
        return tuple(f for f in self.formats.values() if f.in_force(month))

    def cross_checks_of(self, code: str, month: Month) -> tuple[CrossCheckDef, ...]:
        """The cross-format checks in force for `month` that declare or read format `code`."""
        return tuple(
            check
            for fmt in self.formats.values()
            for check in fmt.cross_checks
            if code in (check.left.format, check.right.format) and check.in_force(month)
        )


# ----------------------------------------------------------------- scorecards (loader_scorecards.py)

BOARD_OWNER = "BOARD"  # a scorecard's `owner:` when it is the Board's, not a directorate's
GRADE_RULES = ("rank", "target", "bands")
HIGHER, LOWER = "higher", "lower"
MONTH_BASIS, UPTO_BASIS = "month", "upto"


@dataclass(frozen=True)
class FigureDef:
    """Where an indicator's figure comes from: a column of its format, or a formula over its columns."""

    column: str | None = None
    formula: "Expression | None" = None
    source: str = ""  # the column code or the formula as written

    @property
    def names(self) -> tuple[str, ...]:
        """The column codes the figure reads."""
        return (self.column,) if self.column else tuple(self.formula.names_in_order if self.formula else ())


@dataclass(frozen=True)
class GradeRule:
    """How a figure becomes a grade from 1 to 10.

    rank: among the peers, best 10, worst 1, linear in the rank between (equal figures share a rank);
    target: achievement = figure / target x 100 (target / figure for lower-is-better), grade =
    achievement / 10 kept within 1..10; bands: (threshold, grade) best first, `otherwise` below them.
    """

    rule: str
    target: Decimal = Decimal(100)
    bands: tuple[tuple[Decimal, Decimal], ...] = ()
    otherwise: Decimal = Decimal(1)


@dataclass(frozen=True)
class ScoreIndicatorDef:
    """One graded figure: a format's row and column (or formula), its better direction and rule."""

    code: str
    label: str
    format: str
    row: str
    month: FigureDef  # the figure on the "for the month" basis
    upto: FigureDef  # on the "up to the month" basis (the same figure when not declared)
    better: str  # higher | lower
    grade: GradeRule
    line: int = 0

    def figure(self, basis: str) -> FigureDef:
        """The figure read on `basis` (month or upto)."""
        return self.upto if basis == UPTO_BASIS else self.month


@dataclass(frozen=True)
class IndicatorGroupDef:
    """A group of indicators with its weight (the weights of a scorecard add up to 100)."""

    code: str
    title: str
    weight: int
    indicators: tuple[ScoreIndicatorDef, ...]


@dataclass(frozen=True)
class ScorecardDef:
    """A scorecard: groups of graded indicators; a formation's grade is the weighted sum of group means."""

    code: str
    title: str
    owner: str  # a Functional Owner's code, or BOARD_OWNER
    groups: tuple[IndicatorGroupDef, ...]
    line: int = 0

    @property
    def indicators(self) -> tuple[ScoreIndicatorDef, ...]:
        """Every indicator, group by group."""
        return tuple(i for group in self.groups for i in group.indicators)

    @property
    def boards(self) -> bool:
        """Whether the scorecard is the Board's (read by the Board alone)."""
        return self.owner == BOARD_OWNER
