"""The reports part of the JSON API (shared/API.md): a format aggregated over a unit, as JSON or Excel.

JWT only; the one jurisdiction policy decides (through app.services.reports): 404
outside jurisdiction or absent, 403 a temporary report the caller may not see, 422 a
malformed month or basis. Refusals propagate to the one handler in app/web.py.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.presenters.report_workbook import workbook_chunks
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.reports.requests import format_report, parse_by
from app.services.reports.serialise import report_json
from app.views.downloads import xlsx_download


def xlsx_response(reports, filename: str) -> Response:
    """A streamed Excel download of reports."""
    return xlsx_download(workbook_chunks(reports), filename)


def report_filename(code: str, unit: str, period: str) -> str:
    """'DPM-GST-ADJ-2_INDIA_2024-03.xlsx' (codes only: nothing a user typed)."""
    return f"{code}_{unit}_{period}.xlsx"


class MprReportApi(BaseApi):
    """/api/v1/mpr/reports/..."""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(read=("get_report", "get_report_xlsx"))
    openapi_spec_tag = "MPR reports"

    def _report(self, format_code: str, unit_code: str, period: str):
        by_children = parse_by(request.args.get("by"))
        return format_report(
            current_actor(), format_code, unit_code, period, request.args.get("basis"), by_children
        )

    @expose("/reports/<format_code>/<unit_code>/<period>", methods=["GET"])
    @protect()
    def get_report(self, format_code: str, unit_code: str, period: str):
        """The format aggregated over every office under the unit for the month."""
        return self.response(200, **report_json(self._report(format_code, unit_code, period)))

    @expose("/reports/<format_code>/<unit_code>/<period>/xlsx", methods=["GET"])
    @protect()
    def get_report_xlsx(self, format_code: str, unit_code: str, period: str):
        """The same report as an Excel workbook (numbers as numbers)."""
        report = self._report(format_code, unit_code, period)
        return xlsx_response([report], report_filename(report.fmt.code, report.unit.code, str(report.month)))
