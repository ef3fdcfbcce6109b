"""Per-format actions beside the grid: submit, raise a correction, history, revisions.

Mixed into every generated format view, so each action is guarded by that format's
own permission (FAB) and by the jurisdiction policy (may()).
"""

from __future__ import annotations

import json
import secrets

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models.corrections import ReturnRevision
from app.presenters.display import month_name
from app.presenters.grid_cells import row_views
from app.presenters.headers import header_rows, messages_by_cell
from app.presenters.history import event_views
from app.security.actor import current_actor
from app.security.policy import Action, may
from app.services import audit
from app.services.accounts.people import usernames
from app.services.cycle import correction_figures
from app.services.cycle import status as cycle_status
from app.services.cycle.corrections import raise_correction
from app.services.cycle.saving import ReturnLocked, SaveConflict, save_draft
from app.services.cycle.workflow import ConcurrentChange, WorkflowRefused, return_key, submit
from app.services.engine import serialise
from app.services.engine.figures import may_read_figures, require_figures
from app.services.engine.grid import GridClosed, assemble, open_grid
from app.views.forms import changes_from_form
from app.views.messages import not_saved_message


class FormatActionsMixin:
    """Submit, correct and history endpoints of a format grid view."""

    def _grid_or_none(self, office, month):
        """The grid, or None (with the reason flashed) when that month cannot be opened."""
        try:
            return open_grid(self.fmt, office, month, office_view=self._own_view(office))
        except GridClosed as closed:
            flash(str(closed), "warning")
            return None

    def _own_view(self, office) -> bool:
        """Whether the viewer enters this office's figures: then the other formats' drafts count."""
        return may(current_actor(), Action.ENTER, office, self.fmt)

    def _back_to_index(self, month):
        return redirect(url_for("FormatIndexView.index", period=str(month)))

    def _grid_url(self, office, month):
        return url_for(f"{type(self).__name__}.grid", office_code=office.code, period=str(month))

    @expose("/<office_code>/<period>/submit", methods=["GET", "POST"])
    @has_access
    def submit(self, office_code: str, period: str):
        """Save what is on the form, then submit the return if it is complete and passes its checks.

        A refused submit shows the grid at this address; opened again (a reload, the language switch,
        the browser's history) it is the grid's, not an error."""
        office = self._office_or_404(office_code, Action.ENTER)
        month = self._month_or_404(period)
        if request.method == "GET":
            return redirect(self._grid_url(office, month))
        version, changes = changes_from_form(request.form)
        try:
            if changes or version == 0:  # a never-saved return (e.g. no free rows: nothing to report)
                saved = save_draft(current_actor(), self.fmt, office, month, version, changes)
                if not saved.saved:
                    flash(not_saved_message(saved.errors, submitting=True), "danger")
                    return self._render(saved.grid, True, status=422)
                version = saved.grid.version
            submit(current_actor(), self.fmt, office, month, version)
        except WorkflowRefused as refused:  # incomplete or failing: the grid shows each check in place
            flash(str(refused), "danger")
            return self._render(open_grid(self.fmt, office, month, office_view=True), True, status=422)
        except (SaveConflict, ConcurrentChange, ReturnLocked, GridClosed) as refused:
            flash(str(refused), "danger")  # as on save: 409, and what was typed stays on screen
            return self._render_after_refusal(office, month, changes)
        who = cycle_status.validator_label(office)
        flash(
            _(
                "%(code)s for %(month)s submitted. %(who)s can validate it once every %(owner)s format "
                "is submitted; until then you may still correct it.",
                code=self.fmt.code,
                month=month_name(month),
                who=who[:1].upper() + who[1:],
                owner=self.fmt.owner,
            ),
            "success",
        )
        from app.views.formats import flash_warnings  # formats imports this module

        flash_warnings(open_grid(self.fmt, office, month, office_view=True))
        return redirect(self._grid_url(office, month))

    @expose("/<office_code>/<period>/correct", methods=["GET"])
    @has_access
    def correct_form(self, office_code: str, period: str):
        """The validated figures, editable, with a justification box: a correction request."""
        office = self._office_or_404(office_code, Action.ENTER)
        month = self._month_or_404(period)
        grid = self._grid_or_none(office, month)
        if grid is None:
            return self._back_to_index(month)
        if not grid.locked:
            flash(
                _("Only validated returns need a correction request; this one can be edited directly."),
                "info",
            )
            return redirect(self._grid_url(office, month))
        grid.correcting = True
        return self._render_correction(grid)

    def _render_correction(self, grid, status: int = 200, justification: str = ""):
        html = self.render_template(
            "mpr/correct.html",
            grid=grid,
            can_enter=True,
            view_name=type(self).__name__,
            header=header_rows(grid.columns),
            rows=row_views(grid, True, messages_by_cell(grid.messages)),
            token=secrets.token_urlsafe(16),
            justification=justification,
        )
        return html, status

    @expose("/<office_code>/<period>/correct", methods=["POST"])
    @has_access
    def correct(self, office_code: str, period: str):
        """Raise the correction request (one month; the API accepts a chain of months)."""
        office = self._office_or_404(office_code, Action.ENTER)
        month = self._month_or_404(period)
        _version, changes = changes_from_form(request.form)
        justification = request.form.get("justification", "")
        try:
            correction = raise_correction(
                current_actor(),
                self.fmt,
                office,
                [(month, changes)],
                justification,
                client_token=request.form.get("request_token"),
            )
        except WorkflowRefused as refused:
            flash(str(refused), "danger")
            grid = open_grid(self.fmt, office, month, office_view=True)
            grid.correcting = True
            grid.messages = (
                list(refused.details) if refused.details and hasattr(refused.details[0], "row") else []
            )
            for row in grid.rows:
                row.typed = {c: str(v) for c, v in (changes.get(row.key) or {}).items()}
            return self._render_correction(grid, 422, justification)
        flash(
            _(
                "Correction request No. %(number)s sent to %(owner)s for approval.",
                number=correction.number,
                owner=self.fmt.owner,
            ),
            "success",
        )
        return redirect(self._grid_url(office, month))

    @expose("/<office_code>/<period>/history", methods=["GET"])
    @has_access
    def history(self, office_code: str, period: str):
        """Every revision (who, when, why, what changed) and every recorded event of this return, in words."""
        office = self._office_or_404(office_code, Action.VIEW)
        month = self._month_or_404(period)
        grid = self._grid_or_none(office, month)
        if grid is None:
            return self._back_to_index(month)
        records = correction_figures.revision_records(self.fmt, office, month, grid.ret)
        events = audit.history(return_key(self.fmt.code, office, month))
        ret = grid.ret
        ids = [ret.created_by_id, ret.submitted_by_id, ret.validated_by_id] if ret is not None else []
        for record in records:
            if record.correction is not None:
                ids += [record.correction.requested_by_id, record.correction.decided_by_id]
        return self.render_template(
            "mpr/history.html",
            grid=grid,
            revisions=records,
            events=event_views(events, self.fmt, grid),
            people=usernames(ids),
            show_figures=may_read_figures(current_actor(), self.fmt, office, month),
            view_name=type(self).__name__,
        )

    @expose("/<office_code>/<period>/revision/<int:number>", methods=["GET"])
    @has_access
    def revision(self, office_code: str, period: str, number: int):
        """An earlier revision, read-only, as it stood before a correction replaced it."""
        office = self._office_or_404(office_code, Action.REPORT)
        month = self._month_or_404(period)
        require_figures(current_actor(), self.fmt, office, month)
        grid = self._grid_or_none(office, month)
        if grid is None:
            return self._back_to_index(month)
        if grid.ret is None:
            abort(404)
        if number == grid.ret.revision:
            return redirect(self._grid_url(office, month))
        kept = db.session.execute(
            select(ReturnRevision).where(
                ReturnRevision.return_id == grid.ret.id, ReturnRevision.revision == number
            )
        ).scalar_one_or_none()
        if kept is None:
            abort(404)
        stored = {
            key: (position, serialise.cells_from_json(self.fmt, cells))
            for position, (key, cells) in enumerate(json.loads(kept.cells).items())
        }
        old = assemble(self.fmt, office, month, grid.ret, stored, None)
        old.first_month = False
        return self._render(old, False, revision=number)
