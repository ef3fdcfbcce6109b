"""Create FAB's tables, permissions and the MIS roles (the `flask mpr sync` step).

FAB's own `add_permissions` commits one permission at a time (9-12 s for 150 formats
into an empty database). Here the whole set is computed first, then written with one
bulk insert per table and one commit: the same rows FAB would write, Admin holding every
permission of every view and menu, each MIS role holding exactly its permission set.
"""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import delete, insert, select

from app.definitions.schema import DefinitionSet
from app.security.roles import role_permissions

Pair = tuple[str, str]  # (permission name, view or menu name)


def registered_pairs(appbuilder) -> set[Pair]:
    """Every (permission, view) that the registered views and menu entries declare."""
    pairs = {
        (permission, view.class_permission_name)
        for view in appbuilder.baseviews
        for permission in (view.base_permissions or [])
    }
    for category in appbuilder.menu.get_list() if appbuilder.menu is not None else []:
        pairs.add(("menu_access", category.name))
        pairs.update(("menu_access", item.name) for item in category.childs if item.name != "-")
    return pairs


def _ensure_names(session, model, names: set[str]) -> dict[str, int]:
    existing = dict(session.execute(select(model.name, model.id).where(model.name.in_(names))).all())
    missing = sorted(names - existing.keys())
    if missing:
        session.execute(insert(model), [{"name": name} for name in missing])
        existing = dict(session.execute(select(model.name, model.id).where(model.name.in_(names))).all())
    return existing


def _ensure_pairs(session, pairs: set[Pair]) -> dict[Pair, int]:
    """Ids of the permission-view rows for `pairs`, inserting what is missing in bulk."""
    permissions = _ensure_names(session, Permission, {p for p, _ in pairs})
    views = _ensure_names(session, ViewMenu, {v for _, v in pairs})
    wanted = {(permissions[p], views[v]): (p, v) for p, v in pairs}

    def read() -> dict[Pair, int]:
        rows = session.execute(
            select(PermissionView.permission_id, PermissionView.view_menu_id, PermissionView.id)
        )
        return {wanted[(pid, vid)]: pv for pid, vid, pv in rows if (pid, vid) in wanted}

    found = read()
    missing = [ids for ids, pair in wanted.items() if pair not in found]
    if missing:
        session.execute(insert(PermissionView), [{"permission_id": p, "view_menu_id": v} for p, v in missing])
        found = read()
    return found


def _grant_exactly(session, role_id: int, pv_ids: set[int]) -> None:
    held = set(
        session.execute(
            select(assoc_permissionview_role.c.permission_view_id).where(
                assoc_permissionview_role.c.role_id == role_id
            )
        ).scalars()
    )
    if held - pv_ids:
        session.execute(
            delete(assoc_permissionview_role).where(
                assoc_permissionview_role.c.role_id == role_id,
                assoc_permissionview_role.c.permission_view_id.in_(held - pv_ids),
            )
        )
    if pv_ids - held:
        session.execute(
            insert(assoc_permissionview_role),
            [{"role_id": role_id, "permission_view_id": pv} for pv in sorted(pv_ids - held)],
        )


def sync_permissions(definitions: DefinitionSet) -> dict[str, int]:
    """Register every view's permissions and give each role exactly its permission set."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    current_app.config["FAB_CREATE_DB"] = True
    sm.create_db()  # FAB's tables, and the Admin and Public roles
    session = sm.session
    registered = registered_pairs(appbuilder)
    wanted_by_role = role_permissions(definitions)
    ids = _ensure_pairs(session, registered.union(*wanted_by_role.values()))
    role_ids = _ensure_names(session, Role, {sm.auth_role_admin, *wanted_by_role})
    _grant_exactly(session, role_ids[sm.auth_role_admin], {ids[pair] for pair in registered})
    counts = {}
    for role_name, wanted in wanted_by_role.items():
        _grant_exactly(session, role_ids[role_name], {ids[pair] for pair in wanted})
        counts[role_name] = len(wanted)
    session.commit()
    session.expire_all()
    return counts
