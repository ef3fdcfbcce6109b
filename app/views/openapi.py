"""GET /api/v1/_openapi: the OpenAPI document of every API endpoint (the Swagger page stays off).

FAB documents an endpoint only from YAML in its docstring. The MIS's endpoints are
documented here instead, from the URL map itself: every rule under /api/<version>/ gets
an operation with its path parameters typed (format and office codes, owners, periods,
bounded integers), and the query parameters and request bodies listed in `DETAILS`.
A new endpoint is therefore documented (and fuzzed) the moment it is registered.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.api.manager import OpenApi
from flask_appbuilder.security.decorators import protect
from sqlalchemy import select

from app.extensions import db
from app.presenters.pagination import API_MAX_PAGE_SIZE
from app.security import permissions as p
from app.security.edges import MAX_URL_INT
from app.services.engine import catalogue

PERIOD = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2024-01"}
CELL = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]}
ROWS = {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": CELL}}
_RULE_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _body(properties: dict, required: tuple[str, ...] = ()) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _upload_body() -> dict:
    """A filled Excel template as the multipart field `file`."""
    schema = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _query(name: str, schema: dict) -> dict:
    return {"in": "query", "name": name, "required": False, "schema": schema}


def _codes() -> dict[str, dict]:
    """Schemas of the code-valued path parameters, from the definitions and the organisation."""
    from app.models.org import Office

    definitions = catalogue.definitions()
    offices = sorted(db.session.execute(select(Office.code)).scalars())
    return {
        "format_code": {"type": "string", "enum": sorted(definitions.formats)},
        "office_code": {"type": "string", "enum": offices} if offices else {"type": "string"},
        "owner": {"type": "string", "enum": sorted(definitions.owners)},
        "period": PERIOD,
    }


def _details(codes: dict[str, dict]) -> dict[str, dict]:
    """Query parameters and bodies by endpoint (what the URL map cannot say)."""
    correction = {
        "format": codes["format_code"],
        "office": codes["office_code"],
        "period": PERIOD,
        "rows": ROWS,
        "justification": {"type": "string"},
        "client_token": {"type": "string"},
    }
    return {
        **_bulk_details(),
        **_scorecard_details(),
        "MprApi.formats": {"parameters": [_query("period", PERIOD)]},
        "MprApi.put_return": {"requestBody": _body({"version": {"type": "integer"}, "rows": ROWS})},
        "MprApi.upload_return": {
            "parameters": [_query("dry_run", {"type": "string", "enum": ["0", "1"]})],
            "requestBody": _upload_body(),
        },
        "MprFeedApi.put_fed": {
            "requestBody": _body({"rows": ROWS}, ("rows",)),
            "responses": {
                "200": {"description": "{fed: {source: fed at}, status, version}: the fed cells are stored"},
                "403": {"description": "not the system account of a source that feeds the format"},
                "404": {"description": "no such format or office, or the office does not file the format"},
                "409": {"description": "the return is submitted or validated, or the month cannot be filed"},
                "422": {"description": "every cell that cannot be fed {row, column, code, message}"},
            },
        },
        "MprDashboardApi.get_dashboard": {
            "responses": {
                "200": {
                    "description": "{period, indicators: [{code, title, format, row, column, unit, figure, "
                    "comparisons, trend, ranking, total, status}], not_in_force}"
                },
                "403": {"description": "the dashboard is for the Functional Owners and the Board"},
                "422": {"description": "the period is not a month written YYYY-MM"},
            }
        },
        "MprCycleApi.submit_return": {"requestBody": _body({"version": {"type": "integer"}})},
        "MprTargetsApi.put_target": {
            "requestBody": _body(
                {"version": {"type": "integer"}, "rows": ROWS, "reason": {"type": "string"}},
                ("version", "rows"),
            ),
            "responses": {
                "200": {"description": "the office's targets as set (rows, version, revision)"},
                "403": {"description": "not the owner of the format (only its owner sets targets)"},
                "404": {"description": "no such format set by its owner, or an office outside the caller's"},
                "409": {"description": "a stale version, or a year not under way nor the next one"},
                "422": {"description": "every cell error {row, column, code, message}"},
            },
        },
        "MprCycleApi.raise_correction": {"requestBody": _body(correction, ("format", "office", "period"))},
        "MprCycleApi.reject": {"requestBody": _body({"reason": {"type": "string"}}, ("reason",))},
        "MprCycleApi.status": {
            "parameters": [
                _query("period", PERIOD),
                _query("owner", codes["owner"]),
                _query("office", codes["office_code"]),
                _query("page", {"type": "integer", "minimum": 1}),
                _query("page_size", {"type": "integer", "minimum": 1, "maximum": API_MAX_PAGE_SIZE}),
            ]
        },
    }


def _scorecard_details() -> dict[str, dict]:
    """A scorecard: for the month or up to it, all Zones or one Zone's offices."""
    query = [
        _query("basis", {"type": "string", "enum": ["month", "upto"], "default": "month"}),
        _query("zone", {"type": "string", "description": "a Zone's code: grade its offices"}),
    ]
    return {
        f"MprScorecardApi.{name}": {"parameters": query} for name in ("get_scorecard", "get_scorecard_xlsx")
    }


