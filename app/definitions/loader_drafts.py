"""A format as read from the file, before the meaning checks: plus its derived columns and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from .expressions import Expression, ExpressionError, FormatNames, parse_expression
from .loader_columns import Leaf
from .loader_feeds import FedMark
from .loader_support import (
    COLUMN_CODE,
    Collector,
    Located,
    Range,
    choice,
    intersect,
    join,
    located,
    mapping,
    sequence,
    text,
    type_name,
)
from .schema import DERIVED_KINDS, CheckDef, DerivedDef, RowSpec
from .yaml_lines import LineDict, LineList

DERIVED_KEYS = ("code", "label", "kind", "of", "target")
DERIVED_REQUIRED = ("code", "label", "kind", "of")
TARGET_KEYS = ("format", "column")
CHECK_KEYS = ("code", "rule", "message", "cells", "scope")
SCOPES = ("row", "total")


@dataclass(frozen=True)
class DerivedDraft:
    """A derived column and where it stood."""

    derived: DerivedDef
    where: Located
    target_where: Located | None = None  # where `target:` stood (target_pct)


@dataclass(frozen=True)
class CheckDraft:
    """A check as written; `cells` is None when the default (columns read) applies."""

    code: str
    rule: Expression | None
    message: str
    scope: str
    where: Located
    cells: tuple[str, ...] | None = None
    cell_lines: dict[str, tuple[int, str]] = field(default_factory=dict)  # code -> (line, path)

    def build(self, column_order: list[str]) -> CheckDef:
        """The CheckDef, with default cells in the format's column order."""
        assert self.rule is not None
        cells = self.cells
        if cells is None:
            cells = tuple(code for code in column_order if code in self.rule.names)
        return CheckDef(self.code, self.rule, self.message, cells, self.scope, self.where.line)


@dataclass
class FormatDraft:
    """A format read from the file, kept with the locations needed to report problems."""

    code: str
    where: Located
    fields: dict[str, object]
    months: Range
    replaces: str | None
    rows: RowSpec
    leaves: list[Leaf]
    derived: list[DerivedDraft]
    checks: list[CheckDraft]
    replaced_by: str | None = None
    cross: list = field(default_factory=list)  # CrossDraft of loader_cross, resolved once all are read
    fed_marks: list[FedMark] = field(default_factory=list)  # every `fed:` written in the format

    def leaf_months(self, leaf: Leaf) -> Range:
        """The months a column is in force, limited by the format's months."""
        return intersect((leaf.column.valid_from, leaf.column.valid_until), self.months)

    def leaf(self, code: str) -> Leaf | None:
        """The first column with this code, if any."""
        return next((leaf for leaf in self.leaves if leaf.column.code == code), None)


def items_of(c: Collector, fmt: LineDict, key: str, path: str) -> list[tuple[object, int, str]]:
    """The entries of one of the format's lists: (item, line, path) each."""
    if key not in fmt:
        return []
    items = sequence(c, fmt[key], fmt.line_of(key), join(path, key))
    if items is None:
        return []
    return [(item, items.line_of(i), f"{join(path, key)}[{i}]") for i, item in enumerate(items)]


def parse_derived(c: Collector, fmt: LineDict, path: str) -> list[DerivedDraft]:
    """The format's `derived:` list."""
    result = []
    for item, line, where in items_of(c, fmt, "derived", path):
        m = mapping(c, item, line, where, DERIVED_KEYS, DERIVED_REQUIRED)
        if m is None:
            continue
        code = text(c, m, "code", where, COLUMN_CODE)
        label = text(c, m, "label", where)
        kind = choice(c, m, "kind", where, DERIVED_KINDS)
        of = text(c, m, "of", where, COLUMN_CODE)
        target, target_where = _target(c, m, where, kind)
        if code and label and kind and of:
            derived = DerivedDef(code, label, kind, of, *target)
            result.append(DerivedDraft(derived, located(m, where), target_where))
    return result


def _target(
    c: Collector, m: LineDict, path: str, kind: str | None
) -> tuple[tuple[str | None, str | None], Located | None]:
    """A target_pct's `target: {format, column}` ((None, None) and None when absent or wrong)."""
    if kind == "target_pct" and "target" not in m:
        message = "missing required key 'target' (target_pct needs target: {format: ..., column: ...})"
        c.add("E003", m.line, path, message)
    if "target" not in m:
        return (None, None), None
    where = join(path, "target")
    if kind is not None and kind != "target_pct":
        c.add("E005", m.line_of("target"), where, f"'target' belongs to kind target_pct, not '{kind}'")
        return (None, None), None
    target = mapping(c, m["target"], m.line_of("target"), where, TARGET_KEYS, TARGET_KEYS)
    if target is None:
        return (None, None), None
    names = text(c, target, "format", where), text(c, target, "column", where, COLUMN_CODE)
    return names, located(target, where)


def parse_checks(
    c: Collector, fmt: LineDict, path: str, has_total: bool, formats: FormatNames | None = None
) -> list[CheckDraft]:
    """The format's `checks:` list (rules parsed; column references checked later)."""
    result = []
    for item, line, where in items_of(c, fmt, "checks", path):
        m = mapping(c, item, line, where, CHECK_KEYS, ("code", "rule", "message"))
        if m is None:
            continue
        code = text(c, m, "code", where, COLUMN_CODE)
        message = text(c, m, "message", where)
        scope = choice(c, m, "scope", where, SCOPES) or "row"
        if scope == "total" and not has_total:
            note = "scope: total needs a total row (add `total:` to rows)"
            c.add("E005", m.line_of("scope"), join(where, "scope"), note)
        rule = _rule(c, m, where, formats or FormatNames())
        cells, cell_lines = _cells(c, m, where)
        if code and message:
            draft = CheckDraft(code, rule, message, scope, located(m, where), cells, cell_lines)
            result.append(draft)
    return result


def _rule(c: Collector, m: LineDict, path: str, formats: FormatNames) -> Expression | None:
    if "rule" not in m:
        return None
    line, where, source = m.line_of("rule"), join(path, "rule"), m["rule"]
    if not isinstance(source, str):
        c.add("E004", line, where, f"expected a rule (a string), found {type_name(source)}")
        return None
    try:
        rule = parse_expression(source, allow_comparisons=True, formats=formats)
    except ExpressionError as exc:
        c.add(exc.code, line, where, exc.message)
        return None
    if not rule.is_condition:
        message = "a check rule must be a comparison (==, !=, <, <=, >, >=), or several joined"
        c.add("E021", line, where, message + " with and/or/not")
        return None
    return rule


def _cells(c: Collector, m: LineDict, path: str) -> tuple[tuple[str, ...] | None, dict[str, tuple[int, str]]]:
    if "cells" not in m:
        return None, {}
    where = join(path, "cells")
    items = sequence(c, m["cells"], m.line_of("cells"), where, non_empty=True)
    if not isinstance(items, LineList):
        return None, {}
    cells: list[str] = []
    lines: dict[str, tuple[int, str]] = {}
    for index, item in enumerate(items):
        item_line, item_path = items.line_of(index), f"{where}[{index}]"
        if not isinstance(item, str):
            c.add("E004", item_line, item_path, f"expected a column code, found {type_name(item)}")
        elif item in lines:
            c.add("E010", item_line, item_path, f"'{item}' is listed twice")
        else:
            cells.append(item)
            lines[item] = (item_line, item_path)
    return tuple(cells), lines
