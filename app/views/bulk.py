"""The bulk-load pages: the formats a user may load, and one format's template, upload and report.

A check or a load can take a while for hundreds of offices: the answer is streamed, a
progress line every few returns, then the report (every error at its address, every
disagreement between an opening and the closing before it). Everything that can refuse
the request (permission, format, file, status) is decided before the stream starts, so
refusals still go through the one handler in app/web.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, render_template, request, stream_with_context, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.definitions.schema import FormatDef
from app.errors import Refusal
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import may_bulk_load
from app.services.engine import catalogue
from app.services.exchange import bulk
from app.services.exchange.bulk_apply import LOADABLE_STATUSES
from app.services.exchange.bulk_plan import Progress
from app.views.api_bulk import DEFAULT_STATUS, bulk_format, loaded_status, template_download, uploaded_file

REPORT_MARK = "<!-- mpr-bulk-report -->"


def _progress_line(step: Progress) -> str:
    if step.phase == "load":
        text = _("Stored %(done)d of %(total)d returns…", done=step.done, total=step.total)
    else:
        text = _("Checked %(done)d of %(total)d returns…", done=step.done, total=step.total)
    return f'<li class="mpr-bulk-step" data-phase="{step.phase}" data-done="{step.done}">{text}</li>\n'


class BulkLoadView(BaseView):
    """/mpr/bulk/: bulk load of past months (administrators and the formats' owners)."""

    route_base = "/mpr/bulk"
    default_view = "index"
    class_permission_name = p.BULK_LOAD
    method_permission_name = p.methods(read=("index", "format_page", "template"), edit=("load",))

    @expose("/")
    @has_access
    def index(self):
        """The formats the user may bulk load."""
        actor = current_actor()
        formats = [f for f in catalogue.definitions().formats.values() if may_bulk_load(actor, f)]
        return self.render_template("mpr/bulk_index.html", formats=formats)

    def _page(self, fmt: FormatDef, marker: str = "") -> str:
        return self.render_template(
            "mpr/bulk_load.html",
            fmt=fmt,
            statuses=LOADABLE_STATUSES,
            status=request.form.get("status", DEFAULT_STATUS),
            marker=marker,
        )

    @expose("/<format_code>/", methods=["GET"])
    @has_access
    def format_page(self, format_code: str):
        """The template link, the file to load, Check only and Load."""
        return self._page(bulk_format(format_code))

    @expose("/<format_code>/template", methods=["GET"])
    @has_access
    def template(self, format_code: str):
        """The bulk-load template (.xlsx), blank or prefilled for ?from=YYYY-MM&until=YYYY-MM."""
        return template_download(bulk_format(format_code))

    @expose("/<format_code>/", methods=["POST"])
    @has_access
    def load(self, format_code: str):
        """Check the file (Check only) or check and load it (Load); the answer is streamed."""
        fmt = bulk_format(format_code)
        status = loaded_status(request.form.get("status"))
        upload = uploaded_file()
        applying = request.form.get("action") == "load"
        head, _mark, tail = self._page(fmt, REPORT_MARK).partition(REPORT_MARK)
        steps = self._stream(fmt, upload, status, applying)
        return Response(stream_with_context(_framed(head, steps, tail)), mimetype="text/html")

    def _stream(self, fmt: FormatDef, upload: bulk.Upload, status: str, applying: bool) -> Iterator[str]:
        every = current_app.config.get("MPR_BULK_PROGRESS_EVERY", bulk.PROGRESS_EVERY)
        actor, plan, result = current_actor(), None, None
        yield '<ul class="list-unstyled mpr-bulk-progress" role="status" aria-live="polite">\n'
        # Once the page has started, a refusal can no longer become its own response: it is
        # shown in the report instead (the only place this page catches one).
        try:
            plan = yield from _lines(bulk.iter_plan(actor, fmt, upload, every=every))
            if applying and plan.ok:
                result = yield from _lines(bulk.iter_apply(actor, plan, status, every))
        except Refusal as refusal:
            yield "</ul>\n" + _report(fmt, plan, result, applying, status, refusal)
            return
        yield "</ul>\n" + _report(fmt, plan, result, applying, status, None)


def _lines(steps) -> Iterator[str]:
    """Each Progress of a step generator as a line of the page; the generator's result at the end."""
    while True:
        try:
            step = next(steps)
        except StopIteration as stop:
            return stop.value
        yield _progress_line(step)


def _framed(head: str, body: Iterator[str], tail: str) -> Iterator[str]:
    yield head
    yield from body
    yield tail


def _report(fmt, plan, result, applying: bool, status: str, refusal: Refusal | None) -> str:
    return render_template(
        "mpr/_bulk_report.html",
        fmt=fmt,
        plan=plan,
        result=result,
        applying=applying,
        status=status,
        refusal=refusal,
        back=url_for("BulkLoadView.format_page", format_code=fmt.code),
    )
