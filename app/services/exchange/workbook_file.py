"""Open an uploaded workbook safely and read its cells as the text a user would have typed.

Before openpyxl sees the bytes: a size limit, a real .xlsx (a zip, not an old .xls), no
macros (no VBA project, no macro-enabled content type), and no zip bomb (bounded entries,
unpacked size and compression ratio). Then openpyxl in read-only mode with cached values
only (`data_only`): formulas are never evaluated, and only values are taken.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.errors import InvalidInput
from app.presenters.display import indian_number

MAX_ENTRIES = 2_000  # parts inside the zip: a template has about a dozen
MAX_UNPACKED = 100 * 1024 * 1024  # bytes once unpacked
MAX_RATIO = 200  # unpacked / packed size of one large part; sheet XML compresses about 10-30 times
RATIO_FROM = 1024 * 1024  # the ratio is judged on parts larger than this once unpacked
OLD_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")


class UploadRefused(InvalidInput):
    """The file itself cannot be taken (size, type, macros, structure); nothing was read from it."""

    code = "upload_refused"

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def max_upload_bytes() -> int:
    """The largest workbook accepted (config MPR_MAX_UPLOAD_BYTES)."""
    return current_app.config["MPR_MAX_UPLOAD_BYTES"]


def check_size(data: bytes, empty_message: str) -> None:
    """Refuse an empty file (with `empty_message`) or one over MPR_MAX_UPLOAD_BYTES."""
    limit = max_upload_bytes()
    if not data:
        raise UploadRefused(empty_message, "empty_file")
    if len(data) > limit:
        raise UploadRefused(
            _("The file is too large (at most %(limit)s bytes).", limit=indian_number(limit)),
            "file_too_large",
        )


def check_package(data: bytes) -> None:
    """Refuse anything but a plain .xlsx of bounded size, without macros, that is not a zip bomb."""
    check_size(data, _("The file is empty: choose the filled workbook (.xlsx)."))
    if data.startswith(OLD_XLS_MAGIC):
        raise UploadRefused(
            _(
                "This is an old Excel 97-2003 file (.xls): save it as an Excel workbook (.xlsx) "
                "and upload that."
            ),
            "old_xls",
        )
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        entries = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_a_workbook() from None
    _check_entries(package, entries)


def _check_entries(package: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise UploadRefused(_("The workbook has too many parts to be a report."), "zip_bomb")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        raise UploadRefused(_("The workbook unpacks to more than a report can hold."), "zip_bomb")
    for entry in entries:
        if entry.file_size > RATIO_FROM and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise UploadRefused(
                _("The workbook is compressed suspiciously well; it was not opened."), "zip_bomb"
            )
    names = {entry.filename.lower().rsplit("/", 1)[-1] for entry in entries}
    content_types = package.read("[Content_Types].xml") if "[content_types].xml" in names else b""
    if names & set(MACRO_PARTS) or b"macroEnabled" in content_types:
        raise UploadRefused(
            _("The workbook contains macros (.xlsm); macros are never accepted. Save it as a plain .xlsx."),
            "macro_enabled",
        )
    if b"spreadsheetml" not in content_types:
        raise _not_a_workbook()


def _not_a_workbook() -> UploadRefused:
    return UploadRefused(
        _("The file is not an Excel workbook (.xlsx): open it in Excel or LibreOffice and save it as .xlsx."),
        "not_a_workbook",
    )


def open_workbook(data: bytes):
    """The workbook, read-only and values only, after `check_package`."""
    check_package(data)
    import openpyxl  # here, not at the top: a quarter of a second that start-up need not pay

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file; none is shown
        raise UploadRefused(
            _("The workbook could not be read; it may be damaged. Save it again as .xlsx."), "unreadable"
        ) from None


def cell_text(value: Any) -> str:
    """A cell's value as the text the same cell would hold typed into the grid ('' when blank)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")  # the shortest text that is this float, never 1e+20
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
