"""Scorecards: Zones (or a Zone's Commissionerates) graded 1-10 on weighted groups of indicators.

Each indicator's figures are the reports' own: one `build_report` per (format, row) with the
Zones (or the Zone's offices) as children — the same aggregation as reports and MSRs — and
the figure read from the row's column, or a formula over its columns, for the month or up
to the month. An indicator's grade follows its rule (scorecard_grades); a group's grade is
the mean of its indicators'; a line's grade the weighted sum of its groups'.

A figure a line lacks: no office under it files the format (not applicable: left out); none
of them has its return validated (not reported: the lowest grade, 1); or the figure is
undefined, such as a share of nothing (left out). A group left without a grade is left out
and the other groups' weights scaled up to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.definitions.expressions import quantize
from app.definitions.months import Month
from app.definitions.schema import MONTH_BASIS, UPTO_BASIS, ScorecardDef, ScoreIndicatorDef
from app.errors import Forbidden, InvalidInput
from app.extensions import db
from app.models.org import Office, OfficeKind
from app.security.policy import Actor, may_read_scorecard
from app.services.engine import catalogue
from app.services.reports import scorecard_grades as grades
from app.services.reports.report import Report, ReportRow, build_report
from app.services.reports.requests import parse_month
from app.services.reports.scope import INDIA, ReportNotFound, files_format, resolve_unit

BASES = (MONTH_BASIS, UPTO_BASIS)
GRADED, NOT_REPORTED, UNDEFINED, NOT_APPLICABLE = "graded", "not_reported", "undefined", "not_applicable"


class ScorecardNotFound(ReportNotFound):
    """No such scorecard, or not the caller's (404: absent and forbidden look alike)."""

    code = "scorecard_not_found"


class ScorecardsRefused(Forbidden):
    """Scorecards are for the Functional Owners and the Board (the privilege table)."""

    code = "scorecards_refused"
    default_message = _l("Scorecards are for the Functional Owners and the Board.")


class BadScorecardBasis(InvalidInput):
    """A scorecard is for the month or up to the month."""

    code = "bad_scorecard_basis"
    default_message = _l("basis is month (for the month) or upto (up to the month)")


@dataclass(frozen=True)
class Score:
    """One indicator of one line: its figure, its grade and why a grade may be missing."""

    figure: Decimal | None
    grade: Decimal | None
    state: str  # graded | not_reported | undefined | not_applicable


@dataclass(frozen=True)
class ScoreLine:
    """A Zone (or, drilled down, an office): its grade, rank, group means and indicators."""

    unit: str
    label: str
    grade: Decimal | None
    rank: int | None
    groups: dict[str, Decimal | None]
    scores: dict[str, Score]
    included: int  # returns validated, over the scorecard's formats
    expected: int

    @property
    def complete(self) -> bool:
        """Whether every return the line's figures need is validated."""
        return self.included == self.expected


@dataclass(frozen=True)
class Scorecard:
    """Everything a scorecard page, print view, workbook and the API show."""

    card: ScorecardDef
    month: Month
    basis: str
    zone: str | None  # the Zone drilled into, or None (one line per Zone)
    zone_name: str | None
    lines: list[ScoreLine]
    total_unit: str
    total_label: str
    total: dict[str, Decimal | None]  # the unit's own figure of each indicator (no grade)
    summaries: dict[str, str]  # indicator code -> the MSR of its format, where there is one


def may_use(actor: Actor | None) -> bool:
    """Whether the caller may use scorecards at all: a Functional Owner, the Board, administrators."""
    return actor is not None and (actor.is_board or actor.is_admin or actor.owner_code is not None)


def readable(actor: Actor | None) -> list[ScorecardDef]:
    """The scorecards the caller may read, in the file's order (ScorecardsRefused for other roles)."""
    if not may_use(actor):
        raise ScorecardsRefused()
    return [c for c in catalogue.definitions().scorecards.values() if may_read_scorecard(actor, c.owner)]


