"""Create FAB's tables, permissions and the MIS roles (the `flask mpr sync` step)."""

from __future__ import annotations

from flask import current_app

from app.definitions.schema import DefinitionSet
from app.security.roles import role_permissions


def sync_permissions(definitions: DefinitionSet) -> dict[str, int]:
    """Register every view's permissions and give each role exactly its permission set."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    current_app.config["FAB_CREATE_DB"] = True
    sm.create_db()  # Admin and Public roles
    appbuilder.add_permissions(update_perms=True)
    counts = {}
    for role_name, wanted in role_permissions(definitions).items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        permission_views = []
        for permission, view in sorted(wanted):
            pv = sm.find_permission_view_menu(permission, view) or sm.add_permission_view_menu(
                permission, view
            )
            permission_views.append(pv)
        role.permissions = permission_views
        sm.session.add(role)
        counts[role_name] = len(permission_views)
    sm.session.commit()
    return counts
