"""Defences at the edge: every request is checked here once, before any view reads it.

- body size: `MAX_CONTENT_LENGTH` for ordinary requests, `MPR_MAX_UPLOAD_BYTES` for
  upload endpoints, `MPR_MAX_LOGIN_BYTES` for the two login paths (anonymous bodies are
  refused before they are read in full); `MAX_FORM_MEMORY_SIZE` bounds one form field;
- JSON: nested at most `MPR_MAX_JSON_DEPTH` levels (a deeper body never reaches a parser
  that recurses);
- text: no NUL or other control character in the path, a query parameter, a form field
  or a JSON string (tab, newline and carriage return are allowed in form and JSON text);
- integers in URLs: the `int` converter and FAB's `<pk>` stop at 2,147,483,647 (a larger
  id is simply not found, instead of an "integer out of range" from the database);
- periods (`period` in the path or the query) lie between `MPR_EARLIEST_PERIOD` and
  `MPR_LATEST_PERIOD_MONTHS` months after today.

A refusal is an `EdgeRefusal` (400 or 413) and goes through the one refusal handler.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer
from werkzeug.routing import IntegerConverter

from app.definitions.months import Month, parse_period
from app.errors import NotFound, Refusal
from app.presenters.display import indian_number

MAX_URL_INT = 2_147_483_647  # the largest value of an SQL INTEGER (ids in every core table)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR are text
_DIGITS = re.compile(r"^[0-9]{1,10}$")
LOGIN_PATHS = ("/login/", "/api/v1/security/login")
_UPLOAD = (  # paths whose bodies are uploaded files, allowed MPR_MAX_UPLOAD_BYTES
    re.compile(r"^/(?:api/v1/mpr/returns/[^/]+|mpr/f/[^/]+)/[^/]+/[^/]+/upload$"),  # a return
    re.compile(r"^(/api/v1)?/mpr/bulk/[^/]+/?$"),  # a bulk load: the API and the page
)


class EdgeRefusal(Refusal):
    """The request itself is malformed (400) or too large (413)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: Any, status: int = 400, code: str = "bad_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only values an SQL INTEGER column can hold."""

    def __init__(
        self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = None
    ) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=MAX_URL_INT if max is None else max)


def install_converters(app: Flask) -> None:
    """Bound `<int:...>` in every route; call before any view is registered."""
    app.url_map.converters["int"] = BoundedIntConverter


def body_limit() -> int:
    """The largest request body (bytes) the current path accepts."""
    config = current_app.config
    if request.path in LOGIN_PATHS:
        return config["MPR_MAX_LOGIN_BYTES"]
    if any(pattern.match(request.path) for pattern in _UPLOAD):
        return config["MPR_MAX_UPLOAD_BYTES"]
    return config["MAX_CONTENT_LENGTH"]


def _check_size() -> None:
    limit = body_limit()
    request.max_content_length = limit  # also bounds a chunked body without Content-Length
    if request.content_length is not None and request.content_length > limit:
        raise EdgeRefusal(
            _l("The request is too large (at most %(limit)s bytes here).", limit=indian_number(limit)),
            status=413,
            code="too_large",
        )


def _refuse_control(where: str) -> None:
    raise EdgeRefusal(
        _l("%(where)s contains a control character (such as NUL); remove it.", where=where),
        code="control_character",
    )


def _check_text(where: str, value: str, pattern: re.Pattern = _CONTROL) -> None:
    if pattern.search(value):
        _refuse_control(where)


def _check_url() -> None:
    _check_text(str(_l("The address")), request.path)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_text(str(_l("The address part '%(name)s'", name=name)), value)
    for name, value in request.args.items(multi=True):
        _check_text(str(_l("The parameter '%(name)s'", name=name[:40])), name + value)


def _check_form() -> None:
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return
    largest = current_app.config["MAX_FORM_MEMORY_SIZE"]
    for raw_name, value in request.form.items(multi=True):
        name = raw_name or ""  # Werkzeug gives None for a part whose name it cannot decode
        if len(value) > largest:  # Werkzeug bounds multipart fields only
            raise EdgeRefusal(
                _l("The field '%(name)s' is too long.", name=name[:40]), status=413, code="too_large"
            )
        _check_text(str(_l("The field '%(name)s'", name=name[:40])), name)
        _check_text(str(_l("The field '%(name)s'", name=name[:40])), value, _CONTROL_IN_TEXT)
    for raw_name, upload in request.files.items(multi=True):
        name = raw_name or ""
        _check_text(str(_l("The file name of '%(name)s'", name=name[:40])), name + (upload.filename or ""))


def _walk_json(body: Any, max_depth: int) -> None:
    """Refuse JSON nested deeper than `max_depth` or with a control character in a string."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(str(_l("A text in the JSON body")), node, _CONTROL_IN_TEXT)
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > max_depth:
            raise EdgeRefusal(_l("The JSON body is nested too deeply (at most %(n)s levels).", n=max_depth))
        if isinstance(node, dict):
            for key, value in node.items():
                _check_text(str(_l("A name in the JSON body")), key)
                stack.append((value, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node)


def _check_json() -> None:
    if not request.is_json or not request.content_length:
        return
    max_depth = current_app.config["MPR_MAX_JSON_DEPTH"]
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise EdgeRefusal(
            _l("The JSON body is nested too deeply (at most %(n)s levels).", n=max_depth)
        ) from None
    if body is not None:
        _walk_json(body, max_depth)


def _integer_pk_view() -> bool:
    """Whether the matched endpoint is a FAB model view whose model has an integer key."""
    view = getattr(current_app.view_functions.get(request.endpoint), "__self__", None)
    datamodel = getattr(view, "datamodel", None)
    obj = getattr(datamodel, "obj", None)
    try:
        keys = obj.__mapper__.primary_key
    except AttributeError:
        return False
    return len(keys) == 1 and isinstance(keys[0].type, Integer)


def _check_pk() -> None:
    pk = (request.view_args or {}).get("pk")
    if pk is None or not _integer_pk_view():
        return
    if not _DIGITS.match(str(pk)) or int(pk) > MAX_URL_INT:
        raise NotFound()


def period_bounds() -> tuple[Month, Month]:
    """The earliest and latest period any request may name."""
    config = current_app.config
    earliest = Month.parse(config["MPR_EARLIEST_PERIOD"])
    latest = Month.of(dt.date.today()).shift(config["MPR_LATEST_PERIOD_MONTHS"])
    return earliest, latest


def _check_periods() -> None:
    texts = [v for k, v in (request.view_args or {}).items() if k == "period" and isinstance(v, str)]
    texts += request.args.getlist("period")
    earliest, latest = period_bounds()
    for text in texts:
        try:
            Month.parse(text)
        except ValueError:
            continue  # malformed: the view answers as it always has (404 in paths)
        try:
            parse_period(text, earliest, latest)
        except ValueError:
            message = _l(
                "The period %(month)s is outside the months this system covers (%(earliest)s to %(latest)s)",
                month=text,
                earliest=str(earliest),
                latest=str(latest),
            )
            raise EdgeRefusal(message, code="bad_period") from None


def check_request() -> None:
    """Refuse a malformed or oversized request before any view (or FAB, or CSRF) reads it."""
    _check_size()
    _check_url()
    _check_periods()
    _check_pk()
    _check_json()
    _check_form()


def register_edges(app: Flask) -> None:
    """Run `check_request` before every other request hook."""
    app.config.setdefault("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
