"""Request hooks: CSRF on every state change, security headers, generic error pages."""

from __future__ import annotations

import contextlib
import logging
import secrets
from types import SimpleNamespace

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from app.errors import Refusal
from app.extensions import csrf
from app.i18n import page_language
from app.security.redirects import first_on_this_site

log = logging.getLogger(__name__)

# The driver lost or could not open its connection, or the pool had none to give in time.
DATABASE_UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)

# No inline script runs unless it carries this response's nonce. The MIS's own pages
# have none; FAB's admin pages (lists, filters, delete buttons) mark theirs with
# `baselib.get_nonce()`, which reads the `csp_nonce` Jinja global installed below.
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


def csp_nonce() -> str:
    """This response's script nonce (one per request, unguessable)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def _audit_refusal(response):
    """Every refused request (403) leaves an audit event: who, what path; never a body or secret."""
    if response.status_code != 403:
        return response
    from app.extensions import db
    from app.security.actor import request_user
    from app.services import audit

    user = request_user()
    try:
        db.session.rollback()  # the refused work must not ride along with the event
        audit.record(
            getattr(user, "id", None),
            getattr(user, "username", "anonymous"),
            "refused",
            "request",
            f"{request.method} {request.path}"[:160],
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - never turn a refusal into a crash; log it
        db.session.rollback()
        log.exception("could not audit a refused request")
    return response


def _rollback() -> None:
    """A failed statement leaves the session unusable: roll back before rendering anything."""
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the error page must render whatever the database says
        log.exception("rollback before an error page failed")


def _error_page(error: HTTPException):
    _rollback()
    # An error raised before FAB's own before_request (a refused CSRF token) has no
    # g.user yet, which the navbar needs: set it as FAB would.
    g.setdefault("user", current_user)
    if _is_api():
        return jsonify(message=error.description or error.name), error.code
    return render_template("mpr/error.html", error=error, appbuilder=current_app.appbuilder), error.code


def _back_after_refusal() -> str | None:
    """Where a refused form goes back to: the page its `next` field names, else the page it came from."""
    try:
        named = request.form.get("next")
    except HTTPException:  # the body itself was refused (too large, malformed): do not read it
        named = None
    return first_on_this_site(named, request.referrer)


def _refused(refusal: Refusal):
    """One place turns a business refusal into a response: JSON for the API, a flash on pages."""
    from app.extensions import db

    db.session.rollback()
    g.setdefault("user", current_user)
    status = refusal.http_status()
    if _is_api():
        return jsonify(refusal.as_dict()), status
    back = _back_after_refusal()
    if request.method == "POST" and back:
        flash(refusal.page_text(), "danger")
        return redirect(back)
    error = SimpleNamespace(code=status, name=refusal.code, description=refusal.page_text(), refused=True)
    return render_template("mpr/error.html", error=error, appbuilder=current_app.appbuilder), status


def _unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    _rollback()
    g.setdefault("user", current_user)
    if _is_api():
        return jsonify(message="Internal error"), 500
    return render_template("mpr/error.html", error=None, appbuilder=current_app.appbuilder), 500


# While the database cannot be reached (restarting, failing over, every pooled connection busy),
# a request fails with this status and a short page; the pool reconnects by itself afterwards.
UNAVAILABLE_RETRY_SECONDS = 30


def _database_unavailable(error: Exception):
    """503 with Retry-After, drawn without touching the database (no menu, no user lookup)."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    log.warning("database unavailable on %s %s: %s", request.method, request.path, first_line)
    _rollback()
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)}
    if _is_api():
        body = {"code": "database_unavailable", "message": "The database cannot be reached; try again."}
        return jsonify(body), 503, headers
    # Flask's context processors would look the user up: render the bare template instead.
    page = current_app.jinja_env.get_template("mpr/unavailable.html").render()
    return page, 503, headers


def _end_session_even_if_disconnected(_error: BaseException | None) -> None:
    """Close the request's session; if the server dropped its connection, discard it without a rollback.

    Runs before Flask-SQLAlchemy's own teardown (teardowns run last-registered first). Without it, a
    connection the database terminated mid-request (a restart) made the rollback in that teardown raise,
    and gunicorn answered 500 for a request the app had already answered.
    """
    from app.extensions import db

    try:
        db.session.remove()
    except DATABASE_UNREACHABLE as lost:
        log.warning("database connection lost at the end of a request: %s", str(lost).splitlines()[0])
        with contextlib.suppress(*DATABASE_UNREACHABLE):
            db.session.registry().invalidate()  # close the connection as unusable: no rollback is sent
        db.session.registry.clear()


def register_web_hooks(app: Flask) -> None:
    """Install CSRF checking, headers and error pages on `app`."""
    # The JSON API authenticates with JWT bearer tokens only (no cookies), so the
    # browser's ambient credentials cannot be abused there; every other POST needs a token.
    for name, blueprint in app.blueprints.items():
        if (
            name.endswith("Api")
            or name.endswith("ApiView")
            or blueprint.url_prefix
            and blueprint.url_prefix.startswith("/api/")
        ):
            csrf.exempt(blueprint)
    from app.security.edges import register_edges
    from app.security.modelviews import register_model_view_guard

    register_edges(app)

    register_model_view_guard(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    from app.services.engine.cell_input import number_grammar

    app.jinja_env.globals["mpr_number_grammar"] = number_grammar
    from app.presenters.grid_cells import format_cell_name

    app.jinja_env.globals["mpr_cell_name"] = format_cell_name
    from app.presenters.fed_legend import fed_legend

    app.jinja_env.globals["mpr_fed_legend"] = fed_legend
    app.jinja_env.globals["mpr_language"] = page_language
    from app.i18n import local, status_text

    app.jinja_env.filters["mpr_status"] = status_text
    from app.presenters.display import day, indian_number, moment, month_name, period_name

    # |num(places) 12,34,567.00 · |day dd-mm-yyyy · |moment dd-mm-yyyy HH:MM · |month_name January 2024
    app.jinja_env.filters.update(num=indian_number, day=day, moment=moment, month_name=month_name)
    app.jinja_env.globals.update(period_name=period_name)  # period_name(fmt, month): year, lag or month
    app.jinja_env.filters["local"] = local  # a definitions label in the page's language, for string filters
    from app.presenters.pagination import page_url

    app.jinja_env.globals["page_url"] = page_url
    from app.static_assets import install_static_fingerprints

    install_static_fingerprints(app)  # ?v=<content hash> on static URLs, cached for a year
    app.after_request(_add_security_headers)
    app.teardown_appcontext(_end_session_even_if_disconnected)
    app.after_request(_audit_refusal)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Refusal, _refused)
    for unreachable in DATABASE_UNREACHABLE:
        app.register_error_handler(unreachable, _database_unavailable)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, _unexpected)
