"""Excel beside the grid: download the return as a template, upload it filled in.

Mixed into every generated format view, so both actions are guarded by that format's own
permission (FAB, can_edit) and by the jurisdiction policy (only the entering office).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import ngettext

from app.security.actor import current_actor
from app.security.policy import Action
from app.services.engine.grid import open_grid
from app.services.exchange.upload import upload_return
from app.services.exchange.workbook_file import UploadRefused
from app.views.downloads import template_download
from app.views.messages import not_saved_message


class FormatExchangeMixin:
    """Template download and upload endpoints of a format grid view."""

    @expose("/<office_code>/<period>/template", methods=["GET"])
    @has_access
    def template(self, office_code: str, period: str):
        """The return as an .xlsx template: carried and computed cells locked, entered cells validated."""
        office = self._office_or_404(office_code, Action.ENTER)
        return template_download(open_grid(self.fmt, office, self._month_or_404(period)))

    @expose("/<office_code>/<period>/upload", methods=["POST"])
    @has_access
    def upload(self, office_code: str, period: str):
        """Check or save a filled template; errors are listed by cell address beside the grid."""
        office = self._office_or_404(office_code, Action.ENTER)
        month = self._month_or_404(period)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise UploadRefused(_("Choose the filled workbook (.xlsx) to upload."), "no_file")
        dry_run = request.form.get("check_only") == "1"
        outcome = upload_return(
            current_actor(), self.fmt, office, month, upload.read(), dry_run=dry_run, filename=upload.filename
        )
        if outcome.errors:
            flash(not_saved_message(outcome.errors), "danger")
            return self._render(outcome.grid, True, status=422, upload_errors=outcome.errors)
        if dry_run:
            flash(
                ngettext(
                    "The workbook passed every check: %(num)s cell would be saved. Nothing is saved yet.",
                    "The workbook passed every check: %(num)s cells would be saved. Nothing is saved yet.",
                    outcome.cells,
                ),
                "success",
            )
        elif outcome.unchanged:
            flash(
                _("The workbook changes no figure, so nothing was saved (the version stays the same)."),
                "info",
            )
        else:
            flash(_("Workbook uploaded: the draft is saved. Check the figures, then submit."), "success")
        return redirect(url_for(f"{type(self).__name__}.grid", office_code=office.code, period=str(month)))
