"""Format pages: the index of formats, and one generated grid view per format."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.presenters.grid_cells import row_views
from app.presenters.headers import header_rows, messages_by_cell
from app.presenters.outlier_cells import grid_limit_attributes, page_texts, warnings_message
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import Action, may
from app.services.accounts.organisation import office_by_code
from app.services.cycle import remarks
from app.services.cycle import status as cycle_status
from app.services.cycle.saving import ReturnLocked, SaveConflict, save_draft
from app.services.engine import catalogue, formulas_js, index
from app.services.engine.figures import require_figures
from app.services.engine.grid import GridClosed
from app.services.reports.outliers import return_warnings
from app.views.format_actions import FormatActionsMixin
from app.views.format_exchange import FormatExchangeMixin
from app.views.forms import changes_from_form
from app.views.messages import not_saved_message
from app.views.params import month_arg


class FormatIndexView(BaseView):
    """One page listing the formats a user may fill or see, instead of a menu per format."""

    route_base = "/mpr"
    default_view = "index"
    class_permission_name = p.FORMATS_INDEX
    method_permission_name = p.methods(read=("index",))

    @expose("/")
    @has_access
    def index(self):
        """Formats in force for the chosen month with this office's status for each."""
        month = month_arg(request.args.get("period"))
        page = index.format_index(current_actor(), month, request.args.get("office"))
        return self.render_template("mpr/index.html", page=page, month=month)


class FormatGridView(FormatActionsMixin, FormatExchangeMixin, BaseView):
    """The data-entry grid of one format (subclassed once per format)."""

    format_code = ""
    default_view = "grid"
    method_permission_name = p.methods(
        read=("grid", "formulas", "history", "revision"),
        edit=("save", "submit", "correct_form", "correct", "template", "upload"),
    )

    @property
    def fmt(self) -> FormatDef:
        """This view's format."""
        return catalogue.definitions().format(self.format_code)

    def _office_or_404(self, office_code: str, action: Action):
        office = office_by_code(office_code)
        if not may(current_actor(), action, office, self.fmt):
            abort(404)  # outside jurisdiction and absent look the same
        return office

    @expose("/<office_code>/<period>", methods=["GET"])
    @has_access
    def grid(self, office_code: str, period: str):
        """Show the grid (editable for the entering office, a read-only report for others)."""
        office = self._office_or_404(office_code, Action.REPORT)
        month = self._month_or_404(period)
        require_figures(current_actor(), self.fmt, office, month)
        grid = self._grid_or_none(office, month)
        if grid is None:
            return self._back_to_index(month)
        can_enter = may(current_actor(), Action.ENTER, office, self.fmt)
        return self._render(grid, can_enter)

    @expose("/<office_code>/<period>", methods=["POST"])
    @has_access
    def save(self, office_code: str, period: str):
        """Save the draft; on bad cells show the grid again with each message in place."""
        office = self._office_or_404(office_code, Action.ENTER)
        month = self._month_or_404(period)
        version, changes = changes_from_form(request.form)
        try:
            result = save_draft(current_actor(), self.fmt, office, month, version, changes)
        except (SaveConflict, ReturnLocked, GridClosed) as refused:
            flash(str(refused), "danger")
            return self._render_after_refusal(office, month, changes)
        if not result.saved:
            flash(not_saved_message(result.errors), "danger")
            return self._render(result.grid, True, status=422)
        if result.unchanged:
            flash(_("No figure changed, so nothing was saved (the version stays the same)."), "info")
        else:
            flash(_("Draft saved."), "success")
        flash_warnings(result.grid)
        return redirect(url_for(f"{type(self).__name__}.grid", office_code=office.code, period=str(month)))

    def _render_after_refusal(self, office, month, changes):
        grid = self._grid_or_none(office, month)
        if grid is None:
            return self._back_to_index(month)
        for row in grid.rows:  # keep what the user typed on screen
            row.typed = {c: str(v) for c, v in (changes.get(row.key) or {}).items()}
        return self._render(grid, not grid.locked, status=409)

    def _month_or_404(self, period: str) -> Month:
        """The month a return's URL names; any month of an annual format's year names its April."""
        return self.fmt.return_month(month_arg(period))

    def _render(
        self, grid, can_enter: bool, status: int = 200, revision: int | None = None, upload_errors=()
    ):
        editable = can_enter and not grid.locked
        pointed_out = [] if revision is not None else remarks.in_force(grid.ret)
        sees_limits = revision is None and (can_enter or may(current_actor(), Action.VALIDATE, grid.office))
        html = self.render_template(
            "mpr/grid.html",
            grid=grid,
            can_enter=editable,
            may_correct=can_enter and grid.locked,
            view_name=type(self).__name__,
            header=header_rows(grid.columns),
            rows=row_views(
                grid,
                editable,
                messages_by_cell(_shown_messages(grid)),
                remarks.by_cell(pointed_out),
                grid_limit_attributes(grid) if sees_limits else None,
            ),
            revision=revision,
            outlier_texts=page_texts() if sees_limits else None,
            remarks=remarks.shown(grid, pointed_out),
            may_send_back=grid.status == "submitted" and may(current_actor(), Action.VALIDATE, grid.office),
            validator=cycle_status.validator_label(grid.office),
            upload_errors=upload_errors,
        )
        return make_response(html, status)

    @expose("/formulas.js")
    @has_access
    def formulas(self):
        """The format's formulas and checks as JavaScript for the live grid."""
        response = make_response(formulas_js.script(self.fmt))
        response.headers["Content-Type"] = "application/javascript; charset=utf-8"
        response.headers["Cache-Control"] = "private, max-age=300"
        return response


def flash_warnings(grid) -> None:
    """Flash the figures of a saved grid that lie outside their limits (a soft warning, never a refusal)."""
    warned = return_warnings(grid)
    if warned:
        flash(warnings_message(grid, warned), "warning")


def _shown_messages(grid):
    """A grid nobody has saved yet is not nagged with 'Required' on every cell."""
    if grid.ret is None:
        return [m for m in grid.messages if m.code != "required"]
    return grid.messages


def make_format_view(fmt: FormatDef) -> type[FormatGridView]:
    """A grid view class for one format with its own route and permission."""
    return type(
        f"Format_{fmt.slug}",
        (FormatGridView,),
        {
            "route_base": f"/mpr/f/{fmt.slug}",
            "format_code": fmt.code,
            "class_permission_name": fmt.permission_name,
        },
    )
