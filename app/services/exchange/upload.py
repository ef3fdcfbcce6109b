"""A filled template back into its return: matched by its identity, read as values, saved as the grid saves.

Nothing here checks a figure: the cells read become the same `changes` a grid form posts
and go through `plan_draft` (a dry run) or `save_draft` (a save), so an upload is
accepted or refused exactly as typing the same text into the grid would be. Each cell
error is then told with its address in the workbook (`'GI-GST-2'!F12`), row and column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from flask_babel import gettext as _
from xlsxwriter.utility import xl_rowcol_to_cell

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import InvalidInput
from app.models.org import Office
from app.presenters.cells import column_name
from app.security.policy import Actor
from app.services.cycle.saving import Changes, SaveConflict, plan_draft, save_draft
from app.services.engine.calculation import CellMessage
from app.services.engine.grid import Grid, open_grid
from app.services.exchange.template import (
    TemplateIdentity,
    TemplateIdentityError,
    layout_key,
    read_identity,
    template_rows,
)
from app.services.exchange.workbook_file import UploadRefused, cell_text, open_workbook


class TemplateMismatch(InvalidInput):
    """The template was made for another return, or for another layout of the format."""

    code = "wrong_template"


@dataclass(frozen=True)
class UploadError:
    """One refused cell of an upload, where the user will find it in the workbook."""

    sheet: str
    cell: str
    row: str
    column: str
    code: str
    message: str
    row_key: str
    column_code: str

    @property
    def address(self) -> str:
        """Sheet!Cell as Excel writes it (quoted: sheet names of formats hold hyphens)."""
        return f"'{self.sheet}'!{self.cell}" if self.cell else f"'{self.sheet}'"

    def as_dict(self) -> dict[str, str]:
        """The API's `{sheet, cell, row, column, code, message}`, with the address and the keys."""
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "address": self.address,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "row_key": self.row_key,
            "column_code": self.column_code,
        }


@dataclass
class UploadOutcome:
    """What an upload did: cells read, errors by address, and the grid to show (typed values kept)."""

    dry_run: bool
    cells: int
    grid: Grid
    errors: list[UploadError] = field(default_factory=list)
    saved: bool = False
    unchanged: bool = False


def upload_return(
    actor: Actor,
    fmt: FormatDef,
    office: Office,
    month: Month,
    data: bytes,
    *,
    dry_run: bool,
    filename: str = "",
    today: dt.date | None = None,
) -> UploadOutcome:
    """Check (and unless `dry_run`, save) a filled template of this return."""
    book = open_workbook(data)
    try:
        identity = _identity(book)
        grid = open_grid(fmt, office, month, today, office_view=True)
        _check_matches(identity, grid)
        changes = _read_changes(book, identity, grid)
        labels = {row.key: row.label for row in template_rows(grid)}
    finally:
        book.close()
    cells = sum(len(typed or {}) for typed in changes.values())
    if dry_run:
        plan = plan_draft(actor, fmt, office, month, identity.version, changes, today)
        return UploadOutcome(True, cells, plan.grid, _located(plan.errors, identity, labels, fmt))
    result = save_draft(
        actor, fmt, office, month, identity.version, changes, today, reason=upload_reason(data, filename)
    )
    if not result.saved:
        located = _located(result.errors, identity, labels, fmt)
        return UploadOutcome(False, cells, result.grid, located)
    return UploadOutcome(False, cells, result.grid, saved=True, unchanged=result.unchanged)


def _identity(book) -> TemplateIdentity:
    try:
        return read_identity(book)
    except TemplateIdentityError:
        raise UploadRefused(
            _(
                "This workbook is not a template downloaded from the MIS, or its hidden identity sheet was "
                "changed. Download the template from the return's page and fill that."
            ),
            "not_a_template",
        ) from None


