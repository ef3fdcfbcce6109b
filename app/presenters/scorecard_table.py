"""A scorecard laid out as a table: the grade, then per group its mean and each indicator's figure
and grade, headed like a paper form (group over indicator over figure / grade); shared by the
page, the print view and the workbook."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from app.i18n import local
from app.presenters.display import month_name
from app.services.reports.report import ReportColumn
from app.services.reports.scorecard import NOT_APPLICABLE, NOT_REPORTED, UNDEFINED, Scorecard, ScoreLine

GRADE = "GRADE"


def grade_code(indicator: str) -> str:
    """The column code of an indicator's grade."""
    return f"{indicator}__GRADE"


def mean_code(group: str) -> str:
    """The column code of a group's mean grade."""
    return f"{group}__MEAN"


def basis_label(basis: str) -> str:
    """'For the month' or 'Up to the month'."""
    return _("Up to the month") if basis == "upto" else _("For the month")


def scorecard_columns(found: Scorecard) -> tuple[ReportColumn, ...]:
    """Grade; then for each group its mean and, per indicator, the figure and its grade."""
    columns = [ReportColumn(GRADE, _("Grade"), "computed", "percent", 1)]
    for group in found.card.groups:
        head = f"{local(group.title)} ({group.weight}%)"
        columns.append(
            ReportColumn(mean_code(group.code), _("Group grade"), "computed", "percent", 0, (head,))
        )
        for indicator in group.indicators:
            path = (head, local(indicator.label))
            columns.append(ReportColumn(indicator.code, _("Figure"), "entered", "percent", 0, path))
            columns.append(
                ReportColumn(grade_code(indicator.code), _("Grade"), "computed", "percent", 0, path)
            )
    return tuple(
        ReportColumn(c.code, c.label, c.kind, c.type, number, c.group_path)
        for number, c in enumerate(columns, 1)
    )


def line_cells(line: ScoreLine) -> dict[str, Decimal | None]:
    """{column code: value} of one line."""
    cells: dict[str, Decimal | None] = {GRADE: line.grade}
    cells.update({mean_code(code): value for code, value in line.groups.items()})
    for code, score in line.scores.items():
        cells[code] = score.figure
        cells[grade_code(code)] = score.grade
    return cells


def total_cells(found: Scorecard) -> dict[str, Decimal | None]:
    """The unit's own figures (no grades)."""
    return dict(found.total)


def state_note(state: str) -> str:
    """Why a figure is blank or graded 1: not reported, undefined, not applicable ('' when graded)."""
    notes = {
        NOT_REPORTED: _("not reported (grade 1)"),
        UNDEFINED: _("no figure (not graded)"),
        NOT_APPLICABLE: _("not applicable"),
    }
    return notes.get(state, "")


def line_label(line: ScoreLine) -> str:
    """'2. Delhi CGST Zone' (a ranked line), or the name alone."""
    return f"{line.rank}. {line.label}" if line.rank is not None else line.label


def scorecard_heading(found: Scorecard) -> str:
    """'SC-GST-ZONES — <title> — May 2024 — Up to the month' (and the Zone drilled into)."""
    parts = [found.card.code, local(found.card.title), month_name(found.month), basis_label(found.basis)]
    if found.zone_name:
        parts.append(found.zone_name)
    return " — ".join(parts)


def rules_text(found: Scorecard) -> str:
    """How the grade is made, in one sentence."""
    return _(
        "Each indicator is graded from 1 to 10 by its rule; a group's grade is the mean of its "
        "indicators' grades and the grade the weighted sum of the groups' grades. A figure not "
        "reported is graded 1; an indicator that does not apply is left out and the other weights "
        "scaled up to 100."
    )