def zones(card: ScorecardDef) -> list[tuple[str, str]]:
    """(code, name) of the active Zones with an office filing one of the card's formats, for the Zone
    picker (one query: a GST scorecard offers no Customs Zone)."""
    formats = catalogue.definitions().formats
    filing = select(Office.parent_id).where(or_(*(files_format(formats[f]) for f in card_formats(card))))
    query = select(Office.code, Office.name).where(
        Office.kind == OfficeKind.ZONE, Office.active.is_(True), Office.id.in_(filing)
    )
    return [(r.code, r.name) for r in db.session.execute(query.order_by(Office.code))]


def card_formats(card: ScorecardDef) -> tuple[str, ...]:
    """The formats the card's indicators read, each once."""
    return tuple(dict.fromkeys(indicator.format for indicator in card.indicators))


def parse_scorecard_basis(text: str | None) -> str:
    """'month' (the default) or 'upto'; BadScorecardBasis otherwise."""
    if text in (None, ""):
        return MONTH_BASIS
    if text not in BASES:
        raise BadScorecardBasis()
    return text


def figure_of(indicator: ScoreIndicatorDef, basis: str, rows: list[ReportRow]) -> Decimal | None:
    """The indicator's figure in a report's rows: its row's column, or its formula over the row."""
    row = next((r for r in rows if r.key == indicator.row), None)
    if row is None:
        return None
    figure = indicator.figure(basis)
    if figure.column is not None:
        value = row.cells.get(figure.column)
        return None if value is None else Decimal(str(value))
    value = figure.formula.evaluate(row.cells)
    return None if value is None or isinstance(value, bool) else quantize(value, "percent")


def _reports(card: ScorecardDef, unit, month: Month) -> dict[tuple[str, str], Report | None]:
    """One report per (format, row) the scorecard reads, drilled one level down (None: not in force)."""
    found: dict[tuple[str, str], Report | None] = {}
    for indicator in card.indicators:
        key = (indicator.format, indicator.row)
        if key in found:
            continue
        fmt = catalogue.definitions().format(indicator.format)
        in_force = fmt.in_force(fmt.reported_in(fmt.return_month(month)))
        found[key] = (
            build_report(fmt, unit, month, by_children=True, row_only=indicator.row) if in_force else None
        )
    return found


def _children(reports) -> tuple[dict[str, str], dict[tuple[str, str], dict[str, Any]]]:
    """({unit code: name} of every line, {(format, row): {unit code: ChildReport}})."""
    names: dict[str, str] = {}
    by_report: dict[tuple[str, str], dict[str, Any]] = {}
    for key, report in reports.items():
        children = (report.children or []) if report is not None else []
        by_report[key] = {child.code: child for child in children}
        for child in children:
            if child.completeness.expected:
                names.setdefault(child.code, child.name)
    return names, by_report


def _figures(
    indicator: ScoreIndicatorDef, basis: str, units, children
) -> dict[str, tuple[str, Decimal | None]]:
    """{unit: (state, figure)} of one indicator over the lines."""
    found = {}
    for unit in units:
        child = children.get(unit)
        if child is None or not child.completeness.expected:
            found[unit] = (NOT_APPLICABLE, None)
        elif not child.completeness.included:
            found[unit] = (NOT_REPORTED, None)
        else:
            figure = figure_of(indicator, basis, child.rows)
            found[unit] = (GRADED if figure is not None else UNDEFINED, figure)
    return found


def score_lines(card: ScorecardDef, basis: str, names: dict[str, str], by_report) -> list[ScoreLine]:
    """Every line graded and ranked (best first; equal grades share a rank; no grade last)."""
    units = sorted(names)
    scores: dict[str, dict[str, Score]] = {unit: {} for unit in units}
    for indicator in card.indicators:
        found = _figures(indicator, basis, units, by_report[(indicator.format, indicator.row)])
        graded = grades.grade_figures(
            {u: f for u, (s, f) in found.items() if s == GRADED}, indicator.grade, indicator.better
        )
        for unit, (state, figure) in found.items():
            grade = (
                graded.get(unit) if state == GRADED else (grades.LOWEST if state == NOT_REPORTED else None)
            )
            scores[unit][indicator.code] = Score(figure, grade, state)
    weights = {group.code: group.weight for group in card.groups}
    lines = []
    for unit in units:
        means = {g.code: grades.mean(scores[unit][i.code].grade for i in g.indicators) for g in card.groups}
        included, expected = _counts(unit, by_report)
        lines.append(
            ScoreLine(
                unit,
                names[unit],
                grades.weighted(means, weights),
                None,
                means,
                scores[unit],
                included,
                expected,
            )
        )
    return ranked(lines)


