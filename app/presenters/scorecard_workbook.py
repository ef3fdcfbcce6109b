"""A scorecard as an Excel workbook: the paper header of the report workbooks, a ranked line per Zone
(or office), the unit's own figures last; numbers stay numbers."""

from __future__ import annotations

from collections.abc import Iterator

from app.presenters.report_workbook import table_workbook
from app.presenters.scorecard_table import (
    line_cells,
    line_label,
    rules_text,
    scorecard_columns,
    scorecard_heading,
    total_cells,
)
from app.presenters.workbook_parts import spooled_chunks
from app.services.reports.report import ReportRow
from app.services.reports.scorecard import Scorecard


def scorecard_rows(found: Scorecard) -> list[ReportRow]:
    """The ranked lines, then the unit's own figures, as report rows."""
    rows = [ReportRow(line.unit, line_label(line), cells=line_cells(line)) for line in found.lines]
    total = ReportRow(found.total_unit, found.total_label, is_total=True, cells=total_cells(found))
    return [*rows, total]


def _write(found: Scorecard, target) -> None:
    table_workbook(
        target,
        found.card.code,
        scorecard_heading(found),
        rules_text(found),
        scorecard_columns(found),
        scorecard_rows(found),
        width=12,
    )


def scorecard_workbook(found: Scorecard) -> Iterator[bytes]:
    """The workbook as a stream of chunks."""
    return spooled_chunks(lambda spool: _write(found, spool))
