"""Zone validation and status pages."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.presenters.cells import column_name
from app.presenters.grid_cells import row_views
from app.presenters.headers import header_rows
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import Action, may
from app.services.accounts.organisation import office_by_code
from app.services.cycle import confirmations, remarks, status, workflow
from app.services.cycle.workflow import (
    Step,
    ensure_allowed,
    validate_owner,
)
from app.services.engine import catalogue
from app.services.engine.figures import may_read_loaded
from app.services.engine.grid import open_grid
from app.views.params import month_arg

SEND_BACK_LINES = 6  # cell remarks one send-back form offers


class ValidationView(BaseView):
    """A Zone (or DGRI/DGCEI) validates all formats of one owner for one office and month."""

    route_base = "/mpr/validation"
    default_view = "index"
    class_permission_name = p.VALIDATION
    method_permission_name = p.methods(read=("index",), edit=("validate", "send_back_form", "send_back"))

    @expose("/")
    @has_access
    def index(self):
        """Offices under the Zone with each owner's formats: submitted, validated, what is missing."""
        month = month_arg(request.args.get("period"))
        states = status.return_states(current_actor(), month)
        rows = status.by_office_and_owner(states)
        owners = sorted({owner for row in rows for owner in row.by_owner})
        sent_back = remarks.sent_back_ids(s.ret.id for s in states if s.ret is not None)
        return self.render_template(
            "mpr/validation.html", rows=rows, owners=owners, month=month, states=states, sent_back=sent_back
        )

    def _return_to_send_back(self, format_code: str, office_code: str, period: str):
        fmt = catalogue.definitions().formats.get(format_code)
        office = office_by_code(office_code)
        if fmt is None or office is None or not may(current_actor(), Action.VALIDATE, office):
            abort(404)
        return fmt, office, month_arg(period)

    @expose("/<format_code>/<office_code>/<period>/send-back", methods=["GET"])
    @has_access
    def send_back_form(self, format_code: str, office_code: str, period: str):
        """The submitted return, read-only, with a remark for the office and remarks at chosen cells."""
        fmt, office, month = self._return_to_send_back(format_code, office_code, period)
        grid = open_grid(fmt, office, month)
        ensure_allowed(Step.SEND_BACK, grid.ret, f"{fmt.code} for {month.label()}")
        return self.render_template(
            "mpr/send_back.html",
            grid=grid,
            header=header_rows(grid.columns),
            rows=row_views(grid, False, {}),
            row_choices=[(r.key, r.label) for r in grid.rows],
            column_choices=[(c.code, f"{c.number}. {column_name(c)}") for c in grid.columns],
            lines=range(1, SEND_BACK_LINES + 1),
        )

    @expose("/<format_code>/<office_code>/<period>/send-back", methods=["POST"])
    @has_access
    def send_back(self, format_code: str, office_code: str, period: str):
        """Send the return back to its office as a draft, with the remarks; the office is told."""
        fmt, office, month = self._return_to_send_back(format_code, office_code, period)
        form = request.form
        cells = [
            {
                "row": form.get(f"row_{n}"),
                "column": form.get(f"column_{n}"),
                "remark": form.get(f"remark_{n}"),
            }
            for n in range(1, SEND_BACK_LINES + 1)
            if (form.get(f"remark_{n}") or "").strip() or form.get(f"row_{n}") or form.get(f"column_{n}")
        ]
        workflow.send_back(current_actor(), fmt, office, month, form.get("remarks", ""), cells)
        flash(
            _(
                "%(code)s of %(office)s for %(month)s sent back to the office with your remarks.",
                code=fmt.code,
                office=office.code,
                month=month.label(),
            ),
            "success",
        )
        return redirect(url_for("ValidationView.index", period=str(month)))

    @expose("/<owner>/<office_code>/<period>", methods=["GET", "POST"])
    @has_access
    def validate(self, owner: str, office_code: str, period: str):
        """GET: what validating would do, to confirm; POST: validate every format of `owner` together."""
        month = month_arg(period)
        office = office_by_code(office_code)
        if office is None or owner not in catalogue.definitions().owners:
            abort(404)
        if not may(current_actor(), Action.VALIDATE, office):
            abort(404)  # another Zone's office: as if it did not exist
        if request.method == "GET":
            plan = confirmations.validation_plan(current_actor(), owner, office, month)
            return self.render_template("mpr/confirm_validate.html", plan=plan)
        validated = validate_owner(current_actor(), owner, office, month)
        flash(
            _(
                "Validated %(n)d %(owner)s format(s) of %(office)s for %(month)s.",
                n=len(validated),
                owner=owner,
                office=office.code,
                month=month.label(),
            ),
            "success",
        )
        return redirect(url_for("ValidationView.index", period=str(month)))


class StatusView(BaseView):
    """Who has submitted and validated what, for a month, in the user's jurisdiction."""

    route_base = "/mpr/status"
    default_view = "index"
    class_permission_name = p.STATUS
    method_permission_name = p.methods(read=("index",))

    @expose("/")
    @has_access
    def index(self):
        """Per office and owner for offices and Zones; per Zone for owners and the Board."""
        month = month_arg(request.args.get("period"))
        owner = request.args.get("owner") or None
        actor = current_actor()
        states = status.return_states(actor, month, owner=owner)
        readable = {
            (s.office.id, s.fmt.code) for s in states if may_read_loaded(actor, s.fmt, s.office, s.ret)
        }
        return self.render_template(
            "mpr/status.html",
            month=month,
            owner=owner,
            states=states,
            readable=readable,
            rows=status.by_office_and_owner(states),
            zones=status.by_zone(states),
            owners=sorted(catalogue.definitions().owners),
        )
