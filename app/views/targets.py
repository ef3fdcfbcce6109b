"""Targets pages: formats set by their owner (`set_by: owner`), one financial year at a time.

/mpr/targets/ chooses the format and the year (the year under way and the next one first);
/mpr/targets/<format>/<period> lists every office the caller reads with its targets (the
figures of the total row); /mpr/targets/<format>/<period>/<office> shows one office's grid,
which the owner edits and saves. Thin: app.services.cycle.targets and target_year decide.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.presenters.grid_cells import row_views
from app.presenters.headers import header_rows, messages_by_cell
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import Action, may, may_bulk_load
from app.services.accounts.organisation import office_by_code
from app.services.cycle import target_year as years
from app.services.cycle import targets
from app.services.cycle.saving import SaveConflict
from app.views.forms import changes_from_form
from app.views.messages import not_saved_message
from app.views.params import month_arg


class TargetsView(BaseView):
    """/mpr/targets/: annual targets the owner sets for each office; offices and Zones read theirs."""

    route_base = "/mpr/targets"
    default_view = "index"
    class_permission_name = p.TARGETS
    method_permission_name = p.methods(read=("index", "year", "office"), edit=("save",))

    @expose("/")
    @has_access
    def index(self):
        """The formats set by their owner that the caller reads, with the years to open."""
        actor = current_actor()
        chosen = request.args.get("format")
        if chosen and request.args.get("period"):
            return redirect(url_for(".year", format_code=chosen, period=request.args["period"]))
        found = [(fmt, years.years_open(fmt)) for fmt in years.readable_formats(actor)]
        return self.render_template("mpr/targets_index.html", found=found)

    @expose("/<format_code>/<period>")
    @has_access
    def year(self, format_code: str, period: str):
        """Every office's targets for the year, one line each (the total row's figures)."""
        fmt = targets.target_format(format_code)
        shown = years.target_year(current_actor(), fmt, month_arg(period))
        return self.render_template(
            "mpr/targets_year.html",
            page=shown,
            years=years.years_open(fmt),
            may_load=may_bulk_load(current_actor(), fmt),
        )

    @expose("/<format_code>/<period>/<office_code>", methods=["GET"])
    @has_access
    def office(self, format_code: str, period: str, office_code: str):
        """One office's targets for the year: its grid, editable by the owner."""
        fmt = targets.target_format(format_code)
        grid = years.office_targets(current_actor(), fmt, office_by_code(office_code), month_arg(period))
        return self._render(grid)

    @expose("/<format_code>/<period>/<office_code>", methods=["POST"])
    @has_access
    def save(self, format_code: str, period: str, office_code: str):
        """Set one office's targets for the year; on bad cells the grid again with each message."""
        actor, fmt = current_actor(), targets.target_format(format_code)
        office = office_by_code(office_code)
        grid = years.office_targets(actor, fmt, office, month_arg(period))  # 404 outside what it reads
        version, changes = changes_from_form(request.form)
        reason = (request.form.get("reason") or "").strip() or None
        try:
            result = targets.set_target(actor, fmt, office, grid.month, version, changes, reason=reason)
        except SaveConflict as refused:
            flash(str(refused), "danger")
            return self._render(grid, status=409)
        if not result.saved:
            flash(not_saved_message(result.errors), "danger")
            return self._render(result.grid, status=422, messages=result.errors)
        if result.unchanged:
            flash(_("No figure changed, so nothing was saved."), "info")
        else:
            flash(_("Targets of %(office)s saved.", office=office.code), "success")
        return redirect(url_for(".year", format_code=fmt.code, period=str(grid.month)))

    def _render(self, grid, status: int = 200, messages=()):
        """The grid; messages only after a save was refused (an unset year is not nagged cell by cell)."""
        editable = may(current_actor(), Action.SET, grid.office, grid.fmt)
        html = self.render_template(
            "mpr/target_office.html",
            grid=grid,
            can_enter=editable,
            view_name=f"Format_{grid.fmt.slug}",
            header=header_rows(grid.columns),
            rows=row_views(grid, editable, messages_by_cell(messages)),
        )
        return make_response(html, status)
