"""The management dashboard's page (a card per indicator, with charts and their tables) and workbook,
and its JSON API. Thin: app.services.reports.dashboard decides who reads which indicator and
computes them; refusals propagate to the one handler in app/web.py."""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.security.decorators import protect
from flask_babel import lazy_gettext as _l

from app.presenters.dashboard import (
    dashboard_filename,
    dashboard_json,
    dashboard_workbook,
    indicator_json,
    unit_label,
)
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.reports import dashboard as dash
from app.views.downloads import xlsx_download
from app.views.params import reported_month_arg


class DashboardView(BaseView):
    """/mpr/dashboard/: the key indicators for the Functional Owners and the Board."""

    route_base = "/mpr/dashboard"
    default_view = "index"
    class_permission_name = p.DASHBOARD
    method_permission_name = p.methods(read=("index", "xlsx"))

    @expose("/")
    @has_access
    def index(self):
        """The caller's indicators for the month (?period=YYYY-MM, the latest month by default)."""
        month = reported_month_arg(request.args.get("period"))
        found = dash.dashboard_for(current_actor(), str(month))
        cards = [(view, indicator_json(view)) for view in found.indicators]
        return self.render_template(
            "mpr/dashboard.html",
            found=found,
            cards=cards,
            unit_label=unit_label,
            months=[found.month.shift(-i) for i in range(1, 4)],
        )

    @expose("/<period>/xlsx")
    @has_access
    def xlsx(self, period: str):
        """The dashboard as an Excel workbook: an overview sheet, then each indicator's trend and ranking."""
        found = dash.dashboard_for(current_actor(), period)
        return xlsx_download(dashboard_workbook(found), dashboard_filename(found))


class MprDashboardApi(BaseApi):
    """/api/v1/mpr/dashboard/<period>[/xlsx]"""

    resource_name = "mpr"
    class_permission_name = p.MPR_API
    method_permission_name = p.methods(read=("get_dashboard", "get_dashboard_xlsx"))
    openapi_spec_tag = "MPR dashboard"

    @api_expose("/dashboard/<period>", methods=["GET"])
    @protect()
    def get_dashboard(self, period: str):
        """The caller's indicators for the month: figure, comparisons, trend, Zones, reporting status."""
        return jsonify(dashboard_json(dash.dashboard_for(current_actor(), period)))

    @api_expose("/dashboard/<period>/xlsx", methods=["GET"])
    @protect()
    def get_dashboard_xlsx(self, period: str):
        """The same dashboard as an Excel workbook (numbers as numbers)."""
        found = dash.dashboard_for(current_actor(), period)
        return xlsx_download(dashboard_workbook(found), dashboard_filename(found))


def register_dashboard_views(appbuilder) -> None:
    """The dashboard's menu entry (shown to the roles holding menu_access on it) and its API."""
    appbuilder.add_view(
        DashboardView, p.MENU_DASHBOARD, label=_l("Dashboard"), icon="fa-tachometer", category=""
    )
    appbuilder.add_api(MprDashboardApi)
