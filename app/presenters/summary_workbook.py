"""A Monthly Summary Report as an Excel workbook: the report workbook's header and rows, one line a Zone."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _

from app.i18n import local
from app.presenters.cells import column_name
from app.presenters.display import month_name
from app.presenters.report_workbook import table_workbook
from app.presenters.workbook_parts import spooled_chunks
from app.services.reports.report import ReportRow
from app.services.reports.summary import Summary, SummaryLine


def line_label(line: SummaryLine) -> str:
    """'3. Mumbai Zone' (a ranked line), or the line's name alone (no figure, or the total)."""
    return f"{line.rank}. {line.label}" if line.rank is not None else line.label


def summary_rows(found: Summary) -> list[ReportRow]:
    """The MSR's lines, then its total, as report rows."""
    rows = [ReportRow(line.unit, line_label(line), cells=line.cells) for line in found.lines]
    return [*rows, ReportRow(found.total.unit, found.total.label, is_total=True, cells=found.total.cells)]


def summary_heading(found: Summary) -> str:
    """'MSR-DPM-GST-ADJ-2 — <title> — March 2024' (and the Zone drilled into)."""
    parts = [found.summary.code, local(found.summary.title), month_name(found.month)]
    if found.zone_name:
        parts.append(found.zone_name)
    return " — ".join(parts)


def key_name(found: Summary) -> str:
    """The key measure's column with its groups ("Closing balance — No."), in the page's language."""
    return local(column_name(next(c for c in found.columns if c.code == found.summary.key)))


def completeness_text(found: Summary) -> str:
    """'18 of 25 Zones fully validated' (offices when drilled into a Zone)."""
    if found.zone:
        return _("%(done)d of %(all)d offices validated", done=found.complete_lines, all=len(found.lines))
    return _("%(done)d of %(all)d Zones fully validated", done=found.complete_lines, all=len(found.lines))


def _write(found: Summary, target) -> None:
    table_workbook(
        target,
        found.summary.code,
        summary_heading(found),
        completeness_text(found),
        found.columns,
        summary_rows(found),
        width=14,
    )


def summary_workbook(found: Summary) -> Iterator[bytes]:
    """The workbook as a stream of chunks."""
    return spooled_chunks(lambda spool: _write(found, spool))
