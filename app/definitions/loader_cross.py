"""A format's `cross_checks:` — a cell of this format compared with a cell of another format.

Read in two steps: `parse_cross_checks` reads the entries of one format as written; once
every format is read, `check_cross_checks` resolves the other formats, their rows and
columns, the months, and refuses cross-format checks that go round in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .loader_drafts import FormatDraft, items_of
from .loader_support import (
    COLUMN_CODE,
    FORMAT_CODE,
    Collector,
    Located,
    Range,
    choice,
    cycles_once,
    describe,
    intersect,
    join,
    located,
    mapping,
    month_range,
    suggest,
    text,
    uncovered_month,
)
from .schema import COMPARISONS, SINGLE_ROW_KEY, TOTAL_ROW_KEY, CellRef, CrossCheckDef
from .yaml_lines import LineDict

CROSS_KEYS = ("code", "left", "op", "right", "message", "from", "until")
CROSS_REQUIRED = ("code", "left", "op", "right", "message")
SIDE_KEYS = ("format", "row", "column")


@dataclass(frozen=True)
class SideDraft:
    """One side of a cross-format check as written."""

    format: str
    row: str | None
    column: str | None
    where: Located


@dataclass(frozen=True)
class CrossDraft:
    """A cross-format check as written, with where it stood."""

    code: str
    left: SideDraft
    op: str | None  # None when written wrongly (reported); the cells are still checked
    right: SideDraft
    message: str
    months: Range
    where: Located

    def build(self) -> CrossCheckDef:
        """The validated check (called only when the file has no problems)."""
        return CrossCheckDef(
            code=self.code,
            left=_ref(self.left),
            op=str(self.op),
            right=_ref(self.right),
            message=self.message,
            valid_from=self.months[0],
            valid_until=self.months[1],
            line=self.where.line,
        )


def _ref(side: SideDraft) -> CellRef:
    return CellRef(side.format, side.row or SINGLE_ROW_KEY, str(side.column))


def parse_cross_checks(
    c: Collector, fmt: LineDict, path: str, own_code: str | None, own_months: Range
) -> list[CrossDraft]:
    """The format's `cross_checks:` list as written (references are resolved later)."""
    result = []
    for item, line, where in items_of(c, fmt, "cross_checks", path):
        m = mapping(c, item, line, where, CROSS_KEYS, CROSS_REQUIRED)
        if m is None:
            continue
        code = text(c, m, "code", where, COLUMN_CODE)
        message = text(c, m, "message", where)
        op = _op(c, m, where)
        months = month_range(c, m, where, f"cross check '{code}'", [(f"format '{own_code}'", own_months)])
        left = _side(c, m, "left", where, own_code)
        right = _side(c, m, "right", where, None)
        if code and message and left and right and own_code:
            result.append(CrossDraft(code, left, op, right, message, months, located(m, where)))
    return result


def _op(c: Collector, m: LineDict, path: str) -> str | None:
    """The comparison: one of == != < <= > >= ('=' is told to write '==')."""
    if m.get("op") == "=":
        message = "'=' is not a comparison: write '==' (op: \"==\")"
        c.add("E005", m.line_of("op"), join(path, "op"), message)
        return None
    return choice(c, m, "op", path, COMPARISONS)


def _side(c: Collector, m: LineDict, key: str, path: str, own_code: str | None) -> SideDraft | None:
    """`left:` (a cell of this format) or `right:` (a cell of another format, `format:` required)."""
    if key not in m:
        return None
    where = join(path, key)
    required = ("column",) if own_code is not None else ("format", "column")
    side = mapping(c, m[key], m.line_of(key), where, SIDE_KEYS, required)
    if side is None:
        return None
    fmt_code = text(c, side, "format", where, FORMAT_CODE)
    if own_code is not None and fmt_code not in (None, own_code):
        message = (
            f"the left side is a cell of this format ('{own_code}'), not of '{fmt_code}'; "
            f"to compare two other formats, declare the check in the cross_checks of one of them"
        )
        c.add("E050", side.line_of("format"), join(where, "format"), message)
        return None
    row = text(c, side, "row", where)
    column = text(c, side, "column", where, COLUMN_CODE)
    if column is None or (own_code is None and fmt_code is None):
        return None
    return SideDraft(own_code or str(fmt_code), row, column, located(side, where))


def check_cross_checks(c: Collector, drafts: Mapping[str, FormatDraft]) -> None:
    """E050-E054 for every format's cross-format checks, once all formats are read."""
    reads: dict[str, list[str]] = {}
    for draft in drafts.values():
        seen = {check.code: check.where.line for check in draft.checks}
        for cross in draft.cross:
            _unique(c, cross, seen)
            other = _other_format(c, cross, draft, drafts)
            months = intersect(cross.months, draft.months)
            _cell(c, cross.left, draft, months)
            if other is not None:
                _formats_share_months(c, cross, other, months)
                _cell(c, cross.right, other, intersect(months, other.months))
                reads.setdefault(draft.code, []).append(other.code)
    _circles(c, drafts, reads)


