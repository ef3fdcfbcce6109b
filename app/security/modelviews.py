"""Guard FAB's generic ModelView endpoints that FAB itself leaves open.

FAB 5.3's `action` and `action_post` endpoints carry no `@has_access`: a user without
the action's permission is flashed and redirected (no 403, so nothing is audited), an
unknown action name crashes (500), and the records are fetched without the view's
`base_filters`, so a row filter never limits what an action touches. `download` serves
files from UPLOAD_FOLDER, which the MIS does not use (a KeyError, 500).

This before_request hook answers those endpoints properly for every ModelView:
anonymous users are sent to the login page, an unknown action or a record outside the
view's filters (or absent) is 404, a missing permission is 403.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

GUARDED = {"action", "action_post", "download"}


def _model_views(app: Flask) -> dict[str, ModelView]:
    views = app.extensions.get("mpr_model_views")
    if views is None:
        views = {type(v).__name__: v for v in app.appbuilder.baseviews if isinstance(v, ModelView)}
        app.extensions["mpr_model_views"] = views
    return views


def _admitted(view: ModelView, permission: str) -> bool:
    return current_app.appbuilder.sm.has_access(permission, view.class_permission_name)


def _check_action(view: ModelView) -> None:
    if request.endpoint.endswith(".action"):
        name, keys = request.view_args.get("name"), [request.view_args.get("pk")]
    else:
        name, keys = request.form.get("action"), request.form.getlist("rowid")
    action = view.actions.get(name) if name else None
    if action is None:
        abort(404 if _admitted(view, "can_list") else 403)
    if not _admitted(view, view.get_action_permission_name(name)):
        abort(403)
    if request.method == "GET":
        return  # FAB refuses actions on GET (CSRF is on) without touching anything
    if not keys:
        abort(404)
    for key in keys:
        if _record(view, key) is None:
            abort(404)  # absent, or outside the rows this view may show


def _record(view: ModelView, key: str):
    try:
        return view.datamodel.get(view._deserialize_pk_if_composite(key), view._base_filters)
    except (ValueError, SQLAlchemyError):  # a key of the wrong type for the primary key
        db.session.rollback()
        return None


def guard_model_views():
    """before_request: apply permissions and row filters to FAB's action and download endpoints."""
    endpoint = request.endpoint or ""
    view_name, _, method = endpoint.rpartition(".")
    if method not in GUARDED:
        return None
    view = _model_views(current_app).get(view_name)
    if view is None:
        return None
    if not current_user.is_authenticated:
        login = f"{current_app.appbuilder.sm.auth_view.__class__.__name__}.login"
        return redirect(url_for(login, next=request.full_path))
    if method == "download":
        abort(404 if _admitted(view, "can_download") else 403)  # the MIS keeps no uploaded files
    _check_action(view)
    return None


def register_model_view_guard(app: Flask) -> None:
    """Install the guard on `app`."""
    app.before_request(guard_model_views)