def _check_matches(identity: TemplateIdentity, grid: Grid) -> None:
    """Refuse a template of another format, office, month or layout; or one made before a later save."""
    compared = (
        (identity.format_code, grid.fmt.code, _("format %(theirs)s (this return: %(ours)s)")),
        (identity.office_code, grid.office.code, _("office %(theirs)s (this return: %(ours)s)")),
        (identity.period, str(grid.month), _("month %(theirs)s (this return: %(ours)s)")),
    )
    differences = [text % {"theirs": mine, "ours": ours} for mine, ours, text in compared if mine != ours]
    if differences:
        raise TemplateMismatch(
            _(
                "This template was made for another return: %(differences)s. Nothing was saved: upload it on "
                "the page of the return it was made for, or download this return's template.",
                differences="; ".join(differences),
            )
        )
    if identity.layout != layout_key(grid.fmt, grid.columns, [r.key for r in grid.rows]):
        raise TemplateMismatch(
            _(
                "%(format)s has changed since this template was made (columns or rows were added or "
                "removed). Nothing was saved: download a new template and copy your figures into it.",
                format=grid.fmt.code,
            )
        )
    if identity.version != grid.version:
        when = f"{grid.ret.updated_at:%d %b %Y %H:%M}" if grid.ret is not None else ""
        raise SaveConflict(
            _(
                "This template was made from version %(theirs)s of the return; it has been saved since "
                "(version %(ours)s, %(when)s UTC). Nothing was saved, so nobody's figures were overwritten: "
                "download a new template and enter your figures in it.",
                theirs=identity.version,
                ours=grid.version,
                when=when,
            )
        )


def _read_changes(book, identity: TemplateIdentity, grid: Grid) -> Changes:
    """The editable cells of every template row, as the text typed; blank new rows skipped."""
    if identity.sheet not in book.sheetnames:
        raise UploadRefused(
            _("The sheet '%(sheet)s' is missing: it was renamed or deleted.", sheet=identity.sheet),
            "sheet_missing",
        )
    shown = {row.key: row for row in template_rows(grid)}
    columns = {index: grid.fmt.column(code) for index, code in identity.columns.items()}
    first, last = min(identity.rows, default=1), max(identity.rows, default=0)
    changes: dict[str, dict[str, str] | None] = {}
    sheet = book[identity.sheet]
    for number, values in enumerate(
        sheet.iter_rows(min_row=first, max_row=last, max_col=max(columns, default=0) + 1, values_only=True),
        start=first,
    ):
        key = identity.rows.get(number)
        row = shown.get(key) if key is not None else None
        if row is None:
            continue
        typed = {
            column.code: cell_text(values[index] if index < len(values) else None)
            for index, column in columns.items()
            if grid.editable(row, column)
        }
        if grid.fmt.rows.kind == "free" and not any(typed.values()):
            if not key.startswith("new-"):
                changes[key] = None  # a stored free row emptied in the workbook is removed
            continue
        changes[key] = typed
    return changes


def _located(
    messages: list[CellMessage], identity: TemplateIdentity, labels: dict[str, str], fmt: FormatDef
) -> list[UploadError]:
    """Each cell message with its sheet, cell address, row label (as in the template) and column label."""
    sheet_rows = {key: number for number, key in identity.rows.items()}
    sheet_columns = {code: index for index, code in identity.columns.items()}
    located = []
    for message in messages:
        number, index = sheet_rows.get(message.row), sheet_columns.get(message.column)
        if number is not None and index is not None:
            cell = xl_rowcol_to_cell(number - 1, index)
        elif number is not None:
            cell = xl_rowcol_to_cell(number - 1, 0)
        else:
            cell = ""
        column = _column_label(fmt, message.column)
        located.append(
            UploadError(
                identity.sheet,
                cell,
                labels.get(message.row, message.row),
                column,
                message.code,
                message.message,
                message.row,
                message.column,
            )
        )
    return located


def _column_label(fmt: FormatDef, code: str) -> str:
    if not code:
        return ""
    try:
        column = fmt.column(code)
    except KeyError:
        return code
    return column_name(column)


def upload_reason(data: bytes, filename: str) -> str:
    """What the save's audit event says of the file: its name and SHA-256."""
    return f"upload of {filename[:200] or 'a workbook'} (sha256 {hashlib.sha256(data).hexdigest()})"
