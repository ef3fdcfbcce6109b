"""The bulk-load part of the JSON API: the template of a format, and a load (dry run or apply).

JWT only. 403 for a role that may not bulk load at all (FAB's permission on
MPR bulk load: administrators and owners); 404 for a format absent or not the caller's
to load; 422 with every error and disagreement when the file cannot be loaded.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _

from app.definitions.schema import FormatDef
from app.errors import InvalidInput, NotFound
from app.presenters.workbook_parts import spooled_chunks
from app.security import permissions as p
from app.security.actor import current_actor
from app.security.policy import may_bulk_load
from app.services.engine import catalogue
from app.services.exchange import bulk
from app.services.exchange.bulk_apply import LOADABLE_STATUSES
from app.services.exchange.bulk_layout import template_filename, write_template
from app.views.downloads import xlsx_download

DEFAULT_STATUS = "submitted"


def bulk_format(format_code: str) -> FormatDef:
    """The format named, if the caller may bulk load it; NotFound otherwise (absent or not theirs)."""
    fmt = catalogue.definitions().formats.get(format_code)
    if fmt is None or not may_bulk_load(current_actor(), fmt):
        raise NotFound()
    return fmt


def template_download(fmt: FormatDef) -> Response:
    """The bulk template as a streamed .xlsx download (?from=YYYY-MM&until=YYYY-MM prefills it)."""
    wanted = bulk.template_request(current_actor(), fmt, request.args.get("from"), request.args.get("until"))
    body = spooled_chunks(lambda spool: write_template(wanted, spool))
    return xlsx_download(body, template_filename(fmt, wanted.months, wanted.prefill))


def uploaded_file() -> bulk.Upload:
    """The request's `file`, read (InvalidInput when none was sent, UploadRefused when unreadable)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(_("Choose the file to load (.xlsx or .csv) as the form field 'file'."))
    return bulk.open_upload(upload.filename, upload.read(), upload.mimetype)


def loaded_status(value: str | None) -> str:
    """The status asked for the loaded returns (submitted unless said); InvalidInput if neither."""
    status = (value or DEFAULT_STATUS).strip().lower()
    if status not in LOADABLE_STATUSES:
        raise InvalidInput(_("The status must be submitted or validated."))
    return status


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


class MprBulkApi(BaseApi):
    """/api/v1/mpr/bulk/...: the bulk load of past months of one format."""

    resource_name = "mpr"
    class_permission_name = p.BULK_LOAD
    method_permission_name = p.methods(read=("template",), edit=("load",))
    openapi_spec_tag = "MPR bulk load"

    @expose("/bulk/<format_code>/template", methods=["GET"])
    @protect()
    def template(self, format_code: str):
        """The bulk-load template (.xlsx): sheets Data and Guide; ?from&until prefill office x month x row."""
        return template_download(bulk_format(format_code))

    @expose("/bulk/<format_code>", methods=["POST"])
    @protect()
    def load(self, format_code: str):
        """multipart `file`; ?dry_run=1 (default) only plans, dry_run=0 loads; ?status=submitted|validated."""
        fmt = bulk_format(format_code)
        status = loaded_status(request.args.get("status"))
        dry_run = _flag(request.args.get("dry_run"), default=True)
        plan = bulk.plan_load(current_actor(), fmt, uploaded_file())
        if not plan.ok:
            return self.response(422, **plan.as_dict())
        if dry_run:
            return self.response(200, dry_run=True, **plan.as_dict())
        result = bulk.apply_load(current_actor(), plan, status)
        return self.response(200, dry_run=False, **result.as_dict())
