"""Scorecard rows of the bench: every scorecard for all-India and for one Zone, time and SQL statements.

A scorecard builds one report per (format, row) it reads, drilled one level down: its time is
about the sum of those reports', and its number of statements must not depend on the number of
Zones or offices: it is the sum of those reports' own statements (each bounded whatever the
number of offices, see the report rows), with nothing added per Zone or office.
"""

from __future__ import annotations

from bench.reports import _interleaved, _query_count


def measure_scorecards(application, month, repeat: int, row_class) -> list:
    """For each scorecard: all-India and one Zone (the first graded), medians and query counts."""
    from app.extensions import db
    from app.services.engine import catalogue
    from app.services.reports.report import build_report
    from app.services.reports.scope import resolve_unit
    from app.services.reports.scorecard import build_scorecard

    def its_reports(card, code: str) -> None:
        unit = resolve_unit(code)
        for fmt_code, row in dict.fromkeys((i.format, i.row) for i in card.indicators):
            fmt = catalogue.definitions().format(fmt_code)
            build_report(fmt, unit, month, by_children=True, row_only=row)

    rows = []
    with application.app_context():
        for card in catalogue.definitions().scorecards.values():
            india = build_scorecard(card, month, "upto")
            zone = india.lines[0].unit if india.lines else None
            calls = {"india": lambda card=card: build_scorecard(card, month, "upto")}
            if zone is not None:
                calls["zone"] = lambda card=card, zone=zone: build_scorecard(card, month, "upto", zone)
            medians = _interleaved(calls, repeat)
            counts = {name: _query_count(db.engine, call) for name, call in calls.items()}
            own = _query_count(db.engine, lambda card=card: its_reports(card, "INDIA"))
            graded = sum(1 for line in india.lines if line.grade is not None)
            label = f"scorecard {card.code} ({len(card.indicators)} indicators), {month} up to the month"
            rows.append(
                row_class(
                    f"{label}: all-India, {graded} Zones graded, median of {repeat}",
                    f"{medians['india'] * 1000:.1f} ms",
                )
            )
            if zone is not None:
                rows.append(
                    row_class(f"  one Zone ({zone}), its offices graded", f"{medians['zone'] * 1000:.1f} ms")
                )
                rows.append(row_class("  queries: one Zone", str(counts["zone"])))
            rows.append(
                row_class(
                    "  queries: all-India / its reports' own (all-India, by Zone)",
                    f"{counts['india']} / {own}",
                    "equal",
                    counts["india"] == own,
                )
            )
    return rows
