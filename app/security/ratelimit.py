"""Rate limits on every login path: FAB covers /login/; the API login is added here."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder import AppBuilder


def limit_api_login(appbuilder: AppBuilder) -> None:
    """Apply AUTH_RATE_LIMIT to POST /api/v1/security/login as FAB does for /login/."""
    sm = appbuilder.sm
    if not sm.is_auth_limited:
        return
    for view in appbuilder.baseviews:
        if type(view).__name__ == "SecurityApi":
            sm.limiter.limit(sm.auth_rate_limit, methods=["POST"])(view.blueprint)


def limit_sending(appbuilder: AppBuilder, view_names: tuple[str, ...]) -> None:
    """Apply MPR_SEND_RATE_LIMIT per client address to every POST of the messaging views."""
    limit = current_app.config.get("MPR_SEND_RATE_LIMIT")
    if not limit:
        return
    for view in appbuilder.baseviews:
        if type(view).__name__ in view_names:
            appbuilder.sm.limiter.limit(limit, methods=["POST"])(view.blueprint)
