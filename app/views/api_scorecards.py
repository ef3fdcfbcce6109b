"""Scorecards in the JSON API: the list, one scorecard, and its workbook.

JWT only. The Board reads every scorecard, a Functional Owner its own (403 for other roles,
404 for a scorecard that is absent or not the caller's); refusals go to app/web.py.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.presenters.scorecard_workbook import scorecard_workbook
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.reports import scorecard as sc
from app.views.downloads import xlsx_download


def scorecard_filename(found: sc.Scorecard) -> str:
    """'SC-GST-ZONES_GZ-MUM_2024-05_upto.xlsx' (codes only)."""
    zone = f"_{found.zone}" if found.zone else ""
    return f"{found.card.code}{zone}_{found.month}_{found.basis}.xlsx"


class MprScorecardApi(BaseApi):
    """/api/v1/mpr/scorecards/..."""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(read=("list_scorecards", "get_scorecard", "get_scorecard_xlsx"))
    openapi_spec_tag = "MPR scorecards"

    def _scorecard(self, code: str, period: str) -> sc.Scorecard:
        return sc.scorecard_for(
            current_actor(), code, period, request.args.get("basis"), request.args.get("zone")
        )

    @expose("/scorecards", methods=["GET"])
    @protect()
    def list_scorecards(self):
        """The scorecards the caller may read: code, title, owner, groups with their weights."""
        result = [
            {
                "code": card.code,
                "title": card.title,
                "owner": card.owner,
                "groups": [{"code": g.code, "title": g.title, "weight": g.weight} for g in card.groups],
            }
            for card in sc.readable(current_actor())
        ]
        return self.response(200, result=result)

    @expose("/scorecards/<code>/<period>", methods=["GET"])
    @protect()
    def get_scorecard(self, code: str, period: str):
        """One scorecard: a line per Zone ranked by grade (?zone= its offices; ?basis=month|upto)."""
        return jsonify(sc.scorecard_json(self._scorecard(code, period)))

    @expose("/scorecards/<code>/<period>/xlsx", methods=["GET"])
    @protect()
    def get_scorecard_xlsx(self, code: str, period: str):
        """The same scorecard as an Excel workbook (numbers as numbers)."""
        found = self._scorecard(code, period)
        return xlsx_download(scorecard_workbook(found), scorecard_filename(found))