def _unique(c: Collector, cross: CrossDraft, seen: dict[str, int]) -> None:
    if cross.code in seen:
        line, path = cross.where.at("code")
        c.add("E010", line, path, f"check code '{cross.code}' is already used at line {seen[cross.code]}")
    else:
        seen[cross.code] = cross.where.line


def _other_format(
    c: Collector, cross: CrossDraft, draft: FormatDraft, drafts: Mapping[str, FormatDraft]
) -> FormatDraft | None:
    """The format the right side names (E050 when unknown or the declaring format itself)."""
    code = cross.right.format
    line, path = cross.right.where.at("format")
    if code == draft.code:
        message = (
            f"the right side names this format ('{code}'); a cross-format check compares two "
            'formats; a rule within one format\'s row belongs in its checks: (rule: "A == B")'
        )
        c.add("E050", line, path, message)
        return None
    other = drafts.get(code)
    if other is None:
        hint = suggest(code, [known for known in drafts if known != draft.code])
        c.add("E050", line, path, f"unknown format '{code}'{hint}")
    return other


def _formats_share_months(c: Collector, cross: CrossDraft, other: FormatDraft, months: Range) -> None:
    gap = uncovered_month(months, other.months)
    if gap is None:
        return
    line, path = cross.where.at("from" if "from" in cross.where.key_lines else "code")
    message = (
        f"reads format '{other.code}', which is not in force in {gap} "
        f"('{other.code}': {describe(other.months)}; this check: {describe(months)}); "
        "limit the check with from:/until: to the months both formats are in force"
    )
    c.add("E054", line, path, message)


def _row_keys(draft: FormatDraft) -> dict[str, Range]:
    """The rows of a format a cross-format check may name, with their months."""
    spec = draft.rows
    if spec.kind in ("single", "fixed", "product"):
        return {row.key: (row.valid_from, row.valid_until) for row in spec.rows}
    if spec.kind == "master" and spec.total_label is not None:
        return {TOTAL_ROW_KEY: (None, None)}
    return {}


def _cell(c: Collector, side: SideDraft, draft: FormatDraft, months: Range) -> None:
    """E051 for an unknown row or column, E052 for a non-numeric column, E054 for months."""
    rows = _row_keys(draft)
    row = side.row or (SINGLE_ROW_KEY if draft.rows.kind == "single" else None)
    line, path = side.where.at("row")
    if not rows:
        why = "its rows are added by the user" if draft.rows.kind == "free" else "it has no total row"
        c.add("E051", line, path, f"format '{draft.code}' has no row a check can name: {why}")
    elif row is None:
        c.add("E051", line, path, f"name the row of '{draft.code}' (row: one of {_listed(rows)})")
    elif row not in rows:
        message = f"format '{draft.code}' has no row '{row}'{suggest(row, rows)} (rows: {_listed(rows)})"
        c.add("E051", line, path, message)
    elif uncovered_month(months, intersect(rows[row], draft.months)) is not None:
        gap = uncovered_month(months, intersect(rows[row], draft.months))
        c.add("E054", line, path, f"row '{row}' of '{draft.code}' is not in force in {gap}")
    _column(c, side, draft, months)


def _column(c: Collector, side: SideDraft, draft: FormatDraft, months: Range) -> None:
    line, path = side.where.at("column")
    leaf = draft.leaf(str(side.column))
    if leaf is None:
        known = [leaf.column.code for leaf in draft.leaves]
        message = f"format '{draft.code}' has no column '{side.column}'{suggest(side.column, known)}"
        c.add("E051", line, path, message)
        return
    if leaf.column.type and not leaf.column.is_numeric:
        kind = leaf.column.type
        message = f"'{side.column}' of '{draft.code}' is a {kind} column; only numbers can be compared"
        c.add("E052", line, path, message)
        return
    gap = uncovered_month(months, draft.leaf_months(leaf))
    if gap is not None:
        source = describe(draft.leaf_months(leaf))
        message = f"column '{side.column}' of '{draft.code}' is not in force in {gap} ({source})"
        c.add("E054", line, path, message + "; limit the check with from:/until:")


def _listed(rows: Mapping[str, Range]) -> str:
    keys = list(rows)
    return ", ".join(keys[:12]) + (f" and {len(keys) - 12} more" if len(keys) > 12 else "")


def _circles(c: Collector, drafts: Mapping[str, FormatDraft], reads: dict[str, list[str]]) -> None:
    """E053: format A's cross-format check reads B and B's reads A (or a longer circle)."""
    for ordered in cycles_once(reads, lambda code: drafts[code].where.line):
        first, target = ordered[0], ordered[1]
        cross = next(x for x in drafts[first].cross if x.right.format == target)
        line, path = cross.where.at("right")
        message = (
            f"cross-format checks go round in a circle: {' -> '.join(ordered)}; a format's check "
            "reads the format it is checked against, which must not read it back: "
            "declare each comparison once, in one of the two formats"
        )
        c.add("E053", line, path, message)
