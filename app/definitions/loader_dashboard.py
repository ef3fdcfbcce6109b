"""Reading the top-level `dashboard:` list: the indicators of the management dashboard.

An indicator is one cell of a format's report followed month by month: a row of the
format (its total row by default) and a column (entered, computed, or derived — up to the
month, last year, % of target), with the columns shown beside it for comparison. The
dashboard shows its figure for a month, its trend over this and last financial year, the
Zones ranked by it, and how many offices have reported the month on time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .loader_drafts import FormatDraft
from .loader_summaries import ORDERS, read_row
from .loader_support import Collector, choice, join, mapping, sequence, suggest, text, text_list
from .schema import ANNUAL, IndicatorDef
from .yaml_lines import LineDict

INDICATOR_KEYS = ("code", "title", "format", "row", "column", "compare", "order")
INDICATOR_REQUIRED = ("code", "title", "format", "column")
INDICATOR_CODE = (re.compile(r"[A-Z][A-Z0-9-]*"), "indicator code (capitals, digits and -)")


def parse_dashboard(c: Collector, m: LineDict, drafts: Mapping[str, FormatDraft]) -> dict[str, IndicatorDef]:
    """Every indicator of the dashboard, checked against its format: column, row and comparisons."""
    found: dict[str, IndicatorDef] = {}
    if "dashboard" not in m:
        return found
    items = sequence(c, m["dashboard"], m.line_of("dashboard"), "dashboard")
    for index, item in enumerate(items or ()):
        where = f"dashboard[{index}]"
        entry = mapping(c, item, items.line_of(index), where, INDICATOR_KEYS, INDICATOR_REQUIRED)
        if entry is None:
            continue
        indicator = _indicator(c, entry, where, drafts)
        if indicator is None:
            continue
        if indicator.code in found:
            message = (
                f"indicator code '{indicator.code}' is already used at line {found[indicator.code].line}"
            )
            c.add("E010", entry.line_of("code"), join(where, "code"), message)
            continue
        found[indicator.code] = indicator
    return found


def _indicator(
    c: Collector, m: LineDict, where: str, drafts: Mapping[str, FormatDraft]
) -> IndicatorDef | None:
    code = text(c, m, "code", where, INDICATOR_CODE)
    title = text(c, m, "title", where)
    format_code = text(c, m, "format", where)
    column = text(c, m, "column", where)
    compare = text_list(c, m, "compare", where) or ()
    order = choice(c, m, "order", where, ORDERS) or "desc"
    draft = drafts.get(format_code or "")
    if format_code is not None and draft is None:
        hint = suggest(format_code, drafts)
        c.add("E011", m.line_of("format"), join(where, "format"), f"unknown format '{format_code}'{hint}")
    if draft is None:
        return None
    if draft.fields.get("period") == ANNUAL:
        message = f"{draft.code} is filed once a year; an indicator follows a monthly format month by month"
        c.add("E103", m.line_of("format"), join(where, "format"), message)
        return None
    types = number_types(draft)
    unit = _column_unit(c, m, where, draft, column, types)
    _check_compare(c, m, where, draft, column, compare, types)
    row = _row(c, m, where, draft)
    if None in (code, title, column, unit, row):
        return None
    return IndicatorDef(code, title, draft.code, row, column, unit, tuple(compare), order, m.line)


def number_types(draft: FormatDraft) -> dict[str, str | None]:
    """{column code: 'count' | 'amount' | 'percent', or None for a column that is not a number}:
    the format's columns and its derived columns (a `_pct` kind is a percent, others keep their type)."""
    types: dict[str, str | None] = {
        leaf.column.code: (leaf.column.type if leaf.column.is_numeric else None) for leaf in draft.leaves
    }
    for extra in draft.derived:
        derived = extra.derived
        types[derived.code] = "percent" if derived.kind.endswith("_pct") else types.get(derived.of)
    return types


def _column_unit(c: Collector, m: LineDict, where: str, draft: FormatDraft, column, types) -> str | None:
    """The unit the indicator's figure is in: the format's (amounts), 'count' or 'percent'; E100."""
    if column is None:
        return None
    if column not in types:
        message = f"'{column}' is not a column of {draft.code}{suggest(column, types)}"
        c.add("E100", m.line_of("column"), join(where, "column"), message)
        return None
    kind = types[column]
    if kind is None:
        message = f"'{column}' is not a number: an indicator follows a count, an amount or a percent"
        c.add("E100", m.line_of("column"), join(where, "column"), message)
        return None
    return str(draft.fields["unit"]) if kind == "amount" else ("count" if kind == "count" else "percent")


def _check_compare(c: Collector, m: LineDict, where: str, draft: FormatDraft, column, compare, types) -> None:
    """E102: each comparison a number column (or derived column) of the format, not the figure itself."""
    items = m.get("compare")
    for index, name in enumerate(compare):
        line, path = items.line_of(index), f"{join(where, 'compare')}[{index}]"
        if name not in types:
            c.add("E102", line, path, f"'{name}' is not a column of {draft.code}{suggest(name, types)}")
        elif types[name] is None:
            message = f"'{name}' is not a number: a comparison is a count, an amount or a percent"
            c.add("E102", line, path, message)
        elif name == column:
            c.add("E102", line, path, f"'{name}' is the indicator's own column; compare it with another one")


def _row(c: Collector, m: LineDict, where: str, draft: FormatDraft) -> str | None:
    """The row read: `row:`, else the total row, else the only row (E101 when none can be told)."""
    return read_row(c, m, where, draft, "E101", "the indicator reads")
