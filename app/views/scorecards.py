"""Scorecard pages: the index, one scorecard (month, basis, a Zone's Commissionerates), print, Excel.

Thin: app.services.reports.scorecard decides who may read which scorecard and grades the lines;
refusals propagate to the one handler in app/web.py.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.presenters.headers import header_rows
from app.presenters.scorecard_table import (
    basis_label,
    grade_code,
    line_cells,
    line_label,
    mean_code,
    rules_text,
    scorecard_columns,
    scorecard_heading,
    state_note,
)
from app.presenters.scorecard_workbook import scorecard_workbook
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.reports import scorecard as sc
from app.views.api_scorecards import scorecard_filename
from app.views.downloads import xlsx_download
from app.views.params import reported_month_arg

KEPT = ("basis", "zone")


class ScorecardsView(BaseView):
    """/mpr/scorecards/: scorecards for the Functional Owners (their own) and the Board."""

    route_base = "/mpr/scorecards"
    default_view = "index"
    class_permission_name = p.SUMMARIES  # read with the Monthly Summary Reports (the same readers)
    method_permission_name = p.methods(read=("index", "show", "print_view", "xlsx"))

    @expose("/")
    @has_access
    def index(self):
        """The scorecards the caller may read; a chosen one opens for the month."""
        month = reported_month_arg(request.args.get("period"))
        if request.args.get("code"):  # the pickers of a scorecard page: keep its basis and Zone
            kept = {k: request.args[k] for k in KEPT if request.args.get(k)}
            return redirect(url_for(".show", code=request.args["code"], period=str(month), **kept))
        cards = sc.readable(current_actor())
        return self.render_template("mpr/scorecard_index.html", cards=cards, month=month)

    def _scorecard(self, code: str, period: str) -> sc.Scorecard:
        return sc.scorecard_for(
            current_actor(), code, period, request.args.get("basis"), request.args.get("zone")
        )

    def _page(self, found: sc.Scorecard, template: str):
        columns = scorecard_columns(found)
        return self.render_template(
            template,
            found=found,
            columns=columns,
            header=header_rows(columns),
            indicators={i.code: i for i in found.card.indicators},
            zones=sc.zones(found.card),
            heading=scorecard_heading(found),
            rules=rules_text(found),
            basis_label=basis_label,
            line_label=line_label,
            line_cells=line_cells,
            grade_code=grade_code,
            mean_code=mean_code,
            state_note=state_note,
            months=[found.month.shift(-i) for i in range(0, 4)],
        )

    @expose("/<code>/<period>")
    @has_access
    def show(self, code: str, period: str):
        """One scorecard: a line per Zone ranked by grade (?basis=month|upto, ?zone= its offices)."""
        return self._page(self._scorecard(code, period), "mpr/scorecard.html")

    @expose("/<code>/<period>/print")
    @has_access
    def print_view(self, code: str, period: str):
        """The scorecard on an A4 landscape page."""
        return self._page(self._scorecard(code, period), "mpr/scorecard_print.html")

    @expose("/<code>/<period>/xlsx")
    @has_access
    def xlsx(self, code: str, period: str):
        """The scorecard as an Excel workbook."""
        found = self._scorecard(code, period)
        return xlsx_download(scorecard_workbook(found), scorecard_filename(found))
