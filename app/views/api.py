"""The public JSON API (see shared/API.md): formats, offices, and returns read and save.

JWT only (FAB's `protect()`), guarded by the same jurisdiction policy as the pages:
401 not logged in; 403 the role may not do this at all; 404 outside jurisdiction or
absent (indistinguishable); 409 stale version or wrong state; 422 cell errors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.models.org import Office
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import ENTERING_KINDS, Action, may
from app.services.accounts.organisation import office_by_code, offices_visible_to
from app.services.cycle import remarks
from app.services.cycle.saving import save_draft
from app.services.engine import abilities, catalogue, serialise
from app.services.engine.figures import require_figures
from app.services.engine.grid import last_open_month, open_grid
from app.services.engine.index import readable_formats
from app.services.exchange.upload import upload_return
from app.services.reports.outliers import return_warnings
from app.views.downloads import template_download

Endpoint = Callable[..., Response]


def _month(text: str | None) -> Month | None:
    try:
        return Month.parse(text) if text else last_open_month()
    except ValueError:
        return None


def _on_return(action: Action) -> Callable[[Endpoint], Endpoint]:
    """Call the endpoint with the format, office and month its URL names, once the caller may
    `action` that return (404 outside jurisdiction, 403 without the permission)."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        def resolved(self: MprApi, format_code: str, office_code: str, period: str) -> Response:
            target, refusal = self._target(format_code, office_code, period, action)
            if refusal is not None:
                return refusal
            return endpoint(self, *target)

        return resolved

    return decorate


class MprApi(BaseApi):
    """/api/v1/mpr/..."""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(
        read=("formats", "offices", "get_return"), edit=("put_return", "get_template", "upload_return")
    )
    openapi_spec_tag = "MPR"

    def _may_format(self, permission: str, fmt) -> bool:
        sm = current_app.appbuilder.sm
        return sm.has_access(permission, fmt.permission_name)

    @expose("/formats", methods=["GET"])
    @protect()
    def formats(self):
        """Formats the caller may see, with the columns and rows in force for ?period."""
        month = _month(request.args.get("period"))
        if month is None:
            return self.response_400("period must be YYYY-MM")
        actor = current_actor()
        offices = offices_visible_to(actor, tuple(ENTERING_KINDS))
        result = [
            {**serialise.format_json(f, month), "may": abilities.for_caller(actor, f, offices)}
            for f in readable_formats(month)
        ]
        return self.response(200, result=result)

    @expose("/offices", methods=["GET"])
    @protect()
    def offices(self):
        """Offices the caller may see."""
        return self.response(
            200, result=[serialise.office_json(o) for o in offices_visible_to(current_actor())]
        )

    def _target(self, format_code: str, office_code: str, period: str, action: Action):
        fmt = catalogue.definitions().formats.get(format_code)
        office = office_by_code(office_code)
        month = _month(period)
        if fmt is None or month is None or not may(current_actor(), Action.REPORT, office, fmt):
            return None, self.response_404()
        month = fmt.return_month(month)  # any month of an annual format's year names its April
        permission = p.CAN_READ if action is Action.REPORT else p.CAN_EDIT
        if not self._may_format(permission, fmt) or not may(current_actor(), action, office, fmt):
            return None, self.response_403()
        return (fmt, office, month), None

    @expose("/returns/<format_code>/<office_code>/<period>", methods=["GET"])
    @protect()
    @_on_return(Action.REPORT)
    def get_return(self, fmt: FormatDef, office: Office, month: Month):
        """The return with every row, carried and computed cells, check results (`checks`, failing
        checks across formats included) and the checks across formats still pending (`pending_checks`)."""
        require_figures(current_actor(), fmt, office, month)
        own = may(current_actor(), Action.ENTER, office, fmt)  # then the other formats' drafts count
        grid = open_grid(fmt, office, month, office_view=own)  # a closed month: 409 in app/web.py
        return self.response(200, **serialise.return_json(grid), sent_back=remarks.for_api(grid.ret))

    @expose("/returns/<format_code>/<office_code>/<period>", methods=["PUT"])
    @protect()
    @_on_return(Action.ENTER)
    def put_return(self, fmt: FormatDef, office: Office, month: Month):
        """Save a draft: {"version", "rows": {row_key: {column: value}}}."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("rows"), dict):
            return self.response_400('Send {"version": N, "rows": {row_key: {column: value}}}')
        if not isinstance(body.get("version"), int):
            return self.response_400("version must be the integer from the last GET")
        rows = body["rows"]
        if any(v is not None and not isinstance(v, dict) for v in rows.values()):
            return self.response_400("each row must map column codes to values (or be null)")
        result = save_draft(current_actor(), fmt, office, month, body["version"], rows)
        if not result.saved:
            return self.response(422, errors=[e.as_dict() for e in result.errors])
        warned = [w.as_dict() for w in return_warnings(result.grid)]  # soft: saved all the same
        return self.response(200, **serialise.return_json(result.grid), warnings=warned)

    @expose("/returns/<format_code>/<office_code>/<period>/template", methods=["GET"])
    @protect()
    @_on_return(Action.ENTER)
    def get_template(self, fmt: FormatDef, office: Office, month: Month):
        """The return as an Excel template to fill offline (carried and computed cells locked)."""
        return template_download(open_grid(fmt, office, month))

    @expose("/returns/<format_code>/<office_code>/<period>/upload", methods=["POST"])
    @protect()
    @_on_return(Action.ENTER)
    def upload_return(self, fmt: FormatDef, office: Office, month: Month):
        """A filled template (multipart `file`): saved as a draft, or 422 with every error by cell."""
        upload = request.files.get("file")
        if upload is None:
            return self.response_400("Send the filled template as the multipart field 'file'")
        dry_run = request.args.get("dry_run", "") in ("1", "true", "yes")
        data, filename = upload.read(), upload.filename or ""
        outcome = upload_return(current_actor(), fmt, office, month, data, dry_run=dry_run, filename=filename)
        if outcome.errors:
            return self.response(422, errors=[e.as_dict() for e in outcome.errors])
        if dry_run:
            return self.response(200, dry_run=True, cells=outcome.cells, errors=[])
        uploaded = {"cells": outcome.cells, "unchanged": outcome.unchanged}
        return self.response(200, **serialise.return_json(outcome.grid), uploaded=uploaded)
