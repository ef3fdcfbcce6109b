"""Report pages: choose a format (or all of an owner's), a month and a unit; read, drill down, print, Excel.

Thin: app.services.reports decides what may be seen and computes the figures;
app.presenters lays them out. Refusals propagate to the one handler in app/web.py.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.models.org import OfficeKind
from app.presenters import report_page
from app.presenters.report_text import amended_line, basis_line, completeness_line, title_line
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import Action, may, may_report_nationally
from app.services.accounts.organisation import offices_visible_to
from app.services.engine.index import readable_formats
from app.services.reports.outlier_reports import report_flags
from app.services.reports.report import Report
from app.services.reports.requests import default_unit, format_report, owner_reports
from app.services.reports.scope import INDIA, REPORT_UNIT_KINDS, may_see_temporary
from app.views.api_reports import report_filename, xlsx_response
from app.views.params import reported_month_arg


def _units(actor, formats) -> list[tuple[str, str]]:
    """Units offered in the chooser: INDIA where allowed, then the reporting offices the user sees."""
    units = [(INDIA, _("All India"))] if any(may_report_nationally(actor, f) for f in formats) else []
    offices = offices_visible_to(actor, tuple(k.value for k in REPORT_UNIT_KINDS))
    office = actor.office if actor is not None else None
    parent = (
        office.parent
        if office is not None and office.kind in (OfficeKind.DIVISION, OfficeKind.RANGE)
        else None
    )
    while parent is not None and parent.kind != OfficeKind.COMMISSIONERATE:
        parent = parent.parent
    if parent is not None and may(actor, Action.REPORT, parent):
        offices.append(parent)
    return units + [(o.code, f"{o.code} — {o.name}") for o in offices]


class ReportsView(BaseView):
    """/mpr/reports/: the report chooser and every report page, print view and download."""

    route_base = "/mpr/reports"
    default_view = "index"
    class_permission_name = p.REPORTS
    method_permission_name = p.methods(
        read=("index", "show", "print_view", "xlsx", "owner_show", "owner_print", "owner_xlsx")
    )

    @expose("/")
    @has_access
    def index(self):
        """The chooser; a chosen format or owner opens its report."""
        actor, month = current_actor(), reported_month_arg(request.args.get("period"))
        unit = request.args.get("unit") or default_unit(actor)
        if request.args.get("format"):
            return redirect(
                url_for(".show", format_code=request.args["format"], unit_code=unit, period=str(month))
            )
        if request.args.get("owner"):
            return redirect(
                url_for(".owner_show", owner=request.args["owner"], unit_code=unit, period=str(month))
            )
        formats = readable_formats(month)
        owners = sorted({f.owner for f in formats})
        return self.render_template(
            "mpr/report_index.html",
            formats=formats,
            owners=owners,
            units=_units(actor, formats),
            unit=unit,
            month=month,
        )

    def _reports(
        self, format_code: str | None, owner: str | None, unit_code: str, period: str
    ) -> list[Report]:
        actor, basis = current_actor(), request.args.get("basis")
        if owner is not None:
            return owner_reports(actor, owner, unit_code, period, basis, by_children=True)
        return [format_report(actor, format_code, unit_code, period, basis, by_children=True)]

    def _page(self, reports: list[Report], template: str, owner: str | None = None):
        actor = current_actor()
        first = reports[0]
        views = []
        for report in reports:
            links = {
                child.code: url_for(
                    ".show", format_code=report.fmt.code, unit_code=child.code, period=str(report.month)
                )
                for child in report.children or []
            }
            views.append(
                {
                    "report": report,
                    "title": title_line(report),
                    "basis": basis_line(report),
                    "completeness": completeness_line(report.completeness),
                    "amended": amended_line(report),
                    "table": report_page.report_table(report),
                    "slices": [
                        report_page.report_table(report, c) for c in report_page.column_chunks(report.columns)
                    ],
                    "children": report_page.children_table(report, links),
                    "flags": report_flags(report),
                }
            )
        temporary_allowed = all(may_see_temporary(actor, r.unit, r.fmt) for r in reports)
        return self.render_template(
            template,
            views=views,
            first=first,
            owner=owner,
            trail=first.unit.trail(),
            temporary_allowed=temporary_allowed,
            months=[first.month.shift(-i) for i in range(0, 13)],
        )

    @expose("/<format_code>/<unit_code>/<period>")
    @has_access
    def show(self, format_code: str, unit_code: str, period: str):
        """One format's report with its drill-down one level down."""
        return self._page(self._reports(format_code, None, unit_code, period), "mpr/report.html")

    @expose("/<format_code>/<unit_code>/<period>/print")
    @has_access
    def print_view(self, format_code: str, unit_code: str, period: str):
        """The report on A4 landscape pages."""
        return self._page(self._reports(format_code, None, unit_code, period), "mpr/report_print.html")

    @expose("/<format_code>/<unit_code>/<period>/xlsx")
    @has_access
    def xlsx(self, format_code: str, unit_code: str, period: str):
        """The report as an Excel workbook."""
        reports = self._reports(format_code, None, unit_code, period)
        return xlsx_response(reports, report_filename(reports[0].fmt.code, reports[0].unit.code, period))

    @expose("/owner/<owner>/<unit_code>/<period>")
    @has_access
    def owner_show(self, owner: str, unit_code: str, period: str):
        """Every format of one Functional Owner, one after the other."""
        return self._page(self._reports(None, owner, unit_code, period), "mpr/report.html", owner)

    @expose("/owner/<owner>/<unit_code>/<period>/print")
    @has_access
    def owner_print(self, owner: str, unit_code: str, period: str):
        """Every format of one owner, printed."""
        return self._page(self._reports(None, owner, unit_code, period), "mpr/report_print.html", owner)

    @expose("/owner/<owner>/<unit_code>/<period>/xlsx")
    @has_access
    def owner_xlsx(self, owner: str, unit_code: str, period: str):
        """Every format of one owner: one sheet per format."""
        reports = self._reports(None, owner, unit_code, period)
        return xlsx_response(reports, report_filename(owner, reports[0].unit.code, period))
