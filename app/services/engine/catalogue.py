"""Where the definitions, tables and master lists of the running app are found."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Table, select

from app.definitions.months import Month, in_force
from app.definitions.schema import TOTAL_ROW_KEY, DefinitionSet, FormatDef, RowDef
from app.definitions.texts import Text
from app.extensions import db
from app.models.masters import MasterItem


def definitions() -> DefinitionSet:
    """The definitions the app was started with."""
    return current_app.extensions["mpr_definitions"]


def table_of(fmt: FormatDef) -> Table:
    """The generated table that stores `fmt`'s cells."""
    return current_app.extensions["mpr_tables"][fmt.code]


def _month_or_none(text: str | None) -> Month | None:
    return Month.parse(text) if text else None


def master_rows(fmt: FormatDef, month: Month) -> tuple[RowDef, ...]:
    """Rows of a master-list format: the list's items in force, then the total row."""
    items = db.session.execute(
        select(MasterItem).where(MasterItem.master == fmt.rows.master).order_by(MasterItem.position)
    ).scalars()
    rows = [
        RowDef(key=item.key, label=Text(item.label, {"hi": item.label_hi} if item.label_hi else {}))
        for item in items
        if in_force(month, _month_or_none(item.valid_from), _month_or_none(item.valid_until))
    ]
    if fmt.rows.total_label:
        keys = tuple(row.key for row in rows)
        rows.append(RowDef(TOTAL_ROW_KEY, fmt.rows.total_label, is_total=True, members=keys))
    return tuple(rows)


def defined_rows(fmt: FormatDef, month: Month) -> tuple[RowDef, ...]:
    """The non-free rows of `fmt` for `month` (data rows and total rows)."""
    if fmt.rows.kind == "master":
        return master_rows(fmt, month)
    return fmt.rows_in_force(month)


def source_title(code: str) -> str:
    """The title of a source (sources:) of the definitions, or its code if it is not declared."""
    source = definitions().sources.get(code)
    return source.title if source is not None else code
