"""Zone validation and status pages."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.definitions.months import Month
from app.models.org import Office
from app.presenters.cells import column_name
from app.presenters.display import month_name
from app.presenters.grid_cells import row_views
from app.presenters.headers import header_rows
from app.presenters.pagination import PER_PAGE, page_arg, paginate
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import ENTERING_KINDS, Action, may
from app.services.accounts.organisation import office_by_code
from app.services.cycle import confirmations, outlier_review, remarks, status, status_summary, workflow
from app.services.cycle.status_summary import SHOW_LATE, SHOW_NOT_REPORTED, Scope, StatusFilter
from app.services.cycle.workflow import (
    Step,
    ensure_allowed,
    return_label,
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
        flags = outlier_review.zone_flags(current_actor(), month)
        return self.render_template(
            "mpr/validation.html",
            rows=rows,
            owners=owners,
            month=month,
            states=states,
            sent_back=sent_back,
            flags=flags,
        )

    def _return_to_send_back(self, format_code: str, office_code: str, period: str):
        fmt = catalogue.definitions().formats.get(format_code)
        office = office_by_code(office_code)
        if fmt is None or office is None or not may(current_actor(), Action.VALIDATE, office):
            abort(404)
        return fmt, office, fmt.return_month(month_arg(period))

    @expose("/<format_code>/<office_code>/<period>/send-back", methods=["GET"])
    @has_access
    def send_back_form(self, format_code: str, office_code: str, period: str):
        """The submitted return, read-only, with a remark for the office and remarks at chosen cells."""
        fmt, office, month = self._return_to_send_back(format_code, office_code, period)
        grid = open_grid(fmt, office, month)
        ensure_allowed(Step.SEND_BACK, grid.ret, return_label(fmt, month))
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
                month=month_name(month),
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
            flags = outlier_review.zone_flags(current_actor(), month, office, owner)
            return self.render_template("mpr/confirm_validate.html", plan=plan, flags=flags, month=month)
        validated = validate_owner(current_actor(), owner, office, month)
        flash(
            _(
                "Validated %(n)d %(owner)s format(s) of %(office)s for %(month)s.",
                n=len(validated),
                owner=owner,
                office=office.code,
                month=month_name(month),
            ),
            "success",
        )
        return redirect(url_for("ValidationView.index", period=str(month)))


class StatusView(BaseView):
    """Who has submitted and validated what, for a month: by Zone, then a Zone's returns, then an office's."""

    route_base = "/mpr/status"
    default_view = "index"
    class_permission_name = p.STATUS
    method_permission_name = p.methods(read=("index",))

    @expose("/")
    @has_access
    def index(self):
        """?period&owner&show&zone&office&page&per_page: the summary by Zone, or one Zone's returns."""
        month = month_arg(request.args.get("period"))
        flt = StatusFilter.of(request.args.get("owner"), request.args.get("show"))
        actor = current_actor()
        scope = Scope.of(actor)
        zone = _zone_or_404(scope, request.args.get("zone"))
        office = _office_or_404(scope, zone, request.args.get("office"))
        if office is not None and zone is None:
            zone = status.zone_of(office)
        lines = None
        if zone is None:
            lines = status_summary.zone_summary(actor, month, flt, scope)
            if len(scope.zones) != 1:
                return self._render(month, flt, lines=lines)
            zone = next(iter(scope.zones.values()))  # one Zone in jurisdiction: straight to its returns
        rows = status_summary.detail_states(actor, month, flt, zone, office)
        states = paginate(rows, page_arg(), page_arg("per_page", PER_PAGE))
        readable = {
            (s.office.id, s.fmt.code) for s in states.items if may_read_loaded(actor, s.fmt, s.office, s.ret)
        }
        single_office = actor.office is not None and actor.office.kind in ENTERING_KINDS
        return self._render(
            month,
            flt,
            lines=None if single_office else lines,
            zone=zone,
            office=office,
            states=states,
            readable=readable,
            drilled=len(scope.zones) > 1,
        )

    def _render(self, month: Month, flt: StatusFilter, **context):
        summary = context.get("lines")
        return self.render_template(
            "mpr/status.html",
            month=month,
            flt=flt,
            owner=flt.owner,
            owners=sorted(catalogue.definitions().owners),
            show_choices=SHOW_LABELS,
            total=status_summary.totals(summary) if summary else None,
            **context,
        )


SHOW_LABELS = {
    SHOW_LATE: _l("Late (submitted or validated after the due date)"),
    SHOW_NOT_REPORTED: _l("Not reported"),
}


def _zone_or_404(scope: Scope, code: str | None) -> Office | None:
    """The Zone the query names, None when it names none; 404 outside the caller's jurisdiction."""
    if not code:
        return None
    zone = scope.zone(code)
    if zone is None:
        abort(404)
    return zone


def _office_or_404(scope: Scope, zone: Office | None, code: str | None) -> Office | None:
    """The office the query names (within the Zone, if one is named), None when none; 404 if not seen."""
    if not code:
        return None
    office = next((o for o in scope.offices if o.code == code), None)
    if office is None or (zone is not None and not office.is_within(zone)):
        abort(404)
    return office
