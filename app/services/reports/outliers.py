"""Peer limits and outliers: the limits of every entered number, and the figures outside them.

An office's own limits are median +/- k x MAD of its last 12 months of handed-in (submitted or
validated) returns of the same format, row and column; its peers' are the same over every office
of the same kind (kind, streams, function: `policy.filing_profile`). Own limits decide once the
office has `min_months` of history; before that its peers' limits do (at least `min_peers`
offices). A flag is a soft warning: it never blocks saving, submitting or validating.
Thresholds: config.py MPR_OUTLIER_*; docs/outliers.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, select

from app.definitions.months import Month
from app.definitions.schema import ColumnDef, FormatDef
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn
from app.presenters.display import indian_number
from app.services.reports import outlier_sql as q
from app.services.reports.outlier_sql import Settings
from app.services.reports.scope import files_format

OWN, PEER = "own", "peer"
PEER_KEYS = ("row_key", "col")  # the peers' bands of one filing profile, by cell


def settings() -> Settings:
    """The thresholds of the running app."""
    return Settings.from_config(current_app.config)


@dataclass(frozen=True)
class Band:
    """Limits from a set of past figures: median +/- k x spread (the MAD, floored)."""

    median: float
    mad: float
    count: int  # figures (months) behind it
    offices: int  # distinct offices behind it
    k: float
    floor: float = 0.05
    min_spread: float = 1.0
    ratio: float = 1.0  # limits at least median / ratio and median x ratio (a positive median)

    @property
    def spread(self) -> float:
        """The MAD used: at least `floor` x |median| and at least `min_spread`."""
        return max(self.mad, self.floor * abs(self.median), self.min_spread)

    @property
    def low(self) -> float:
        """The lower limit."""
        low = self.median - self.k * self.spread
        return min(low, self.median / self.ratio) if self.median > 0 and self.ratio > 1 else low

    @property
    def high(self) -> float:
        """The upper limit."""
        high = self.median + self.k * self.spread
        return max(high, self.median * self.ratio) if self.median > 0 and self.ratio > 1 else high

    def outside(self, value: float) -> bool:
        """Whether `value` lies beyond the limits (the SQL detector's test, in Python)."""
        return value > self.high or value < self.low

    def shown(self, places: int) -> tuple[str, str]:
        """(low, high) as the pages write numbers; a lower limit below zero of a non-negative
        history reads 0."""
        low = max(self.low, 0.0) if self.median >= 0 else self.low
        return indian_number(low, places), indian_number(self.high, places)


@dataclass(frozen=True)
class CellLimits:
    """One cell's limits: its office's own and its peers' (either may be missing)."""

    own: Band | None
    peer: Band | None

    @property
    def judge(self) -> str | None:
        """Which limits decide: own once there is enough history, else the peers', else none."""
        if self.own is not None:
            return OWN
        return PEER if self.peer is not None else None

    @property
    def deciding(self) -> Band | None:
        """The band that decides, if any."""
        return self.own if self.judge == OWN else self.peer if self.judge == PEER else None

    def warning(self, value, column: ColumnDef) -> str | None:
        """Why `value` at this cell lies outside its limits (None when within them)."""
        band = self.deciding
        if value is None or band is None or not band.outside(float(value)):
            return None
        return warning_text(self, float(value) > band.median, column.decimals)


def warning_texts() -> dict[tuple[str, bool] | str, str]:
    """The warnings' wordings in the page's language, translated once for a whole grid."""
    return {
        (OWN, True): _("Far above this office's usual %(low)s–%(high)s"),
        (OWN, False): _("Far below this office's usual %(low)s–%(high)s"),
        (PEER, True): _("Far above the usual %(low)s–%(high)s of offices of the same kind"),
        (PEER, False): _("Far below the usual %(low)s–%(high)s of offices of the same kind"),
        PEER: _("(offices of the same kind: %(low)s–%(high)s)"),
        "end": _("Check the figure; this does not stop saving or submitting."),
    }


def warning_text(limits: CellLimits, above: bool, places: int, texts: dict | None = None) -> str:
    """'Far above this office's usual 120–180 (offices of the same kind: 90–400)': the reason alone,
    as a list or a reader sees it (`with_advice` adds the advice to the office typing it)."""
    texts = texts or warning_texts()
    low, high = limits.deciding.shown(places)
    text = texts[(limits.judge, above)] % {"low": low, "high": high}
    if limits.judge == OWN and limits.peer is not None:
        peer_low, peer_high = limits.peer.shown(places)
        text += " " + texts[PEER] % {"low": peer_low, "high": peer_high}
    return text


def with_advice(reason: str) -> str:
    """The reason with the advice to the office that types the figure ("Check the figure; …")."""
    return f"{reason}. {warning_texts()['end']}"


def make_band(med, mad, count, offices, k: float, cfg: Settings) -> Band:
    """A band with the configured floor, least spread and ratio."""
    floor, least, ratio = cfg.mad_floor, cfg.min_spread, cfg.min_ratio
    return Band(float(med), float(mad), int(count), int(offices), k, floor, least, ratio)


def _band(record, k: float, cfg: Settings) -> Band:
    return make_band(record.med, record.mad, record.n, record.offices, k, cfg)


def cell_limits(fmt: FormatDef, office: Office, month: Month) -> dict[tuple[str, str], CellLimits]:
    """{(row key, column code): limits} of every checked cell of `office`'s return of `month`: its own
    history's bands and its peers' (each kept while the returns behind it are unchanged)."""
    cfg = settings()
    columns = q.checked_columns(fmt, month)
    if not columns:
        return {}
    own = _kept_bands(fmt, month, columns, cfg, Office.id == office.id, q.OWN_KEYS, cfg.history(month), OWN)
    peers_of = and_(files_format(fmt), *_same_profile(office))
    peer = _kept_bands(fmt, month, columns, cfg, peers_of, PEER_KEYS, cfg.peer_months(month), PEER)
    return {key: CellLimits(own.get(key), peer.get(key)) for key in own.keys() | peer.keys()}


KEPT_BANDS = 1024  # sets of bands kept per process (one per format, month and office or peer group)


def _kept_bands(fmt, month, columns, cfg: Settings, offices, keys, months, which: str) -> dict:
    """{(row, column): band} over the handed-in returns of `offices` in `months`; kept per process and
    reused while those returns are unchanged (a cheap stamp query decides: their count, last update,
    versions and ids; every save bumps a return's version), so a grid does not work out the same
    medians again on every page."""
    stamp = db.session.execute(
        select(
            func.count(), func.max(MprReturn.updated_at), func.sum(MprReturn.version), func.sum(MprReturn.id)
        )
        .select_from(MprReturn)
        .join(Office, Office.id == MprReturn.office_id)
        .where(
            MprReturn.format_code == fmt.code,
            MprReturn.period.in_([m.first_day for m in months]),
            MprReturn.status.in_(q.HANDED_IN),
            offices,
        )
    ).one()
    if not stamp[0]:
        return {}  # nothing handed in: no limits, and nothing to keep
    condition = str(offices.compile(compile_kwargs={"literal_binds": True}))
    key = (fmt.code, fmt.line, which, condition, str(month), cfg, tuple(stamp))
    kept = current_app.extensions.setdefault("mpr_peer_bands", {})
    if key not in kept:
        lines = q.cell_lines(fmt, columns, months, offices, q.HANDED_IN, which)
        found = q.bands(lines, keys, f"{which}_b")
        least = found.c.n >= cfg.min_months if which == OWN else found.c.offices >= cfg.min_peers
        k = cfg.k if which == OWN else cfg.peer_k
        rows = db.session.execute(select(found).where(least))
        if len(kept) >= KEPT_BANDS:
            kept.clear()
        kept[key] = {(r.row_key, r.col): _band(r, k, cfg) for r in rows}
    return kept[key]


def _same_profile(office: Office) -> list[ColumnElement[bool]]:
    """Offices of `office`'s filing profile (kind, streams, function)."""
    return _profile(office.kind, office.segments, office.function or "")


def _profile(kind: str, segments: str, function: str) -> list[ColumnElement[bool]]:
    """Offices of one filing profile: that kind, those streams and that function ('' for none)."""
    return [Office.kind == kind, Office.segments == segments, func.coalesce(Office.function, "") == function]


@dataclass(frozen=True)
class CellWarning:
    """A figure of a return outside its limits."""

    row: str
    column: str
    value: float
    reason: str  # "Far above this office's usual 120–180", without the advice

    @property
    def message(self) -> str:
        """The reason with the advice to the office ("Check the figure; …"), as the grid words it."""
        return with_advice(self.reason)

    def as_dict(self) -> dict:
        """The API's form: {row, column, code, value, message}."""
        code = "outlier"
        return {
            "row": self.row,
            "column": self.column,
            "code": code,
            "value": self.value,
            "message": self.message,
        }


def grid_warnings(grid, limits: dict[tuple[str, str], CellLimits]) -> list[CellWarning]:
    """The warnings of the figures a grid holds now, in its order."""
    found = []
    columns = {c.code: c for c in grid.columns}
    for row in grid.rows:
        for (key, code), cell in ((k, v) for k, v in limits.items() if k[0] == row.key):
            column = columns.get(code)
            value = row.cells.get(code)
            reason = cell.warning(value, column) if column is not None else None
            if reason:
                found.append(CellWarning(key, code, float(value), reason))
    return found


def return_warnings(grid) -> list[CellWarning]:
    """The warnings of a grid's figures against its office's limits (for save responses)."""
    limits = cell_limits(grid.fmt, grid.office, grid.month)
    return grid_warnings(grid, limits) if limits else []


@dataclass(frozen=True)
class Flag:
    """A stored figure of an office outside its limits, found by the SQL detector."""

    fmt: FormatDef
    office_id: int
    office_code: str
    row: str
    column: str
    value: float
    limits: CellLimits

    @property
    def message(self) -> str:
        """Why the figure is flagged, for the validating Zone and report readers (no advice to type)."""
        column = self.fmt.column(self.column)
        band = self.limits.deciding
        return warning_text(self.limits, self.value > band.median, column.decimals)


def flags(
    fmt: FormatDef, month: Month, offices: ColumnElement[bool], statuses: Sequence[str] = q.HANDED_IN
) -> list[Flag]:
    """Every figure of `month` of the offices selected by `offices` outside its limits: one query for
    the own limits; the peers' bands of each filing profile met are the grid's, kept while unchanged."""
    cfg = settings()
    query = q.flagged_query(fmt, month, offices, statuses, cfg)
    if query is None:
        return []
    columns, months = q.checked_columns(fmt, month), cfg.peer_months(month)
    peer_bands: dict[tuple[str, str, str], dict] = {}
    found = []
    for r in db.session.execute(query):
        profile = (r.kind, r.segments, r.function)
        if profile not in peer_bands:
            peers_of = and_(files_format(fmt), *_profile(*profile))
            peer_bands[profile] = _kept_bands(fmt, month, columns, cfg, peers_of, PEER_KEYS, months, PEER)
        peer = peer_bands[profile].get((r.row_key, r.col))
        own = None
        if r.own_n is not None and r.own_n >= cfg.min_months:
            own = make_band(r.own_med, r.own_mad, r.own_n, 1, cfg.k, cfg)
        elif peer is None or not peer.outside(float(r.v)):
            continue  # too short a history: the peers judge, and find it within their limits (or none)
        found.append(
            Flag(fmt, r.office_id, r.office_code, r.row_key, r.col, float(r.v), CellLimits(own, peer))
        )
    return found


def flagged_cells(found: Iterable[Flag]) -> set[tuple[int, str, str]]:
    """{(office id, row key, column code)} of the flags."""
    return {(f.office_id, f.row, f.column) for f in found}
