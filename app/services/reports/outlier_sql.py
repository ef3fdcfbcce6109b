"""Peer limits and outliers in SQL: medians and median absolute deviations by window functions.

Works on SQLite and PostgreSQL alike: a median is the mean of the one or two middle values
found with ROW_NUMBER() and COUNT() over the group; the MAD is the median of the absolute
deviations from it. The cells of a format table are turned into (row, column, value) lines
by a CASE over a small list of column codes, so the table is scanned once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import CTE

from app.definitions.months import Month
from app.definitions.schema import ColumnDef, FormatDef
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.services.engine import catalogue

HANDED_IN = (ReturnStatus.SUBMITTED.value, ReturnStatus.VALIDATED.value)  # drafts never count
OWN_KEYS = ("office_id", "row_key", "col")


@dataclass(frozen=True)
class Settings:
    """The thresholds (config.py MPR_OUTLIER_*)."""

    k: float = 5.0
    peer_k: float = 5.0
    window: int = 12
    min_months: int = 6
    min_peers: int = 4
    mad_floor: float = 0.05
    min_spread: float = 1.0
    min_ratio: float = 1.0  # a flagged figure is also >= this x the median, or <= median / this
    peer_window: int = 3  # the peers' months: this many up to the month itself

    @classmethod
    def from_config(cls, config) -> "Settings":
        """The thresholds of a Flask configuration."""
        return cls(
            float(config["MPR_OUTLIER_K"]),
            float(config["MPR_OUTLIER_PEER_K"]),
            int(config["MPR_OUTLIER_WINDOW_MONTHS"]),
            int(config["MPR_OUTLIER_MIN_MONTHS"]),
            int(config["MPR_OUTLIER_MIN_PEERS"]),
            float(config["MPR_OUTLIER_MAD_FLOOR"]),
            float(config["MPR_OUTLIER_MIN_SPREAD"]),
            float(config["MPR_OUTLIER_MIN_RATIO"]),
            int(config["MPR_OUTLIER_PEER_MONTHS"]),
        )

    def history(self, month: Month) -> tuple[Month, ...]:
        """The months an office's own limits for `month` are drawn from: the `window` before it."""
        return tuple(month.shift(-n) for n in range(self.window, 0, -1))

    def peer_months(self, month: Month) -> tuple[Month, ...]:
        """The months the peers' limits for `month` are drawn from: the `peer_window` before it (not
        `month` itself, so the limits hold still while the month is being filed)."""
        return tuple(month.shift(-n) for n in range(self.peer_window, 0, -1))


def checked_columns(fmt: FormatDef, month: Month) -> tuple[ColumnDef, ...]:
    """The entered number columns of `fmt` in force for `month` (never carried, computed or fed)."""
    if fmt.annual or fmt.rows.kind == "free":
        return ()  # no monthly history to compare with / rows that are cases, not comparable lines
    return tuple(c for c in fmt.columns_in_force(month) if c.role == "entered" and c.is_numeric)


def entered_row_keys(fmt: FormatDef) -> tuple[str, ...] | None:
    """The keys of rows whose cells are typed (None: every key, a master list's items)."""
    if fmt.rows.kind == "master":
        return None
    return tuple(r.key for r in fmt.rows.rows if r.role == "entered" and r.fed is None)


def cell_lines(
    fmt: FormatDef,
    columns: Sequence[ColumnDef],
    months: Sequence[Month],
    offices: ColumnElement[bool],
    statuses: Sequence[str] = HANDED_IN,
    name: str = "cells",
) -> CTE:
    """One line per stored number: office, its filing profile, period, row, column code, value.

    The returns are read once (a materialised CTE), then crossed with the list of column codes."""
    table = catalogue.table_of(fmt)
    rows = entered_row_keys(fmt)
    base = (
        select(
            MprReturn.office_id.label("office_id"),
            Office.code.label("office_code"),
            Office.kind.label("kind"),
            Office.segments.label("segments"),
            func.coalesce(Office.function, "").label("function"),
            MprReturn.period.label("period"),
            table.c.row_key.label("row_key"),
            *(table.c[c.db_name].label(f"c_{n}") for n, c in enumerate(columns)),
        )
        .select_from(table)
        .join(MprReturn, MprReturn.id == table.c.return_id)
        .join(Office, Office.id == MprReturn.office_id)
        .where(
            MprReturn.format_code == fmt.code,
            MprReturn.period.in_([m.first_day for m in months]),
            MprReturn.status.in_(list(statuses)),
            offices,
        )
    )
    if rows is not None:
        base = base.where(table.c.row_key.in_(rows))
    read = base.cte(f"{name}_read").prefix_with("MATERIALIZED")
    codes = union_all(*(select(literal(c.code).label("col")) for c in columns)).cte(f"{name}_cols")
    value = case(*((codes.c.col == c.code, cast(read.c[f"c_{n}"], Float)) for n, c in enumerate(columns)))
    keep = ("office_id", "office_code", "kind", "segments", "function", "period", "row_key")
    lines = select(*(read.c[k] for k in keep), codes.c.col.label("col"), value.label("v")).select_from(
        read.join(codes, literal(True))
    )
    inner = lines.subquery(f"{name}_all")
    return select(inner).where(inner.c.v.is_not(None)).cte(name).prefix_with("MATERIALIZED")


