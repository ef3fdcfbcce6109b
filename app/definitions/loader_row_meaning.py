"""Meaning checks of computed and carried rows: the rows they read, cycles, crossings, carries."""

from __future__ import annotations

from collections.abc import Mapping

from .loader_columns import Leaf
from .loader_drafts import FormatDraft
from .loader_support import Collector, cycles_once, describe, join, suggest, uncovered_month
from .schema import RowDef

ROW_SYNTAX = 'a computed row\'s formula names row keys of the same format, e.g. formula: "GROSS - REFUNDS"'


def _at(row: RowDef, key: str) -> tuple[int, str]:
    """(line, path) of one key of a row item."""
    return row.key_lines.get(key, row.line), join(row.path, key)


def check_rows(c: Collector, draft: FormatDraft, leaves: Mapping[str, Leaf]) -> None:
    """Report every problem of the format's computed and carried rows."""
    data = {row.key: row for row in draft.rows.rows if not row.is_total}
    totals = {row.key for row in draft.rows.rows if row.is_total}
    computed = [row for row in data.values() if row.formula is not None]
    for row in computed:
        _reads(c, row, data, totals, leaves)
    if computed and leaves and not any(leaf.column.is_numeric for leaf in leaves.values()):
        line, path = _at(computed[0], "formula")
        message = (
            f"computed row '{computed[0].key}' has no number column to compute: "
            "every column is text, date or choice"
        )
        c.add("E028", line, path, message)
    _cycles(c, computed, data)
    for row in computed:
        _crossings(c, row, leaves)
    for row in data.values():
        if row.carry:
            _carry(c, draft, row, data, leaves)


def _reads(
    c: Collector, row: RowDef, data: Mapping[str, RowDef], totals: set[str], leaves: Mapping[str, Leaf]
) -> None:
    """E026/E061/E042 for the rows a computed row's formula names."""
    line, path = _at(row, "formula")
    for name in row.formula.names_in_order if row.formula is not None else ():
        source = data.get(name)
        if source is not None:
            gap = uncovered_month((row.valid_from, row.valid_until), (source.valid_from, source.valid_until))
            if gap is not None:
                months = describe((source.valid_from, source.valid_until))
                message = f"reads row '{name}', which is not in force in {gap} ({name}: {months})"
                c.add("E042", line, path, message)
        elif name in totals:
            message = f"'{name}' is the total row, which a computed row cannot read; name the rows it adds up"
            c.add("E026", line, path, message)
        elif name in leaves:
            message = f"'{name}' is a column code, not a row key; {ROW_SYNTAX}"
            hint = suggest(name, data) or "; to compute across columns, put the formula on a column"
            c.add("E061", line, path, message + hint)
        else:
            c.add("E026", line, path, f"unknown row '{name}'{suggest(name, data)}")


def _cycles(c: Collector, computed: list[RowDef], data: Mapping[str, RowDef]) -> None:
    """E027 for computed rows that read each other round in a circle."""
    graph = {row.key: [n for n in row.formula.names_in_order if n in data] for row in computed}
    for ordered in cycles_once(graph, list(data).index):
        line, path = _at(data[ordered[0]], "formula")
        c.add("E027", line, path, f"computed rows form a cycle: {' -> '.join(ordered)}")


def _crossings(c: Collector, row: RowDef, leaves: Mapping[str, Leaf]) -> None:
    """E029 where a computed row meets a computed column and either formula is not linear."""
    if row.crossing is not None or row.formula is None:
        return
    line, path = _at(row, "formula")
    for leaf in leaves.values():
        formula = leaf.column.formula
        if formula is None or (row.formula.is_linear and formula.is_linear):
            continue
        which = "row's" if not row.formula.is_linear else "column's"
        message = (
            f"computed row '{row.key}' crosses computed column '{leaf.column.code}' and the {which} "
            f"formula is not linear, so the two give different cells there; "
            f"say which holds with crossing: row (the row's formula) or crossing: column"
        )
        c.add("E029", line, path, message)


def _carry(
    c: Collector, draft: FormatDraft, row: RowDef, data: Mapping[str, RowDef], leaves: Mapping[str, Leaf]
) -> None:
    """E033/E034 for a carried row."""
    line, path = _at(row, "carry")
    carried_columns = [leaf.column.code for leaf in leaves.values() if leaf.column.carry]
    if carried_columns:
        message = (
            f"row '{row.key}' is carried and so is column '{carried_columns[0]}': at their crossing "
            "last month's cell would be ambiguous; carry either rows or columns in one format"
        )
        c.add("E034", line, path, message)
    source = data.get(row.carry or "")
    if source is None:
        c.add("E033", line, path, f"carries from unknown row '{row.carry}'{suggest(row.carry, data)}")
        return
    start, end = row.valid_from or draft.months[0], row.valid_until or draft.months[1]
    if start is not None and end is not None and end <= start:
        return  # in force for one month only: always the one-time opening entry
    needed = (start, end.prev() if end is not None else None)
    available = (source.valid_from or draft.months[0], source.valid_until or draft.months[1])
    gap = uncovered_month(needed, available)
    if gap is not None:
        message = f"carries from row '{row.carry}', which is not in force in {gap}, the month before"
        message = f"{message} {gap.next()}"
        c.add("E033", line, path, message)


def check_replacement_row_carries(c: Collector, draft: FormatDraft, replaced: FormatDraft) -> None:
    """E033 for carried rows at the first month of `draft`, which carry from `replaced`'s rows."""
    first, last = draft.months[0], replaced.months[1]
    if first is None or last is None:
        return
    for row in draft.rows.rows:
        if (
            not row.carry
            or (row.valid_from or first) != first
            or row.carry not in {r.key for r in draft.rows.rows}
        ):
            continue
        source = replaced.rows.row(row.carry)
        if source is None or not source.in_force(last):
            line, path = _at(row, "carry")
            message = f"carries from row '{row.carry}', which format '{replaced.code}' does not have in"
            c.add("E033", line, path, f"{message} {last}, its last month before this format replaces it")