def _bulk_details() -> dict[str, dict]:
    """The bulk load: a template (prefilled for a range of months) and a multipart upload."""
    upload = {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": ".xlsx (sheet Data) or .csv"}
        },
        "required": ["file"],
    }
    flag = {"type": "string", "enum": ["0", "1"], "default": "1"}
    status = {"type": "string", "enum": ["submitted", "validated"], "default": "submitted"}
    return {
        "MprBulkApi.template": {"parameters": [_query("from", PERIOD), _query("until", PERIOD)]},
        "MprBulkApi.load": {
            "parameters": [_query("dry_run", flag), _query("status", status)],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": upload}}},
            "responses": {
                "200": {
                    "description": "dry run: the plan {returns, errors: [], disagreements: []}; else counts"
                },
                "403": {"description": "the role may not bulk load at all"},
                "404": {"description": "no such format, or not one the caller may load"},
                "422": {
                    "description": "the plan: every error {sheet, cell, row, column, code, message} and "
                    "every disagreement {office, month, row, column, opening, previous_closing, cell}"
                },
            },
        },
    }


def _path_parameter(converter: str | None, name: str, codes: dict[str, dict]) -> dict:
    if converter == "int":
        schema = {"type": "integer", "minimum": 0, "maximum": MAX_URL_INT}
    else:
        schema = codes.get(name, {"type": "string"})
    return {"in": "path", "name": name, "required": True, "schema": schema}


def complete_document(document: dict, version: str) -> None:
    """Add an operation for every API rule of `version` that FAB's document lacks."""
    codes = _codes()
    details = _details(codes)
    paths = document.setdefault("paths", {})
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(f"/api/{version}/") or rule.endpoint == "MprOpenApi.get":
            continue
        path = _RULE_ARG.sub(r"{\2}", rule.rule)
        arguments = [_path_parameter(c, n, codes) for c, n in _RULE_ARG.findall(rule.rule)]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = paths.setdefault(path, {}).setdefault(method.lower(), {})
            _complete_operation(operation, rule.endpoint, arguments, details.get(rule.endpoint, {}))


def _complete_operation(operation: dict, endpoint: str, arguments: list, extra: dict) -> None:
    """Fill what FAB left out of one operation; what its docstring YAML says is kept."""
    operation.setdefault("operationId", endpoint)
    operation.setdefault("tags", [endpoint.split(".")[0]])
    known = {(x.get("in"), x.get("name")) for x in operation.get("parameters", [])}
    wanted = [x for x in arguments + extra.get("parameters", []) if (x["in"], x["name"]) not in known]
    operation["parameters"] = operation.get("parameters", []) + wanted
    default = {"default": {"description": "JSON; 4xx with a message when refused"}}
    operation.setdefault("responses", extra.get("responses", default))
    if "requestBody" in extra:
        operation.setdefault("requestBody", extra["requestBody"])


class MprOpenApi(OpenApi):
    """FAB's OpenAPI endpoint, readable by every signed-in role, completed from the URL map."""

    class_permission_name = p.MPR_API
    method_permission_name = p.methods(read=("get",))

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI document of every endpoint of API `version` (e.g. v1)."""
        spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(spec)
                found = True
        if not found:
            return self.response_404()
        document = spec.to_dict()
        complete_document(document, version)
        return self.response(200, **document)
