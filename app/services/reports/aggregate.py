"""Aggregation in SQL: one GROUP BY per generated format table, for every month a report needs.

The query joins the format's table to its returns (status on the report's basis; the
cells in the table are the revision in force, replaced ones live in
mpr_return_revision) and to the organisation (office -> Zone), and sums every entered
and carried number per (month, row[, child unit]). The months of the financial year
up to the report month, and the same months a year earlier, come in the same query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select

from app.definitions.months import Month
from app.definitions.schema import TOTAL_ROW_KEY, ColumnDef, FormatDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn
from app.services.engine import catalogue

FREE_ROWS_KEY = TOTAL_ROW_KEY  # free-row formats aggregate to one row: every case counted and summed
Sums = dict[str, Any]
# (month, child id or None, row key) -> {column code: sum, "_rows": number of rows}
Aggregates = dict[tuple[Month, int | None, str], Sums]


def summed_columns(fmt: FormatDef) -> tuple[ColumnDef, ...]:
    """Columns summed over offices: entered, fed and carried counts and amounts (never percents or text)."""
    summed = ("entered", "fed", "carried")
    return tuple(c for c in fmt.columns if c.type in ("count", "amount") and c.role in summed)


@dataclass(frozen=True)
class Source:
    """One format table and the months read from it (a replaced format supplies its own months)."""

    fmt: FormatDef
    months: tuple[Month, ...]


def version_for(fmt: FormatDef, month: Month) -> FormatDef:
    """The format filed for `month`: `fmt`, or the one it replaced when `fmt` was not yet in force."""
    if fmt.in_force(month) or not fmt.replaces:
        return fmt
    predecessor = catalogue.definitions().formats.get(fmt.replaces)
    return predecessor if predecessor is not None and predecessor.in_force(month) else fmt


def sources(fmt: FormatDef, months: Iterable[Month]) -> list[Source]:
    """For each month, the format in force then: `fmt`, or the format it replaced."""
    predecessor = catalogue.definitions().formats.get(fmt.replaces) if fmt.replaces else None
    own, earlier = [], []
    for month in sorted(set(months)):
        if fmt.in_force(fmt.reported_in(month)):
            own.append(month)
        elif predecessor is not None and predecessor.in_force(predecessor.reported_in(month)):
            earlier.append(month)
    found = [Source(fmt, tuple(own))] if own else []
    if earlier:
        found.append(Source(predecessor, tuple(earlier)))
    return found


@dataclass(frozen=True)
class Collapse:
    """Rows summed into one in SQL (a total row whose members are all plain data rows)."""

    key: str  # the total row's key, under which the sums are found
    members: tuple[str, ...]


def aggregate(
    source: Source,
    scope: ColumnElement[bool],
    statuses: tuple[str, ...],
    child=None,
    collapse: Collapse | None = None,
) -> Aggregates:
    """Sums per (month, child, row) of one table: ONE query whatever the number of offices.

    Months are the figures' months: a lagging format's figures for F are read from its returns
    keyed F + lag. With `collapse`, its member rows are summed into the one row `collapse.key`."""
    fmt = source.fmt
    table = catalogue.table_of(fmt)
    columns = summed_columns(fmt)
    by_row = fmt.rows.kind != "free" and collapse is None
    keys = [MprReturn.period] + ([table.c.row_key] if by_row else []) + ([child] if child is not None else [])
    sums = (func.sum(table.c[c.db_name]).label(c.code) for c in columns)
    labelled = [MprReturn.period.label("period")]
    labelled += [table.c.row_key.label("row_key")] if by_row else []
    labelled += [child.label("child")] if child is not None else []
    only_members = [table.c.row_key.in_(collapse.members)] if collapse is not None else []
    query = (
        select(*labelled, func.count().label("_rows"), *sums)
        .select_from(table)
        .join(MprReturn, MprReturn.id == table.c.return_id)
        .join(Office, Office.id == MprReturn.office_id)
        .where(
            MprReturn.format_code == fmt.code,
            MprReturn.period.in_([fmt.reported_in(m).first_day for m in source.months]),
            MprReturn.status.in_(statuses),
            scope,
            *only_members,
        )
        .group_by(*keys)
    )
    whole = [c.code for c in columns if c.type == "count"]
    found: Aggregates = {}
    for record in db.session.execute(query).mappings():
        month = fmt.figures_month(Month.of(record["period"]))
        cells = {c.code: record[c.code] for c in columns}
        for code in whole:
            cells[code] = _typed_count(cells[code])
        cells["_rows"] = record["_rows"]
        key = record["row_key"] if by_row else (collapse.key if collapse is not None else FREE_ROWS_KEY)
        found[(month, record["child"] if child is not None else None, key)] = cells
    return found


def rolled_up(per_child: Aggregates) -> Aggregates:
    """The children's sums added up per (month, row): the unit's own aggregates, with no second query.

    Exact because every office in scope falls under one child (the child key is a column of the
    office), counts are integers and amounts are Decimals; a column no child has stays None.
    """
    found: Aggregates = {}
    for (month, _child, key), sums in per_child.items():
        target = found.setdefault((month, None, key), dict.fromkeys(sums))
        for code, value in sums.items():
            if value is not None:
                target[code] = value if target[code] is None else target[code] + value
    return found


def _typed_count(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class OfficeState:
    """One office expected in the report: whether its return is included and amended."""

    id: int
    code: str
    name: str
    parent_id: int | None
    included: bool
    amended: bool


def office_states(
    fmt_codes: tuple[str, ...],
    month: Month,
    months: tuple[Month, ...],
    scope: ColumnElement[bool],
    statuses: tuple[str, ...],
    lag: int = 0,
) -> list[OfficeState]:
    """Every office expected for figures month `month`: included or missing, amended or not (one
    query); a lagging format's figures of F are in its returns keyed F + lag."""
    included = exists().where(
        MprReturn.office_id == Office.id,
        MprReturn.format_code.in_(fmt_codes),
        MprReturn.period == month.shift(lag).first_day,
        MprReturn.status.in_(statuses),
    )
    amended = exists().where(
        and_(
            MprReturn.office_id == Office.id,
            MprReturn.format_code.in_(fmt_codes),
            MprReturn.period.in_([m.shift(lag).first_day for m in months]),
            MprReturn.status.in_(statuses),
            MprReturn.amended.is_(True),
        )
    )
    query = (
        select(
            Office.id, Office.code, Office.name, Office.parent_id, included.label("inc"), amended.label("amd")
        )
        .where(scope)
        .order_by(Office.path)
    )
    return [
        OfficeState(r.id, r.code, r.name, r.parent_id, bool(r.inc), bool(r.amd))
        for r in db.session.execute(query)
    ]


def unit_names(ids: tuple[int, ...]) -> dict[int, tuple[str, str]]:
    """{office id: (code, name)} of the child units named by id (one query)."""
    if not ids:
        return {}
    query = select(Office.id, Office.code, Office.name).where(Office.id.in_(ids))
    return {r.id: (r.code, r.name) for r in db.session.execute(query)}
