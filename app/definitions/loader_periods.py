"""Checks of annual formats (`period: year`), lagging formats (`lag:`) and targets (`target_pct`)."""

from __future__ import annotations

from .loader_drafts import DerivedDraft, FormatDraft
from .loader_support import Collector, join, suggest, whole
from .schema import ANNUAL, CUMULATIVE_KINDS
from .yaml_lines import LineDict

MAX_LAG = 11  # a lag of a year or more would be another financial year's figures
TARGET_ROW_KINDS = ("single", "fixed", "product")


def lag_of(c: Collector, m: LineDict, path: str) -> int:
    """The format's `lag:` (0 when absent); E004/E005 for anything but a whole number 0..11."""
    lag = whole(c, m, "lag", path, minimum=0)
    if lag is not None and lag > MAX_LAG:
        message = f"a lag is at most {MAX_LAG} months (found {lag})"
        c.add("E005", m.line_of("lag"), join(path, "lag"), message)
        return 0
    return lag or 0


def check_period(c: Collector, draft: FormatDraft) -> None:
    """E070 for what an annual format cannot have: a lag, carries, cumulative derived columns,
    months that are not whole financial years."""
    if draft.fields.get("period") != ANNUAL:
        return
    hint = "an annual format (period: year) has one return per financial year"
    if draft.fields.get("lag"):
        line, path = draft.where.at("lag")
        c.add("E070", line, path, f"{hint}; a lag belongs to monthly formats only")
    start, end = draft.months
    if start is not None and start.month != 4:
        line, path = draft.where.at("from")
        c.add("E070", line, path, f"{hint}; 'from' must be an April (e.g. {start.fy_start}), found {start}")
    if end is not None and end.month != 3:
        line, path = draft.where.at("until")
        march = end.fy_start.shift(11)
        c.add("E070", line, path, f"{hint}; 'until' must be a March (e.g. {march}), found {end}")
    for leaf in draft.leaves:
        if leaf.column.carry:
            line, path = leaf.where.at("carry")
            c.add("E070", line, path, f"{hint}; nothing is carried from month to month")
    for derived in draft.derived:
        if derived.derived.kind in CUMULATIVE_KINDS:
            line, path = derived.where.at("kind")
            message = f"{hint}; '{derived.derived.kind}' adds months up — use prev_year, growth or growth_pct"
            c.add("E070", line, path, message)


def check_targets(c: Collector, drafts: list[FormatDraft], by_code: dict[str, FormatDraft]) -> None:
    """E011/E071/E072/E073 for every target_pct: its target format, column and rows."""
    for draft in drafts:
        if by_code.get(draft.code) is not draft:
            continue
        for derived in draft.derived:
            if derived.target_where is not None and derived.derived.target_format is not None:
                _check_target(c, draft, derived, by_code)


def _check_target(c: Collector, draft: FormatDraft, derived: DerivedDraft, by_code: dict) -> None:
    name = derived.derived.target_format
    assert derived.target_where is not None and name is not None
    line, path = derived.target_where.at("format")
    target: FormatDraft | None = by_code.get(name)
    if target is None:
        c.add("E011", line, path, f"unknown format '{name}'{suggest(name, by_code)}")
        return
    if target.fields.get("period") != ANNUAL:
        message = f"the target format '{name}' must be annual (period: year): a target is set once a year"
        c.add("E071", line, path, message)
        return
    column = derived.derived.target_column
    leaf = target.leaf(column) if column is not None else None
    line, path = derived.target_where.at("column")
    if column is not None and leaf is None:
        codes = [leaf.column.code for leaf in target.leaves]
        c.add("E072", line, path, f"'{name}' has no column '{column}'{suggest(column, codes)}")
        return
    if leaf is not None and leaf.column.type and not leaf.column.is_numeric:
        c.add("E072", line, path, f"'{name}'.'{column}' is a {leaf.column.type} column; a target is a number")
        return
    _check_target_rows(c, draft, target, derived)


def _check_target_rows(c: Collector, draft: FormatDraft, target: FormatDraft, derived: DerivedDraft) -> None:
    """The target's rows must be rows of the monthly format (read row by row, by key)."""
    assert derived.target_where is not None
    line, path = derived.target_where.at("format")
    if target.rows.kind not in TARGET_ROW_KINDS or draft.rows.kind not in TARGET_ROW_KINDS:
        message = "a target is read row by row: both formats need single, fixed or product rows"
        c.add("E073", line, path, f"{message} (found {draft.rows.kind} and {target.rows.kind})")
        return
    own = {row.key for row in draft.rows.rows}
    unmatched = [row.key for row in target.rows.rows if row.key not in own]
    if unmatched:
        keys = ", ".join(unmatched)
        message = (
            f"rows of '{target.code}' that '{draft.code}' does not have: {keys} (rows are matched by key)"
        )
        c.add("E073", line, path, message)
