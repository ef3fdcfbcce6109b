"""Register every view, grouped by menu (like Superset's init_views)."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from app.definitions.schema import DefinitionSet
from app.security import permissions as p


def register_views(appbuilder: AppBuilder, definitions: DefinitionSet) -> None:
    """Add the MIS views: format index, one grid view per format, and the JSON API."""
    from app.views.account import AccountView
    from app.views.admin import AccountsView
    from app.views.api import MprApi
    from app.views.api_bulk import MprBulkApi
    from app.views.api_cycle import MprCycleApi
    from app.views.api_feed import MprFeedApi
    from app.views.api_reports import MprReportApi
    from app.views.api_scorecards import MprScorecardApi  # scorecards (issue 13)
    from app.views.api_summaries import MprSummaryApi
    from app.views.bulk import BulkLoadView
    from app.views.corrections import CorrectionsView
    from app.views.cycle import StatusView, ValidationView
    from app.views.formats import FormatIndexView, make_format_view
    from app.views.masters import MastersView
    from app.views.messaging import register_messaging_views
    from app.views.openapi import MprOpenApi
    from app.views.reports import ReportsView
    from app.views.scorecards import ScorecardsView
    from app.views.summaries import SummariesView

    appbuilder.add_view_no_menu(AccountView)
    # A menu entry is named by the permission constant the roles are granted (menu_access on
    # that name); the label is only what it reads.
    appbuilder.add_view(
        AccountsView, p.MENU_ACCOUNTS, label=_l("Provision users"), icon="fa-key", category="Security"
    )
    appbuilder.add_view(
        MastersView, p.MENU_MASTERS, label=_l("Master lists"), icon="fa-list", category="Security"
    )
    appbuilder.add_view(FormatIndexView, p.MENU_FORMATS, label=_l("Formats"), icon="fa-table", category="")
    appbuilder.add_view(StatusView, p.MENU_STATUS, label=_l("Status"), icon="fa-tasks", category="")
    appbuilder.add_view(
        ValidationView, p.MENU_VALIDATION, label=_l("Validation"), icon="fa-check", category=""
    )
    appbuilder.add_view(
        CorrectionsView, p.MENU_CORRECTIONS, label=_l("Corrections"), icon="fa-edit", category=""
    )
    appbuilder.add_view(ReportsView, p.MENU_REPORTS, label=_l("Reports"), icon="fa-bar-chart", category="")
    appbuilder.add_view(
        SummariesView, p.MENU_SUMMARIES, label=_l("Summary reports"), icon="fa-trophy", category=""
    )
    from app.views.dashboard import register_dashboard_views

    register_dashboard_views(appbuilder)
    appbuilder.add_view(
        ScorecardsView, p.MENU_SCORECARDS, label=_l("Scorecards"), icon="fa-star-half-o", category=""
    )
    appbuilder.add_view(BulkLoadView, p.MENU_BULK_LOAD, label=_l("Bulk load"), icon="fa-upload", category="")
    for fmt in definitions.formats.values():
        appbuilder.add_view_no_menu(make_format_view(fmt))
    appbuilder.add_api(MprApi)
    appbuilder.add_api(MprCycleApi)
    appbuilder.add_api(MprReportApi)
    appbuilder.add_api(MprSummaryApi)
    appbuilder.add_api(MprScorecardApi)
    appbuilder.add_api(MprBulkApi)
    appbuilder.add_api(MprFeedApi)
    _register_targets(appbuilder)
    register_messaging_views(appbuilder)
    appbuilder.add_api(MprOpenApi)  # /api/v1/_openapi (FAB adds it only with its Swagger page)


def _register_targets(appbuilder: AppBuilder) -> None:
    """Targets set by the owner (set_by: owner): the Targets page and its API."""
    from app.views.api_targets import MprTargetsApi
    from app.views.targets import TargetsView

    appbuilder.add_view(TargetsView, p.MENU_TARGETS, label=_l("Targets"), icon="fa-bullseye", category="")
    appbuilder.add_api(MprTargetsApi)
