"""Targets in the JSON API: formats set by their owner (`set_by: owner`), one financial year.

`GET /api/v1/mpr/targets/<format>/<period>` — every office the caller reads, with the figures
of its total row; `GET .../<office>` — one office's return (rows and cells, as returns are
served); `PUT .../<office>` — the owner sets it: {"version", "rows": {row: {column: value}},
"reason"?}. Any month of the year names the year. 403 for roles that may not (set) targets,
404 outside the caller's jurisdiction or for another owner's format, 409 for a stale version
or a year that cannot be opened, 422 with every cell error. Refusals go to app/web.py.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import Action, may
from app.services.accounts.organisation import office_by_code
from app.services.cycle import target_year as years
from app.services.cycle import targets
from app.services.engine import serialise
from app.services.reports.requests import parse_month


def line_json(page: years.TargetYear, line: years.TargetLine) -> dict[str, Any]:
    """One office's line of a year's targets."""
    ret = line.ret
    return {
        "office": line.office.code,
        "name": line.office.name,
        "zone": line.zone.code,
        "set": line.is_set,
        "revision": ret.revision if ret is not None else 0,
        "set_at": ret.validated_at.isoformat(timespec="seconds") if ret is not None else None,
        "set_by": line.set_by,
        "cells": {c.code: serialise.cell_json(line.cells.get(c.code), c) for c in page.columns},
    }


def year_json(page: years.TargetYear) -> dict[str, Any]:
    """A year's targets: the format, the year, the columns, one line per office."""
    return {
        "format": page.fmt.code,
        "period": str(page.year),
        "year": page.year.fy_label,
        "may_set": page.may_set,
        "columns": [{"code": c.code, "label": c.label, "type": c.type} for c in page.columns],
        "offices": [line_json(page, line) for line in page.lines],
    }


class MprTargetsApi(BaseApi):
    """/api/v1/mpr/targets/..."""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(read=("list_targets", "get_target"), edit=("put_target",))
    openapi_spec_tag = "MPR targets"

    @expose("/targets/<format_code>/<period>", methods=["GET"])
    @protect()
    def list_targets(self, format_code: str, period: str):
        """Every office's targets for the financial year that `period` names."""
        fmt = targets.target_format(format_code)
        return self.response(200, **year_json(years.target_year(current_actor(), fmt, parse_month(period))))

    @expose("/targets/<format_code>/<period>/<office_code>", methods=["GET"])
    @protect()
    def get_target(self, format_code: str, period: str, office_code: str):
        """One office's targets for the year: rows and cells, `version` to quote when setting them."""
        fmt = targets.target_format(format_code)
        grid = years.office_targets(current_actor(), fmt, office_by_code(office_code), parse_month(period))
        return self.response(200, **_grid_json(grid))

    @expose("/targets/<format_code>/<period>/<office_code>", methods=["PUT"])
    @protect()
    def put_target(self, format_code: str, period: str, office_code: str):
        """Set one office's targets for the year: {"version", "rows", "reason"?} (the owner only)."""
        actor, fmt = current_actor(), targets.target_format(format_code)
        office = office_by_code(office_code)
        grid = years.office_targets(actor, fmt, office, parse_month(period))  # 404 outside what it reads
        if not may(actor, Action.SET, office, fmt):
            raise targets.TargetsRefused()
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("rows"), dict):
            return self.response_400('Send {"version": N, "rows": {row_key: {column: value}}}')
        if not isinstance(body.get("version"), int) or isinstance(body.get("version"), bool):
            return self.response_400("version must be the integer from the last GET")
        rows, reason = body["rows"], body.get("reason")
        if any(not isinstance(v, dict) for v in rows.values()) or not isinstance(reason, str | None):
            return self.response_400("each row must map column codes to values; reason is a text")
        result = targets.set_target(actor, fmt, office, grid.month, body["version"], rows, reason=reason)
        if not result.saved:
            return self.response(422, errors=[e.as_dict() for e in result.errors])
        return self.response(200, **_grid_json(result.grid), unchanged=result.unchanged)


def _grid_json(grid) -> dict[str, Any]:
    """A target return as the API serves returns, `set` saying whether the owner has set it."""
    found = serialise.return_json(grid)
    found["set"] = targets.is_set(grid.ret)
    found["year"] = grid.month.fy_label
    return found
