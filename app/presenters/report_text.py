"""The sentences every report carries (screen, print and Excel say the same words)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.i18n import local
from app.presenters.display import month_name
from app.services.reports.report import Completeness, Report


def title_line(report: Report) -> str:
    """'DPM-GST-ADJ-2 — Title — All India — Mar 2024 (FY 2023-24) — Rs. lakh'."""
    return _(
        "%(code)s — %(title)s — %(unit)s — %(month)s (FY %(fy)s) — amounts in %(amount_unit)s",
        code=report.fmt.code,
        title=local(report.fmt.title),
        unit=report.unit.name,
        month=month_name(report.month),
        fy=report.month.fy_label,
        amount_unit=_(report.fmt.unit_label),
    )


def basis_line(report: Report) -> str:
    """What the figures are: validated returns, or a temporary report of unvalidated ones."""
    if report.temporary:
        return _("TEMPORARY REPORT: includes submitted returns not yet validated; figures may change.")
    return _("Validated returns only.")


def completeness_line(completeness: Completeness) -> str:
    """'Validated: 28 of 30 offices; missing: A, B' (or 'none missing')."""
    missing = ", ".join(code for code, _name in completeness.missing)
    if not missing:
        return _(
            "Included: %(included)s of %(expected)s offices; none missing.",
            included=completeness.included,
            expected=completeness.expected,
        )
    return _(
        "Included: %(included)s of %(expected)s offices; missing: %(missing)s.",
        included=completeness.included,
        expected=completeness.expected,
        missing=missing,
    )


def amended_line(report: Report) -> str:
    """The legend for amended figures, naming the offices whose approved corrections they include."""
    if not report.amended:
        return _("Amended: no figure includes an approved correction.")
    return _(
        "Amended: figures include approved corrections from %(offices)s.", offices=", ".join(report.amended)
    )
