"""The feed part of the JSON API: another departmental system writes a return's fed cells.

JWT only, for the system account of a source (role "Feed <source>", which holds this
endpoint and nothing else): 403 for every other role (FAB's permission on MPR feed API) and
for a format its source does not feed; 404 for an absent format or office, or an office that
does not file the format; 409 for a return already submitted or validated, or a month that
cannot be filed; 422 with an error at each cell that cannot be fed (an entered column, another
source's column, a value the cell would refuse if typed).
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.definitions.months import Month
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import applies_to, may_feed
from app.services.accounts.organisation import office_by_code
from app.services.cycle.feeding import feed_return
from app.services.engine import catalogue

BODY_HINT = 'Send {"rows": {row_key: {fed_column: value}}}'


class MprFeedApi(BaseApi):
    """/api/v1/mpr/returns/<format>/<office>/<period>/fed"""

    resource_name = "mpr"
    class_permission_name = p.FEED_API
    method_permission_name = p.methods(edit=("put_fed",))
    openapi_spec_tag = "MPR feed"

    @expose("/returns/<format_code>/<office_code>/<period>/fed", methods=["PUT"])
    @protect()
    def put_fed(self, format_code: str, office_code: str, period: str):
        """Write fed cells: {"rows": {row_key: {fed_column: value}}}; the office's cells are kept."""
        fmt = catalogue.definitions().formats.get(format_code)
        office = office_by_code(office_code)
        try:
            month = Month.parse(period)
        except ValueError:
            month = None
        if fmt is None or office is None or month is None or not applies_to(fmt, office):
            return self.response_404()
        if not may_feed(current_actor(), fmt):
            return self.response_403()
        body = request.get_json(silent=True)
        rows = body.get("rows") if isinstance(body, dict) else None
        if not isinstance(rows, dict) or any(not isinstance(cells, dict) for cells in rows.values()):
            return self.response_400(BODY_HINT)
        result = feed_return(current_actor(), fmt, office, month, rows)
        fed = {source: result.fed_at.isoformat(timespec="seconds") for source in result.sources}
        return self.response(200, fed=fed, status=result.ret.status, version=result.ret.version)
