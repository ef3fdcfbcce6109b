"""Formats set by their owner (`set_by: owner`): annual targets the owner directorate sets per office.

Such a format's returns are not filed by the offices: the owner sets each office's figures,
which are stored as validated at once. So nothing in it can come from elsewhere or from
last month (E131, E132), it is set once a financial year (E133), and no check across
formats may involve it (E134: there is no submission at which it could be made).
"""

from __future__ import annotations

from .loader_drafts import FormatDraft
from .loader_support import Collector, join, type_name
from .schema import ANNUAL, SET_BY_OWNER
from .yaml_lines import LineDict

SET_BY_VALUES = (SET_BY_OWNER,)
HINT = "a format set by its owner (set_by: owner) is set by the owner directorate for each office"


def set_by_of(c: Collector, m: LineDict, path: str) -> str | None:
    """The format's `set_by:` (None when absent); E130 for anything but `owner`."""
    if "set_by" not in m:
        return None
    value = m["set_by"]
    if value in SET_BY_VALUES:
        return str(value)
    shown = repr(value) if isinstance(value, str) else type_name(value)
    allowed = ", ".join(SET_BY_VALUES)
    message = f"set_by must be one of: {allowed} (found {shown}); leave it out for formats the offices file"
    c.add("E130", m.line_of("set_by"), join(path, "set_by"), message)
    return None


def check_set_by(c: Collector, draft: FormatDraft) -> None:
    """E131-E133 for what a format set by its owner cannot have: fed cells, carries, months."""
    if draft.fields.get("set_by") != SET_BY_OWNER:
        return
    for mark in draft.fed_marks:
        c.add("E131", mark.line, mark.path, f"{HINT}; no cell of it is fed by another system")
    for leaf in draft.leaves:
        if leaf.column.carry:
            line, path = leaf.where.at("carry")
            c.add("E132", line, path, f"{HINT}; nothing is carried from an earlier return")
    for row in draft.rows.rows:
        if row.carry:
            line = row.key_lines.get("carry", row.line)
            c.add("E132", line, join(row.path, "carry"), f"{HINT}; nothing is carried from an earlier return")
    if draft.fields.get("period") != ANNUAL:
        line, path = draft.where.at("set_by")
        c.add("E133", line, path, f"{HINT} once a financial year: add 'period: year'")


def check_set_by_across(c: Collector, drafts: list[FormatDraft], by_code: dict[str, FormatDraft]) -> None:
    """E134 for a check across formats that declares or reads a format set by its owner."""
    owner_set = {code for code, draft in by_code.items() if draft.fields.get("set_by") == SET_BY_OWNER}
    for draft in drafts:
        for cross in draft.cross:
            involved = sorted({draft.code, cross.right.format} & owner_set)
            if involved:
                line, path = cross.where.at("right")
                message = (
                    f"a check across formats cannot involve '{involved[0]}': {HINT}, never submitted, "
                    "so there is no moment at which the check could be made"
                )
                c.add("E134", line, path, message)
