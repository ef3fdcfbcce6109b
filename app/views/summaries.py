"""Monthly Summary Report pages: the index by owner, one MSR (sorted, drilled into a Zone), print, Excel.

Thin: app.services.reports.summary decides who may read which MSR and computes it;
refusals propagate to the one handler in app/web.py.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.presenters.headers import header_rows
from app.presenters.summary_workbook import (
    completeness_text,
    key_name,
    line_label,
    summary_heading,
    summary_workbook,
)
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.engine import catalogue
from app.services.reports import summary as msr
from app.views.api_summaries import summary_filename
from app.views.downloads import xlsx_download
from app.views.params import reported_month_arg


class SummariesView(BaseView):
    """/mpr/msr/: Monthly Summary Reports for the Functional Owners and the Board."""

    route_base = "/mpr/msr"
    default_view = "index"
    class_permission_name = p.SUMMARIES
    method_permission_name = p.methods(read=("index", "show", "print_view", "xlsx"))

    @expose("/")
    @has_access
    def index(self):
        """The MSRs the caller may read, by Functional Owner; a chosen one opens for the month."""
        month = reported_month_arg(request.args.get("period"))
        if request.args.get("code"):  # the month chooser of an MSR page: keep its order and Zone
            kept = {k: request.args[k] for k in ("order", "zone") if request.args.get(k)}
            return redirect(url_for(".show", code=request.args["code"], period=str(month), **kept))
        definitions = catalogue.definitions()
        by_owner: dict[str, list] = {}
        for summary in msr.readable(current_actor()):
            owner = definitions.format(summary.format).owner
            by_owner.setdefault(owner, []).append(summary)
        owners = [(definitions.owners[code], found) for code, found in by_owner.items()]
        return self.render_template("mpr/summary_index.html", owners=owners, month=month)

    def _summary(self, code: str, period: str) -> msr.Summary:
        return msr.summary_for(
            current_actor(), code, period, request.args.get("order"), request.args.get("zone")
        )

    def _page(self, found: msr.Summary, template: str):
        return self.render_template(
            template,
            found=found,
            heading=summary_heading(found),
            completeness=completeness_text(found),
            line_label=line_label,
            header=header_rows(found.columns),
            key_name=key_name(found),
            months=[found.month.shift(-i) for i in range(0, 13)],
        )

    @expose("/<code>/<period>")
    @has_access
    def show(self, code: str, period: str):
        """One MSR: a line per Zone ranked by the key measure (?order=asc|desc), ?zone= its offices."""
        return self._page(self._summary(code, period), "mpr/summary.html")

    @expose("/<code>/<period>/print")
    @has_access
    def print_view(self, code: str, period: str):
        """The MSR on an A4 landscape page."""
        return self._page(self._summary(code, period), "mpr/summary_print.html")

    @expose("/<code>/<period>/xlsx")
    @has_access
    def xlsx(self, code: str, period: str):
        """The MSR as an Excel workbook."""
        found = self._summary(code, period)
        return xlsx_download(summary_workbook(found), summary_filename(found))
