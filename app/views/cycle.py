"""Zone validation and status pages."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.security import permissions as p
from app.security.actor import current_actor
from app.services.accounts.organisation import office_by_code
from app.services.cycle import confirmations, status
from app.services.cycle.workflow import ConcurrentChange, NotPermitted, WorkflowRefused, validate_owner
from app.services.engine import catalogue
from app.views.params import month_arg


class ValidationView(BaseView):
    """A Zone (or DGRI/DGCEI) validates all formats of one owner for one office and month."""

    route_base = "/mpr/validation"
    default_view = "index"
    class_permission_name = p.VALIDATION
    method_permission_name = {"index": p.READ, "validate": p.EDIT}

    @expose("/")
    @has_access
    def index(self):
        """Offices under the Zone with each owner's formats: submitted, validated, what is missing."""
        month = month_arg(request.args.get("period"))
        states = status.return_states(current_actor(), month)
        rows = status.by_office_and_owner(states)
        owners = sorted({owner for row in rows for owner in row.by_owner})
        return self.render_template(
            "mpr/validation.html", rows=rows, owners=owners, month=month, states=states
        )

    @expose("/<owner>/<office_code>/<period>", methods=["GET", "POST"])
    @has_access
    def validate(self, owner: str, office_code: str, period: str):
        """GET: what validating would do, to confirm; POST: validate every format of `owner` together."""
        month = month_arg(period)
        office = office_by_code(office_code)
        if office is None or owner not in catalogue.definitions().owners:
            abort(404)
        if request.method == "GET":
            try:
                plan = confirmations.validation_plan(current_actor(), owner, office, month)
            except NotPermitted:
                abort(404)
            return self.render_template("mpr/confirm_validate.html", plan=plan)
        try:
            validated = validate_owner(current_actor(), owner, office, month)
        except NotPermitted:
            abort(404)
        except (WorkflowRefused, ConcurrentChange) as refused:
            missing = getattr(refused, "details", None)
            flash(f"{refused} {'Missing: ' + ', '.join(missing) if missing else ''}", "danger")
        else:
            flash(
                f"Validated {len(validated)} {owner} format(s) of {office.code} for {month.label()}.",
                "success",
            )
        return redirect(url_for("ValidationView.index", period=str(month)))


class StatusView(BaseView):
    """Who has submitted and validated what, for a month, in the user's jurisdiction."""

    route_base = "/mpr/status"
    default_view = "index"
    class_permission_name = p.STATUS
    method_permission_name = {"index": p.READ}

    @expose("/")
    @has_access
    def index(self):
        """Per office and owner for offices and Zones; per Zone for owners and the Board."""
        month = month_arg(request.args.get("period"))
        owner = request.args.get("owner") or None
        states = status.return_states(current_actor(), month, owner=owner)
        return self.render_template(
            "mpr/status.html",
            month=month,
            owner=owner,
            states=states,
            rows=status.by_office_and_owner(states),
            zones=status.by_zone(states),
            owners=sorted(catalogue.definitions().owners),
        )
