"""A return's history in words: what each recorded event did, never its raw JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.i18n import local
from app.presenters.cells import cell_name, display
from app.presenters.display import month_name
from app.services.engine.grid import Grid

ACTIONS = {
    "save": _l("Saved"),
    "submit": _l("Submitted"),
    "validate": _l("Validated"),
    "send-back": _l("Sent back to the office"),
    "remarks-cleared": _l("Remarks cleared on resubmission"),
    "correction-applied": _l("Correction applied"),
    "carry-forward": _l("Opening balance carried forward"),
    "flagged-inconsistent": _l("Flagged inconsistent"),
}


@dataclass(frozen=True)
class EventView:
    """One event as a row of the history: when, who, what, the details in words, why."""

    seq: int
    at: Any
    actor: str
    action: str
    details: tuple[str, ...]
    reason: str


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class Namer:
    """Names cells of one format and month as people read them."""

    def __init__(self, fmt: FormatDef, grid: Grid) -> None:
        self.columns = {column.code: column for column in fmt.columns}
        self.rows = {row.key: row.label for row in grid.rows}

    def cell(self, row: str, code: str) -> str:
        """'row — group — column' (codes kept as they are when no longer defined)."""
        column = self.columns.get(code)
        label = self.rows.get(row, row)
        return local(cell_name(label, column)) if column is not None else f"{local(label)} — {code}"

    def value(self, code: str, value: Any) -> str:
        """A stored value as shown in the grid (blank shown as —)."""
        column = self.columns.get(code)
        if value is None or value == "":
            return "—"
        return display(value, column) if column is not None else str(value)


def cell_changes(namer: Namer, before: dict | None, after: dict | None) -> list[str]:
    """'cell: old → new' for every cell that differs between two {row: {column: value}} maps."""
    before, after = before or {}, after or {}
    lines = []
    for row in list(after) + [r for r in before if r not in after]:
        old, new = before.get(row) or {}, after.get(row) or {}
        for code in list(new) + [c for c in old if c not in new]:
            if old.get(code) != new.get(code):
                was, now = namer.value(code, old.get(code)), namer.value(code, new.get(code))
                lines.append(f"{namer.cell(row, code)}: {was} → {now}")
    return lines


def _status_line(before: Any, after: Any) -> list[str]:
    was = before.get("status") if isinstance(before, dict) else None
    now = after.get("status") if isinstance(after, dict) else None
    return [f"{_l('Status')}: {was or _l('not started')} → {now}"] if now else []


def _remark_lines(namer: Namer, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    lines = [f"{_l('Remark')}: {body.get('remarks')}"] if body.get("remarks") else []
    for cell in body.get("cells") or []:
        lines.append(f"{_l('At')} {namer.cell(cell.get('row'), cell.get('column'))}: {cell.get('remark')}")
    return lines


def _plain(value: Any) -> list[str]:
    """Anything else, flattened to 'key: value' lines."""
    if isinstance(value, dict):
        return [f"{key}: {item}" for key, item in value.items()]
    return [str(value)] if value not in (None, "") else []


def describe(namer: Namer, action: str, before: Any, after: Any) -> list[str]:
    """The details of one event in words."""
    if action == "save":
        return cell_changes(namer, before, after) or [str(_l("No figure changed"))]
    if action in ("submit", "validate"):
        return _status_line(before, after)
    if action == "send-back":
        return _status_line(before, after) + _remark_lines(namer, after)
    if action == "remarks-cleared":
        return _remark_lines(namer, before)
    if action == "correction-applied":
        revisions = f"{_l('Revision')} {before.get('revision')} → {after.get('revision')}"
        return [revisions, *cell_changes(namer, before.get("cells"), after.get("cells"))]
    if action == "carry-forward" and isinstance(after, dict):
        carried_from = month_name(Month.parse(after["opening_from"]))
        lines = [f"{_l('Opening balance taken from the closing of')} {carried_from}"]
        if after.get("returned_to_draft"):
            lines.append(str(_l("The return no longer passed its checks and became a draft again")))
        return lines
    if action == "flagged-inconsistent" and isinstance(after, dict):
        return [str(after.get("reason", ""))]
    return _plain(before) + _plain(after)


def event_views(events, fmt: FormatDef, grid: Grid) -> list[EventView]:
    """Every event of a return, readable."""
    namer = Namer(fmt, grid)
    views = []
    for event in events:
        before, after = _loads(event.before), _loads(event.after)
        action = str(ACTIONS.get(event.action, event.action))
        details = tuple(describe(namer, event.action, before, after))
        views.append(EventView(event.seq, event.at, event.actor, action, details, event.reason or ""))
    return views
