"""Register every view, grouped by menu (like Superset's init_views)."""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from app.definitions.schema import DefinitionSet


def register_views(appbuilder: AppBuilder, definitions: DefinitionSet) -> None:
    """Add the MIS views: format index, one grid view per format, and the JSON API."""
    from app.views.account import AccountView
    from app.views.admin import AccountsView
    from app.views.api import MprApi
    from app.views.api_cycle import MprCycleApi
    from app.views.corrections import CorrectionsView
    from app.views.cycle import StatusView, ValidationView
    from app.views.formats import FormatIndexView, make_format_view
    from app.views.openapi import MprOpenApi

    appbuilder.add_view_no_menu(AccountView)
    appbuilder.add_view(AccountsView, "Provision users", icon="fa-key", category="Security")
    appbuilder.add_view(FormatIndexView, "Formats", icon="fa-table", category="")
    appbuilder.add_view(StatusView, "Status", icon="fa-tasks", category="")
    appbuilder.add_view(ValidationView, "Validation", icon="fa-check", category="")
    appbuilder.add_view(CorrectionsView, "Corrections", icon="fa-edit", category="")
    for fmt in definitions.formats.values():
        appbuilder.add_view_no_menu(make_format_view(fmt))
    appbuilder.add_api(MprApi)
    appbuilder.add_api(MprCycleApi)
    appbuilder.add_api(MprOpenApi)  # /api/v1/_openapi (FAB adds it only with its Swagger page)
