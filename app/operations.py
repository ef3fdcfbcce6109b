"""What operators need from every worker: a health check, request ids in logs, cache and HSTS headers.

Workers are stateless: sessions live in signed cookies checked against the database
(app/security/sessions.py), login limits in the shared RATELIMIT_STORAGE_URI, so any
number of gunicorn workers behind a load balancer serve the same users.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time

from flask import Blueprint, Flask, g, jsonify, request
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import db

log = logging.getLogger(__name__)
health = Blueprint("health", __name__)
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@health.route("/health")
def health_check():
    """200 when this worker can reach the database, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy"; say so, never raise
        db.session.rollback()
        log.warning("health check failed: %s", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


def current_request_id() -> str:
    """This request's id: the proxy's X-Request-ID when well-formed, else a new one."""
    if "request_id" not in g:
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if REQUEST_ID.fullmatch(offered) else secrets.token_hex(8)
    return g.request_id


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _start_timer():
    g.request_started = time.perf_counter()
    current_request_id()


def _finish(response):
    response.headers["X-Request-ID"] = current_request_id()
    if not request.path.startswith("/static/"):
        # Logged-in pages and API data must not stay in shared or browser caches.
        response.headers["Cache-Control"] = "no-store"
    hsts = _app_config("MPR_HSTS_SECONDS")
    if hsts and request.is_secure:
        response.headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
    elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    logging.getLogger("mpr.access").info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": current_request_id(),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(elapsed, 1),
        },
    )
    return response


def _app_config(name: str):
    from flask import current_app

    return current_app.config.get(name)


def _json_logs() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def register_operations(app: Flask) -> None:
    """Install the health check, request ids, access log, cache and HSTS headers, proxy trust."""
    app.register_blueprint(health)
    app.before_request(_start_timer)
    app.after_request(_finish)
    hops = app.config.get("MPR_PROXY_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config.get("MPR_JSON_LOGS"):
        _json_logs()
