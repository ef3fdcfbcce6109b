"""Reading the top-level `summaries:` list: Monthly Summary Reports (MSR) of the formats.

An MSR shows one format for a month as one row per Zone — a row of the format (its total
row by default), a few of its columns and derived columns, and ratio columns recomputed
from them — ranked by a key measure, with the all-India total last.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .expressions import ExpressionError, parse_expression
from .loader_drafts import FormatDraft
from .loader_support import COLUMN_CODE, Collector, choice, join, mapping, sequence, suggest, text, text_list
from .schema import SINGLE_ROW_KEY, TOTAL_ROW_KEY, RatioDef, SummaryDef
from .yaml_lines import LineDict

SUMMARY_KEYS = ("code", "title", "format", "columns", "key", "order", "row", "ratios")
SUMMARY_REQUIRED = ("code", "title", "format", "columns", "key")
RATIO_KEYS = ("code", "label", "formula")
ORDERS = ("asc", "desc")
SUMMARY_CODE = (re.compile(r"MSR-[A-Z0-9][A-Z0-9-]*"), "summary code (MSR- then capitals, digits and -)")
FREE_ROWS_KEY = "_"  # a free-row format reports its cases as one row


def parse_summaries(c: Collector, m: LineDict, drafts: Mapping[str, FormatDraft]) -> dict[str, SummaryDef]:
    """Every MSR of the file, checked against its format: codes, columns, key, row and ratios."""
    found: dict[str, SummaryDef] = {}
    if "summaries" not in m:
        return found
    items = sequence(c, m["summaries"], m.line_of("summaries"), "summaries")
    for index, item in enumerate(items or ()):
        where = f"summaries[{index}]"
        entry = mapping(c, item, items.line_of(index), where, SUMMARY_KEYS, SUMMARY_REQUIRED)
        if entry is None:
            continue
        summary = _summary(c, entry, where, drafts)
        if summary is None:
            continue
        if summary.code in found:
            message = f"summary code '{summary.code}' is already used at line {found[summary.code].line}"
            c.add("E010", entry.line_of("code"), join(where, "code"), message)
            continue
        found[summary.code] = summary
    return found


def _summary(c: Collector, m: LineDict, where: str, drafts: Mapping[str, FormatDraft]) -> SummaryDef | None:
    code = text(c, m, "code", where, SUMMARY_CODE)
    title = text(c, m, "title", where)
    format_code = text(c, m, "format", where)
    columns = text_list(c, m, "columns", where) or ()
    key = text(c, m, "key", where)
    order = choice(c, m, "order", where, ORDERS) or "desc"
    draft = drafts.get(format_code or "")
    if format_code is not None and draft is None:
        hint = suggest(format_code, drafts)
        c.add("E011", m.line_of("format"), join(where, "format"), f"unknown format '{format_code}'{hint}")
    ratios = _ratios(c, m, where)
    if draft is not None:
        _check_against(c, m, where, draft, columns, key, ratios)
    row = _row(c, m, where, draft)
    if None in (code, title, format_code, key) or draft is None or row is None:
        return None
    return SummaryDef(code, title, format_code, tuple(columns), key, order, row, tuple(ratios), m.line)


def _ratios(c: Collector, m: LineDict, where: str) -> list[RatioDef]:
    ratios: list[RatioDef] = []
    if "ratios" not in m:
        return ratios
    items = sequence(c, m["ratios"], m.line_of("ratios"), join(where, "ratios"))
    for index, item in enumerate(items or ()):
        path = f"{join(where, 'ratios')}[{index}]"
        entry = mapping(c, item, items.line_of(index), path, RATIO_KEYS, RATIO_KEYS)
        if entry is None:
            continue
        code, label, source = text(c, entry, "code", path, COLUMN_CODE), text(c, entry, "label", path), None
        try:
            source = parse_expression(str(entry.get("formula", "")), allow_comparisons=False)
        except ExpressionError as error:
            c.add(error.code, entry.line_of("formula"), join(path, "formula"), error.message)
        if code and label and source is not None:
            ratios.append(RatioDef(code, label, source, entry.line_of("formula")))
    return ratios


def _check_against(c, m: LineDict, where: str, draft: FormatDraft, columns, key, ratios) -> None:
    """E090 unknown or non-numeric column, E092 a key that is not among the columns shown."""
    numeric = {leaf.column.code: leaf.column.is_numeric for leaf in draft.leaves}
    numeric.update({d.derived.code: True for d in draft.derived})
    items = m.get("columns")
    for index, name in enumerate(columns):
        line, path = items.line_of(index), f"{join(where, 'columns')}[{index}]"
        if name not in numeric:
            c.add("E090", line, path, f"'{name}' is not a column of {draft.code}{suggest(name, numeric)}")
        elif not numeric[name]:
            c.add("E090", line, path, f"'{name}' is not a number: a summary shows counts and amounts")
    shown = set(columns) | {ratio.code for ratio in ratios}
    if key is not None and key not in shown:
        message = f"the key measure '{key}' must be one of the columns or ratios shown{suggest(key, shown)}"
        c.add("E092", m.line_of("key"), join(where, "key"), message)
    for index, ratio in enumerate(ratios):
        for name in ratio.formula.names_in_order:
            if name not in columns:
                path = f"{join(where, 'ratios')}[{index}].formula"
                message = f"reads '{name}', which is not among the summary's columns{suggest(name, columns)}"
                c.add("E093", ratio.line, path, message)


def _row(c: Collector, m: LineDict, where: str, draft: FormatDraft | None) -> str | None:
    """The row of the format a Zone's line shows: `row:`, else the total row, else the only row."""
    return read_row(c, m, where, draft, "E091", "the summary shows")


def read_row(
    c: Collector, m: LineDict, where: str, draft: FormatDraft | None, code: str, which: str
) -> str | None:
    """The row of its format that a summary, indicator or scorecard reads: `row:`, else the total
    row, else the only row; `code` for a row that is not the format's, or none named where one must be."""
    given = text(c, m, "row", where)
    if draft is None:
        return given
    spec = draft.rows
    keys = [row.key for row in spec.rows]
    if spec.kind == "free":
        keys = [FREE_ROWS_KEY]
    elif spec.kind == "master" and spec.total_label is not None:
        keys = [TOTAL_ROW_KEY]
    if given is not None:
        if spec.kind != "master" and given not in keys:
            message = f"'{given}' is not a row of {draft.code}{suggest(given, keys)}"
            c.add(code, m.line_of("row"), join(where, "row"), message)
            return None
        return given
    if TOTAL_ROW_KEY in keys:
        return TOTAL_ROW_KEY
    if len(keys) == 1:
        return keys[0] if spec.kind != "single" else SINGLE_ROW_KEY
    message = f"{draft.code} has several rows and no total: say which one {which} (row: KEY)"
    c.add(code, m.line, where, message)
    return None