def _middle(ranked) -> ColumnElement[bool]:
    """Whether a ranked line is the middle one (or one of the two middle ones) of its group."""
    return or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)


def bands(lines: CTE, keys: Sequence[str], label: str) -> CTE:
    """Per group of `keys`: median, MAD, number of values and of distinct offices.

    Window functions only, no self-join: rank the values; the median is the mean of the middle ones,
    spread over the group's lines by AVG() OVER; rank the absolute deviations from it; the MAD is
    the mean of their middle ones."""
    part = [lines.c[k] for k in keys]
    ranked = select(
        *part,
        lines.c.office_id,
        lines.c.v,
        func.row_number().over(partition_by=part, order_by=lines.c.v).label("rn"),
        func.count().over(partition_by=part).label("n"),
    ).subquery(f"{label}_ranked")
    part = [ranked.c[k] for k in keys]
    median = func.avg(case((_middle(ranked), ranked.c.v))).over(partition_by=part)
    centred = select(*part, ranked.c.office_id, ranked.c.v, ranked.c.n, median.label("med")).subquery(
        f"{label}_centred"
    )
    part = [centred.c[k] for k in keys]
    deviation = func.abs(centred.c.v - centred.c.med)
    spread_rank = func.row_number().over(partition_by=part, order_by=deviation)
    deviations = select(
        *part, centred.c.office_id, centred.c.n, centred.c.med, deviation.label("d"), spread_rank.label("rn")
    ).subquery(f"{label}_deviations")
    part = [deviations.c[k] for k in keys]
    return (
        select(
            *part,
            func.max(deviations.c.med).label("med"),
            func.avg(case((_middle(deviations), deviations.c.d))).label("mad"),
            func.max(deviations.c.n).label("n"),
            func.count(deviations.c.office_id.distinct()).label("offices"),
        )
        .group_by(*part)
        .cte(f"{label}_bands")
    )


def spread(med, mad, settings: Settings):
    """The MAD used for limits: at least `mad_floor` x |median| and at least `min_spread`."""
    floor = func.abs(med) * settings.mad_floor
    wider = case((mad >= floor, mad), else_=floor)
    return case((wider >= settings.min_spread, wider), else_=settings.min_spread)


def limits(med, mad, k: float, settings: Settings):
    """(low, high): median -/+ k x spread, widened to median / min_ratio and median x min_ratio (a
    positive median; `min_ratio` 1 adds nothing)."""
    width = spread(med, mad, settings) * k
    low, high = med - width, med + width
    if settings.min_ratio > 1:
        wide_low, wide_high = med / settings.min_ratio, med * settings.min_ratio
        low = case((and_(med > 0, wide_low < low), wide_low), else_=low)
        high = case((and_(med > 0, wide_high > high), wide_high), else_=high)
    return low, high


def outside(value, med, mad, k: float, settings: Settings) -> ColumnElement[bool]:
    """Whether `value` lies beyond the limits."""
    low, high = limits(med, mad, k, settings)
    return or_(value > high, value < low)


def flagged_query(
    fmt: FormatDef,
    month: Month,
    offices: ColumnElement[bool],
    statuses: Sequence[str],
    settings: Settings,
) -> Select | None:
    """The SQL detector's first part: every stored figure of `month` of the offices that lies outside
    its own limits (the office's last `window` months, at least `min_months` of them), and every
    figure with too short a history for them (its peers' limits judge it: app/services/reports/
    outliers.py, from the peers' bands kept per filing profile). None when nothing is checked."""
    columns = checked_columns(fmt, month)
    if not columns:
        return None
    current = cell_lines(fmt, columns, (month,), offices, statuses, "now")
    own = bands(
        cell_lines(fmt, columns, settings.history(month), offices, HANDED_IN, "hist"), OWN_KEYS, "own"
    )
    own_on = and_(*(current.c[k] == own.c[k] for k in OWN_KEYS))
    # coalesce: SQL's three-valued logic must not drop a figure whose own band is missing
    own_ok = func.coalesce(own.c.n, 0) >= settings.min_months
    return (
        select(
            current.c.office_id,
            current.c.office_code,
            current.c.kind,
            current.c.segments,
            current.c.function,
            current.c.row_key,
            current.c.col,
            current.c.v,
            own.c.med.label("own_med"),
            own.c.mad.label("own_mad"),
            own.c.n.label("own_n"),
        )
        .select_from(current.outerjoin(own, own_on))
        .where(or_(~own_ok, outside(current.c.v, own.c.med, own.c.mad, settings.k, settings)))
        .order_by(current.c.office_id, current.c.row_key, current.c.col)
    )
