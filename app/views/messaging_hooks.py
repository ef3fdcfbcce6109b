"""After login the mailbox opens first when something is unread; the navbar shows the count."""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user, user_logged_in

MAILBOX_FIRST = "mpr_mailbox_first"
PASS_THROUGH = ("static", "appbuilder.static", "AuthDBView.logout", "AuthDBView.login")


def _flag_login(_app, user, **_extra) -> None:
    session[MAILBOX_FIRST] = True


def _mailbox_first():
    """The landing page after login is the mailbox when the user has unread messages."""
    if not session.get(MAILBOX_FIRST) or request.method != "GET" or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated or request.endpoint in PASS_THROUGH:
        return None
    session.pop(MAILBOX_FIRST, None)
    if request.endpoint != "HomeView.index":
        return None  # a deep link followed through the login page is not hijacked
    from app.services.messaging.mailbox import unread_count

    if unread_count(current_user.id):
        return redirect(url_for("MailboxView.index"))
    return None


def _template_helpers() -> dict:
    def mpr_unread() -> int:
        if not current_user.is_authenticated:
            return 0
        from app.services.messaging.mailbox import unread_count

        return unread_count(current_user.id)

    def mpr_grid_queries(fmt, office, month) -> list:
        from app.security.actor import current_actor
        from app.services.messaging.helpdesk import for_grid

        return for_grid(current_actor(), fmt, office, month)

    return {"mpr_unread": mpr_unread, "mpr_grid_queries": mpr_grid_queries}


def register_messaging_hooks(app: Flask) -> None:
    """Install the login flag, the mailbox-first redirect and the navbar count on `app`."""
    user_logged_in.connect(_flag_login, app)
    app.before_request(_mailbox_first)
    app.context_processor(_template_helpers)
