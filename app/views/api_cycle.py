"""The monthly-cycle part of the JSON API (see shared/API.md): submit, validate, correct, status.

Same conventions as app/views/api.py: JWT only; 403 the role may not; 404 outside
jurisdiction or absent; 409 wrong state or stale version; 422 input errors listed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.models.org import Office
from app.presenters.pagination import api_paging, page_url, paginate_for_api
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import Action, may
from app.services.accounts.organisation import office_by_code
from app.services.cycle import corrections, remarks, status
from app.services.cycle.workflow import (
    send_back,
    submit,
    validate_owner,
)
from app.services.engine import catalogue
from app.services.engine.grid import open_grid


def _month(text: str | None) -> Month | None:
    try:
        return Month.parse(text) if text else None
    except ValueError:
        return None


def _return_month(fmt: FormatDef, text: str | None) -> Month | None:
    """The month of `fmt`'s return a period names (April of the year for an annual format)."""
    month = _month(text)
    return fmt.return_month(month) if month is not None else None


def _visible_return(
    format_code: str, office_code: str, period: str
) -> tuple[FormatDef, Office, Month] | None:
    """The format, office and month a return's URL names, or None when the caller may not see it."""
    fmt = catalogue.definitions().formats.get(format_code)
    office, month = office_by_code(office_code), _month(period)
    if fmt is None or month is None or not may(current_actor(), Action.VIEW, office, fmt):
        return None
    return fmt, office, fmt.return_month(month)  # any month of an annual format's year names its April


def _on_visible_return(endpoint: Callable[..., Response]) -> Callable[..., Response]:
    """Call the endpoint with the format, office and month its URL names; 404 if the caller may not see it."""

    @wraps(endpoint)
    def resolved(self: BaseApi, format_code: str, office_code: str, period: str) -> Response:
        target = _visible_return(format_code, office_code, period)
        if target is None:
            return self.response_404()
        return endpoint(self, *target)

    return resolved


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


class MprCycleApi(BaseApi):
    """/api/v1/mpr/... : submit, validations, corrections, status."""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(
        read=("status",),
        edit=("submit_return", "validate", "send_back", "raise_correction", "approve", "reject"),
    )
    openapi_spec_tag = "MPR cycle"

    @expose("/returns/<format_code>/<office_code>/<period>/submit", methods=["POST"])
    @protect()
    @_on_visible_return
    def submit_return(self, fmt: FormatDef, office: Office, month: Month):
        """Submit a draft: {"version"} optional; 422 with failing checks; 409 if not a draft."""
        if not may(current_actor(), Action.ENTER, office, fmt):
            return self.response_403()
        body = request.get_json(silent=True) or {}
        version = body.get("version", open_grid(fmt, office, month).version)
        ret = submit(current_actor(), fmt, office, month, version)
        return self.response(200, status=ret.status, version=ret.version, submitted_at=_iso(ret.submitted_at))

    @expose("/returns/<format_code>/<office_code>/<period>/send-back", methods=["POST"])
    @protect()
    @_on_visible_return
    def send_back(self, fmt: FormatDef, office: Office, month: Month):
        """Send a submitted return back: {"remarks", "cells": [{"row", "column", "remark"}]}."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400('Send {"remarks": "...", "cells": [{"row", "column", "remark"}]}')
        ret = send_back(current_actor(), fmt, office, month, body.get("remarks"), body.get("cells") or [])
        return self.response(200, status=ret.status, version=ret.version, sent_back=remarks.for_api(ret))

    @expose("/validations/<owner>/<office_code>/<period>", methods=["POST"])
    @protect()
    def validate(self, owner: str, office_code: str, period: str):
        """Validate all of one owner's formats for an office and month; 409 lists what is missing."""
        office, month = office_by_code(office_code), _month(period)
        if office is None or month is None or owner not in catalogue.definitions().owners:
            return self.response_404()
        if not may(current_actor(), Action.VIEW, office):
            return self.response_404()
        validated = validate_owner(current_actor(), owner, office, month)
        return self.response(200, validated=sorted(r.format_code for r in validated))

    @expose("/corrections", methods=["POST"])
    @protect()
    def raise_correction(self):
        """{"format","office","period","rows","justification"} (or "months": [{"period","rows"}]) -> 201."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400("Send a JSON object")
        fmt = catalogue.definitions().formats.get(body.get("format", ""))
        office = office_by_code(body.get("office", ""))
        if fmt is None or not may(current_actor(), Action.VIEW, office, fmt):
            return self.response_404()
        months = body.get("months") or [{"period": body.get("period"), "rows": body.get("rows")}]
        parsed = [(_return_month(fmt, m.get("period")), m.get("rows")) for m in months if isinstance(m, dict)]
        if not parsed or any(m is None or not isinstance(r, dict) for m, r in parsed):
            return self.response_400('Each month needs "period" (YYYY-MM) and "rows" {row: {column: value}}')
        created = corrections.raise_correction(
            current_actor(), fmt, office, parsed, body.get("justification", ""), body.get("client_token")
        )
        return self.response(201, number=created.number, status=created.status)

    def _decide(self, number: int, decide):
        found = corrections.find_request(number)
        fmt = catalogue.definitions().formats.get(found.format_code) if found is not None else None
        if found is None or fmt is None or not may(current_actor(), Action.VIEW, found.office, fmt):
            return self.response_404()
        decided = decide()
        return self.response(200, number=decided.number, status=decided.status)

    @expose("/corrections/<int:number>/approve", methods=["POST"])
    @protect()
    def approve(self, number: int):
        """The format's owner approves; the new revision replaces the old, which stays on record."""
        return self._decide(number, lambda: corrections.approve(current_actor(), number))

    @expose("/corrections/<int:number>/reject", methods=["POST"])
    @protect()
    def reject(self, number: int):
        """The format's owner rejects: {"reason"} required."""
        body = request.get_json(silent=True) or {}
        return self._decide(
            number, lambda: corrections.reject(current_actor(), number, body.get("reason", ""))
        )

    @expose("/status", methods=["GET"])
    @protect()
    def status(self):
        """?period=YYYY-MM[&owner=][&office=][&page=&page_size=]: per office and format, status and deadline.

        Without `page` or `page_size` every return comes at once, as before; with either, one page of
        at most API_MAX_PAGE_SIZE, with `page`, `page_size` and the `next` page's URL (null on the last).
        """
        month = _month(request.args.get("period"))
        if month is None:
            return self.response_400("period must be YYYY-MM")
        paging = api_paging(request.args)
        if isinstance(paging, str):
            return self.response_400(paging)
        states = status.return_states(
            current_actor(), month, owner=request.args.get("owner"), office_code=request.args.get("office")
        )
        shown, extra = states, {"count": len(states)}
        if paging is not None:
            page = paginate_for_api(states, *paging)
            shown = page.items
            following = page_url(page.number + 1, page_size=str(page.per_page)) if page.has_next else None
            extra.update(page=page.number, page_size=page.per_page, next=following)
        return self.response(
            200,
            **extra,
            result=[
                {
                    "office": s.office.code,
                    "format": s.fmt.code,
                    "owner": s.fmt.owner,
                    "status": s.ret.status if s.ret is not None else "not started",
                    "deadline_status": s.state,
                    "due": s.due.isoformat(),
                    "submitted_at": _iso(s.ret.submitted_at) if s.ret else None,
                    "validated_at": _iso(s.ret.validated_at) if s.ret else None,
                    "revision": s.ret.revision if s.ret else 0,
                    "amended": bool(s.ret and s.ret.amended),
                }
                for s in shown
            ],
        )
