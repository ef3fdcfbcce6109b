"""Monthly Summary Reports in the JSON API (shared/API.md): the list, one MSR, and its workbook.

JWT only. Functional Owners read the MSRs of their formats, the Board all (403 for other
roles, 404 for an MSR that is absent or not the caller's); refusals go to app/web.py.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.presenters.summary_workbook import summary_workbook
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.reports import summary as msr
from app.views.downloads import xlsx_download


def summary_filename(found: msr.Summary) -> str:
    """'MSR-DPM-GST-ADJ-2_2024-03.xlsx', with the Zone drilled into (codes only)."""
    zone = f"_{found.zone}" if found.zone else ""
    return f"{found.summary.code}{zone}_{found.month}.xlsx"


class MprSummaryApi(BaseApi):
    """/api/v1/mpr/msr/..."""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(read=("list_summaries", "get_summary", "get_summary_xlsx"))
    openapi_spec_tag = "MPR summary reports"

    def _summary(self, code: str, period: str) -> msr.Summary:
        return msr.summary_for(
            current_actor(), code, period, request.args.get("order"), request.args.get("zone")
        )

    @expose("/msr", methods=["GET"])
    @protect()
    def list_summaries(self):
        """The Monthly Summary Reports the caller may read: code, format, title, key."""
        found = msr.readable(current_actor())
        result = [{"code": s.code, "format": s.format, "title": s.title, "key": s.key} for s in found]
        return self.response(200, result=result)

    @expose("/msr/<code>/<period>", methods=["GET"])
    @protect()
    def get_summary(self, code: str, period: str):
        """One MSR: a line per Zone ranked by the key measure, all-India last (?zone= drills down)."""
        return jsonify(msr.summary_json(self._summary(code, period)))  # its `code` is the MSR's own

    @expose("/msr/<code>/<period>/xlsx", methods=["GET"])
    @protect()
    def get_summary_xlsx(self, code: str, period: str):
        """The same MSR as an Excel workbook (numbers as numbers)."""
        found = self._summary(code, period)
        return xlsx_download(summary_workbook(found), summary_filename(found))
