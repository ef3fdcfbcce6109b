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


def _sender_key() -> str:
    """Count per signed-in user (session or JWT); per client address before sign-in."""
    from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
    from flask_jwt_extended.exceptions import JWTExtendedException
    from flask_limiter.util import get_remote_address
    from flask_login import current_user
    from jwt.exceptions import PyJWTError

    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    try:  # the limit is checked before FAB reads the API token: read it here
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except (JWTExtendedException, PyJWTError):
        identity = None
    return f"user:{identity}" if identity is not None else get_remote_address()


def limit_sending(appbuilder: AppBuilder, view_names: tuple[str, ...]) -> None:
    """Apply MPR_SEND_RATE_LIMIT per user to every POST of the messaging views."""
    limit = current_app.config.get("MPR_SEND_RATE_LIMIT")
    if not limit:
        return
    for view in appbuilder.baseviews:
        if type(view).__name__ in view_names:
            appbuilder.sm.limiter.limit(limit, methods=["POST"], key_func=_sender_key)(view.blueprint)
