"""Correction requests: the office's own list; the owner's pending list and decision page."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from app.definitions.months import Month
from app.extensions import db
from app.models.corrections import CorrectionRequest, CorrectionStatus
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import PROPOSED, VALIDATED, Action, may
from app.services.cycle import corrections
from app.services.cycle.workflow import ConcurrentChange, NotPermitted, WorkflowRefused
from app.services.engine import catalogue, serialise
from app.services.engine.grid import open_grid


def _visible(request_: CorrectionRequest) -> bool:
    fmt = catalogue.definitions().formats.get(request_.format_code)
    return fmt is not None and may(current_actor(), Action.VIEW, request_.office, fmt)


def _figures_readable(request_: CorrectionRequest, fmt) -> bool:
    """Proposed figures: the office and the deciding owner; once approved, as validated figures."""
    state = VALIDATED if request_.status == CorrectionStatus.APPROVED else PROPOSED
    return may(current_actor(), Action.READ_FIGURES, request_.office, fmt, state=state)


def _compared_rows(grid, proposed: dict, fmt) -> list[tuple[str, str, dict]]:
    """(key, label, current cells) for every row now, then rows the correction adds."""
    rows = [(r.key, r.label, r.cells) for r in grid.rows if not r.is_total]
    current = {key for key, _label, _cells in rows}
    added = f"New {fmt.rows.free_label.lower()}"
    return rows + [(key, added, {}) for key in proposed if key not in current]


class CorrectionsView(BaseView):
    """Lists and decides correction requests."""

    route_base = "/mpr/corrections"
    default_view = "index"
    class_permission_name = p.CORRECTIONS
    method_permission_name = {"index": p.READ, "show": p.READ, "approve": p.EDIT, "reject": p.EDIT}

    @expose("/")
    @has_access
    def index(self):
        """Requests the user may see: pending first, newest first."""
        found = db.session.execute(
            select(CorrectionRequest).order_by(CorrectionRequest.number.desc()).limit(500)
        ).scalars()
        visible = [r for r in found if _visible(r)]
        visible.sort(key=lambda r: (r.status != CorrectionStatus.PENDING, -r.number))
        return self.render_template("mpr/corrections.html", requests=visible)

    def _request_or_404(self, number: int) -> CorrectionRequest:
        found = corrections.find_request(number)
        if found is None or not _visible(found):
            abort(404)
        return found

    @expose("/<int:number>")
    @has_access
    def show(self, number: int):
        """Old and new figures side by side, cell by cell, with approve and reject."""
        found = self._request_or_404(number)
        fmt = catalogue.definitions().format(found.format_code)
        comparisons = []
        readable = _figures_readable(found, fmt)
        for item in found.items if readable else []:
            month = Month.of(item.period)
            grid = open_grid(fmt, found.office, month)
            proposed = {k: serialise.cells_from_json(fmt, v) for k, v in json.loads(item.cells).items()}
            comparisons.append((month, grid, proposed, _compared_rows(grid, proposed, fmt)))
        can_decide = found.status == CorrectionStatus.PENDING and may(
            current_actor(), Action.APPROVE, found.office, fmt
        )
        return self.render_template(
            "mpr/correction.html",
            request_=found,
            fmt=fmt,
            comparisons=comparisons,
            figures_readable=readable,
            can_decide=can_decide,
        )

    def _decide(self, number: int, decide):
        self._request_or_404(number)
        try:
            decided = decide()
        except NotPermitted:
            abort(403)
        except (WorkflowRefused, ConcurrentChange) as refused:
            flash(str(refused), "danger")
            return redirect(url_for("CorrectionsView.show", number=number))
        flash(f"Correction request No. {number} {decided.status}.", "success")
        return redirect(url_for("CorrectionsView.show", number=number))

    @expose("/<int:number>/approve", methods=["POST"])
    @has_access
    def approve(self, number: int):
        """The owner approves: the new revision replaces the old, which stays on record."""
        return self._decide(number, lambda: corrections.approve(current_actor(), number))

    @expose("/<int:number>/reject", methods=["POST"])
    @has_access
    def reject(self, number: int):
        """The owner rejects, with a mandatory reason."""
        reason = request.form.get("reason", "")
        return self._decide(number, lambda: corrections.reject(current_actor(), number, reason))
