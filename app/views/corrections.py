"""Correction requests: the office's own list; the owner's pending list and decision page."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.models.corrections import CorrectionRequest, CorrectionStatus
from app.presenters.pagination import page_arg, paginate_select
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import PROPOSED, VALIDATED, Action, may
from app.services.accounts.people import usernames
from app.services.cycle import correction_figures, corrections
from app.services.engine import catalogue


def _visible(request_: CorrectionRequest) -> bool:
    fmt = catalogue.definitions().formats.get(request_.format_code)
    return fmt is not None and may(current_actor(), Action.VIEW, request_.office, fmt)


def _figures_readable(request_: CorrectionRequest, fmt) -> bool:
    """Proposed figures: the office and the deciding owner; once approved, as validated figures."""
    state = VALIDATED if request_.status == CorrectionStatus.APPROVED else PROPOSED
    return may(current_actor(), Action.READ_FIGURES, request_.office, fmt, state=state)


class CorrectionsView(BaseView):
    """Lists and decides correction requests."""

    route_base = "/mpr/corrections"
    default_view = "index"
    class_permission_name = p.CORRECTIONS
    method_permission_name = p.methods(read=("index", "show"), edit=("approve", "reject"))

    @expose("/")
    @has_access
    def index(self):
        """Requests the user may see: pending first, newest first, a page at a time."""
        found = paginate_select(corrections.visible_query(current_actor()), page_arg())
        return self.render_template("mpr/corrections.html", requests=found)

    def _request_or_404(self, number: int) -> CorrectionRequest:
        found = corrections.find_request(number)
        if found is None or not _visible(found):
            abort(404)
        return found

    @expose("/<int:number>")
    @has_access
    def show(self, number: int):
        """What the correction changes, cell by cell in words, what follows from it; approve or reject."""
        found = self._request_or_404(number)
        fmt = catalogue.definitions().format(found.format_code)
        readable = _figures_readable(found, fmt)
        months = correction_figures.request_figures(fmt, found) if readable else []
        can_decide = found.status == CorrectionStatus.PENDING and may(
            current_actor(), Action.APPROVE, found.office, fmt
        )
        return self.render_template(
            "mpr/correction.html",
            request_=found,
            fmt=fmt,
            months=months,
            figures_readable=readable,
            can_decide=can_decide,
            people=usernames([found.requested_by_id, found.decided_by_id]),
        )

    def _decide(self, number: int, decide):
        self._request_or_404(number)
        decided = decide()  # a refusal goes back to the request's page (app/web.py)
        if decided.status == CorrectionStatus.APPROVED:
            flash(_("Correction request No. %(number)s approved.", number=number), "success")
        else:
            flash(_("Correction request No. %(number)s rejected.", number=number), "success")
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