def _counts(unit: str, by_report) -> tuple[int, int]:
    children = [found[unit] for found in by_report.values() if unit in found]
    return sum(c.completeness.included for c in children), sum(c.completeness.expected for c in children)


def ranked(lines: list[ScoreLine]) -> list[ScoreLine]:
    """Lines by grade, best first (by unit code among equals, which share a rank); no grade last."""
    graded = sorted(
        (line for line in lines if line.grade is not None), key=lambda line: (-line.grade, line.unit)
    )
    rest = sorted((line for line in lines if line.grade is None), key=lambda line: line.unit)
    result, previous, rank = [], None, 0
    for position, line in enumerate(graded, 1):
        rank = rank if line.grade == previous else position
        previous = line.grade
        result.append(replace(line, rank=rank))
    return result + rest


def build_scorecard(card: ScorecardDef, month: Month, basis: str, zone: str | None = None) -> Scorecard:
    """The scorecard for `month` on `basis`: a line per Zone (or per office of `zone`), ranked."""
    unit = resolve_unit(zone or INDIA)
    if unit is None or (zone is not None and unit.level != "zone"):
        raise ScorecardNotFound()
    reports = _reports(card, unit, month)
    names, by_report = _children(reports)
    total = {}
    for indicator in card.indicators:
        report = reports[(indicator.format, indicator.row)]
        total[indicator.code] = figure_of(indicator, basis, report.rows) if report is not None else None
    summaries = {s.format: s.code for s in reversed(catalogue.definitions().summaries.values())}
    return Scorecard(
        card,
        month,
        basis,
        unit.code if zone else None,
        unit.name if zone else None,
        score_lines(card, basis, names, by_report),
        unit.code,
        unit.name,
        total,
        {i.code: summaries[i.format] for i in card.indicators if i.format in summaries},
    )


def scorecard_for(
    actor: Actor | None, code: str, period: str, basis: str | None, zone: str | None
) -> Scorecard:
    """The scorecard the caller asked for, or a refusal (403 for other roles, 404 absent or not theirs)."""
    if not may_use(actor):
        raise ScorecardsRefused()
    card = catalogue.definitions().scorecards.get(code)
    if card is None or not may_read_scorecard(actor, card.owner):
        raise ScorecardNotFound()
    return build_scorecard(card, parse_month(period), parse_scorecard_basis(basis), zone or None)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def scorecard_json(found: Scorecard) -> dict[str, Any]:
    """The scorecard as the API returns it: its groups and indicators, then the ranked rows."""
    card = found.card

    def line_json(line: ScoreLine) -> dict[str, Any]:
        return {
            "unit": line.unit,
            "label": line.label,
            "rank": line.rank,
            "grade": _number(line.grade),
            "groups": {code: _number(value) for code, value in line.groups.items()},
            "indicators": {
                code: {"figure": _number(s.figure), "grade": _number(s.grade), "state": s.state}
                for code, s in line.scores.items()
            },
            "validated": {"included": line.included, "expected": line.expected},
        }

    return {
        "code": card.code,
        "title": card.title,
        "owner": card.owner,
        "period": str(found.month),
        "basis": found.basis,
        "zone": found.zone,
        "groups": [
            {
                "code": g.code,
                "title": g.title,
                "weight": g.weight,
                "indicators": [_indicator_json(i, found) for i in g.indicators],
            }
            for g in card.groups
        ],
        "rows": [line_json(line) for line in found.lines],
        "total": {
            "unit": found.total_unit,
            "label": found.total_label,
            "indicators": {code: _number(value) for code, value in found.total.items()},
        },
    }


def _indicator_json(indicator: ScoreIndicatorDef, found: Scorecard) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "label": indicator.label,
        "format": indicator.format,
        "row": indicator.row,
        "figure": indicator.figure(found.basis).source,
        "better": indicator.better,
        "rule": indicator.grade.rule,
        "summary": found.summaries.get(indicator.code),
    }
