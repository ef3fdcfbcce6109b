"""Workbook downloads: one response shape for every .xlsx the MIS hands out (never cached)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response
from flask_babel import gettext as _

from app.presenters.display import month_name
from app.services.cycle.saving import ReturnLocked
from app.services.engine.grid import Grid
from app.services.exchange.template import template_bytes, template_filename

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(body: bytes | Iterable[bytes], filename: str) -> Response:
    """An Excel attachment (`filename` is built from codes only, nothing a user typed)."""
    response = Response(body, mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def template_download(grid: Grid) -> Response:
    """The return's Excel template; a validated return is refused (it changes only by a correction)."""
    if grid.locked:
        raise ReturnLocked(
            _(
                "%(format)s for %(month)s is validated: there is nothing to fill. Raise a correction request "
                "to change it.",
                format=grid.fmt.code,
                month=month_name(grid.month),
            )
        )
    return xlsx_download(template_bytes(grid), template_filename(grid))
