"""Server-side control of sessions and tokens.

Each user has a session epoch. A browser session records the epoch it was opened
under and an API token carries it as a claim; logout, password change, deactivation
and role change bump the epoch, so every copy of an old cookie or token stops working.
Sessions also end after a period of inactivity and after an absolute lifetime.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.org import UserProfile
from app.security.roles import is_system_account

EPOCH_KEY = "_mpr_epoch"
LOGIN_AT_KEY = "_mpr_login_at"
SEEN_KEY = "_mpr_seen"
# Endpoints a user who must set a password and profile may still reach.
ALLOWED_WHILE_FORCED = {"AccountView.password", "AuthDBView.logout", "static", "appbuilder.static"}
# The only pages a source's system account (roles "Feed <source>") reaches: it works through the API.
SYSTEM_ACCOUNT_PAGES = {
    *("AuthDBView.login", "AuthDBView.logout", "LocaleView.index", "LanguageChoice.keep"),
    *("UtilView.back", "health.health_check", "static", "appbuilder.static"),
}


def now() -> dt.datetime:
    """UTC now, naive (as stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def profile_of(user_id: int) -> UserProfile | None:
    """The MIS profile of a user (read once per request)."""
    cache = g.setdefault("mpr_profiles", {}) if has_request_context() else {}
    if user_id not in cache:
        cache[user_id] = db.session.execute(
            select(UserProfile).where(UserProfile.user_id == user_id)
        ).scalar_one_or_none()
    return cache[user_id]


def epoch_of(user_id: int) -> int:
    """The user's current session epoch."""
    profile = profile_of(user_id)
    return profile.session_epoch if profile is not None else 0


def bump_epoch(user_id: int) -> None:
    """End every session and token of the user (takes effect on their next request)."""
    profile = profile_of(user_id)
    if profile is not None:
        profile.session_epoch = (profile.session_epoch or 0) + 1


def start_session(user) -> None:
    """Stamp a fresh session with the user's epoch and the login time."""
    session.permanent = True
    session[EPOCH_KEY] = epoch_of(user.id)
    session[LOGIN_AT_KEY] = session[SEEN_KEY] = now().timestamp()


def _on_login(_app, user, **_extra) -> None:
    start_session(user)


def _expired(config) -> str | None:
    stamp = now().timestamp()
    if stamp - session.get(SEEN_KEY, 0) > config["MPR_IDLE_TIMEOUT_MINUTES"] * 60:
        return _("Your session ended after a period of inactivity. Please sign in again.")
    if stamp - session.get(LOGIN_AT_KEY, 0) > config["MPR_ABSOLUTE_TIMEOUT_HOURS"] * 3600:
        return _("Your session reached its maximum length. Please sign in again.")
    return None


def enforce_session():
    """before_request: end stale sessions; hold users who must set a password and profile."""
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    reason = None
    if session.get(EPOCH_KEY) != epoch_of(current_user.id):
        reason = _(
            "You were signed out (signed out elsewhere, password or role changed). Please sign in again."
        )
    else:
        reason = _expired(current_app.config)
    if reason:
        logout_user()
        session.clear()
        flash(reason, "warning")
        return redirect(url_for("AuthDBView.login"))
    session[SEEN_KEY] = now().timestamp()
    system_account = is_system_account({role.name for role in current_user.roles})
    if system_account and request.endpoint not in SYSTEM_ACCOUNT_PAGES:
        abort(403)  # a system account feeds cells through the API; no page is for it
    profile = profile_of(current_user.id)
    if profile is not None and profile.must_change_password and request.endpoint not in ALLOWED_WHILE_FORCED:
        return redirect(url_for("AccountView.password"))
    return None


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _collection_members(obj, name: str) -> set:
    """Members of a collection now and before this flush (both ends of a change)."""
    history = inspect(obj).attrs[name].history
    return set(history.added or ()) | set(history.unchanged or ()) | set(history.deleted or ())


def _users_whose_access_changed(session_: Session) -> set[int]:
    """Users deactivated, given a new password, or whose roles changed (directly, by group or role)."""
    from flask_appbuilder.security.sqla.models import Group, Role

    user_ids: set[int] = set()
    for obj in list(session_.dirty):
        if isinstance(obj, User) and _changed(obj, "active", "roles", "groups", "password"):
            user_ids.add(obj.id)
        elif isinstance(obj, Group) and _changed(obj, "users", "roles"):
            user_ids |= {user.id for user in _collection_members(obj, "users")}
        elif isinstance(obj, Role) and _changed(obj, "user"):
            user_ids |= {user.id for user in _collection_members(obj, "user")}
    return {user_id for user_id in user_ids if user_id is not None}


def _user_changes_that_end_sessions(session_: Session, _context, _instances) -> None:
    """Deactivation, role change or a new password ends the user's sessions, by any path."""
    user_ids = _users_whose_access_changed(session_)
    if not user_ids:
        return
    profiles = session_.execute(select(UserProfile).where(UserProfile.user_id.in_(user_ids))).scalars()
    for profile in profiles:
        profile.session_epoch = (profile.session_epoch or 0) + 1


def register_session_control(app: Flask) -> None:
    """Install the hooks on `app` (and the flush listener once per process)."""
    app.before_request(enforce_session)
    user_logged_in.connect(_on_login, app)
    if not event.contains(Session, "before_flush", _user_changes_that_end_sessions):
        event.listen(Session, "before_flush", _user_changes_that_end_sessions)
