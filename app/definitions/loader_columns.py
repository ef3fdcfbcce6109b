"""Reading a format's `columns:` list: leaf columns and groups nested up to three levels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .column_types import COLUMN_TYPES, NUMERIC_TYPE_NAMES, TYPE_NAMES, TYPE_OPTIONS, types_taking
from .expressions import Expression, ExpressionError, FormatNames, parse_expression
from .loader_feeds import FedMark, parse_fed, refuse_fed_derived, refuse_nothing_fed
from .loader_support import (
    COLUMN_CODE,
    MAX_COLUMN_CODE,
    Collector,
    Located,
    Range,
    choice,
    flag,
    join,
    located,
    mapping,
    month_range,
    number,
    sequence,
    text,
    text_list,
    type_name,
    whole,
)
from .schema import FUNCTIONS, SHOW_ENTRY, SHOW_REPORT, ColumnDef
from .yaml_lines import LineDict

LEAF_KEYS = (
    "code",
    "label",
    "type",
    "carry",
    "formula",
    "required",
    "min",
    "max",
    "max_length",
    "pattern",
    "choices",
    "future",
    "from",
    "until",
    "functions",
    "fed",
    "show",
)
GROUP_KEYS = ("group", "columns", "from", "until", "functions", "fed")
MAX_GROUP_DEPTH = 3
_ONLY_FOR = {option: types_taking(option) for option in sorted(TYPE_OPTIONS)}
_NUMBER_NAMES = [name for name in COLUMN_TYPES if name in NUMERIC_TYPE_NAMES]  # registry order
NUMBER_TYPES_TEXT = f"{', '.join(_NUMBER_NAMES[:-1])} or {_NUMBER_NAMES[-1]}"
Bounds = Sequence[tuple[str, Range]]


@dataclass(frozen=True)
class Leaf:
    """A parsed leaf column and where it stood in the file."""

    column: ColumnDef
    where: Located


@dataclass
class _State:
    c: Collector
    leaves: list[Leaf] = field(default_factory=list)
    number: int = 0
    formats: FormatNames = FormatNames()
    fed_marks: list[FedMark] = field(default_factory=list)  # every `fed:` read, checked against sources
    fed_used: set[FedMark] = field(default_factory=set)  # the marks that fed at least one column


@dataclass(frozen=True)
class _Nesting:
    """Where an item of a `columns:` list stands: inside which groups, with which months."""

    depth: int = 0
    group_path: tuple[str, ...] = ()  # the labels of the groups around it
    inherited: Range = (None, None)  # the months its groups give it
    bounds: Bounds = ()  # the ranges its own months must keep within, innermost first
    functions: tuple[str, ...] = ()  # the commissionerate functions its groups limit it to
    filed_by: tuple[str, ...] = ()  # the functions that file its format
    fed: FedMark | None = None  # the `fed:` of the format or the innermost group that has one

    def inside(
        self, label: str, own: Range, functions: tuple[str, ...] = (), fed: FedMark | None = None
    ) -> _Nesting:
        """The nesting of the items of a group `label` with its own months, functions and feed."""
        months = (own[0] or self.inherited[0], own[1] or self.inherited[1])
        bounds = ((f"its group '{label}'", months), *self.bounds) if own != (None, None) else self.bounds
        limited = functions or self.functions
        path = (*self.group_path, label)
        return _Nesting(self.depth + 1, path, months, bounds, limited, self.filed_by, fed or self.fed)


def _functions(c: Collector, m: LineDict, path: str, nesting: _Nesting) -> tuple[str, ...]:
    """The commissionerate functions an item is limited to: its own (within its group's), else its group's."""
    own = text_list(c, m, "functions", path, FUNCTIONS) or ()
    within, whose = (
        (nesting.functions, "its group's") if nesting.functions else (nesting.filed_by, "its format's")
    )
    outside = sorted(set(own) - set(within)) if within else []
    if outside:
        message = f"{', '.join(outside)} not among {whose} functions ({', '.join(within)})"
        c.add("E043", m.key_line("functions"), join(path, "functions"), message)
    return tuple(own) or nesting.functions


@dataclass(frozen=True)
class ParsedColumns:
    """The leaf columns of a format and every `fed:` mark met on the way (sources checked later)."""

    leaves: list[Leaf]
    fed_marks: list[FedMark]


def parse_columns(
    c: Collector,
    fmt: LineDict,
    path: str,
    fmt_range: Range,
    formats: FormatNames | None = None,
    filed_by: tuple[str, ...] = (),
) -> ParsedColumns:
    """The format's leaf columns in document order, numbered 1..n, with their `fed:` marks
    (`filed_by`: the functions that file the format)."""
    state = _State(c, formats=formats or FormatNames())
    fed = parse_fed(c, fmt, path)
    if fed is not None:
        state.fed_marks.append(fed)
    if "columns" in fmt:
        top = _Nesting(bounds=(("its format", fmt_range),), filed_by=filed_by, fed=fed)
        _items(state, fmt["columns"], fmt.line_of("columns"), join(path, "columns"), top)
    if fed is not None and fed not in state.fed_used:
        refuse_nothing_fed(c, fed, "the format")
    return ParsedColumns(state.leaves, state.fed_marks)


def _items(state: _State, value: object, line: int, path: str, nesting: _Nesting) -> None:
    items = sequence(state.c, value, line, path, non_empty=True)
    if items is None:
        return
    for index, item in enumerate(items):
        where, item_line = f"{path}[{index}]", items.line_of(index)
        if isinstance(item, LineDict) and "group" in item and "code" not in item:
            _group(state, item, item_line, where, nesting)
        else:
            _leaf(state, item, item_line, where, nesting)


def _group(state: _State, item: LineDict, line: int, path: str, nesting: _Nesting) -> None:
    c = state.c
    m = mapping(c, item, line, path, GROUP_KEYS, ("group", "columns"))
    if m is None:
        return
    label = text(c, m, "group", path) or ""
    if nesting.depth >= MAX_GROUP_DEPTH:
        message = f"column groups nest at most {MAX_GROUP_DEPTH} levels"
        c.add("E005", m.key_line("group"), join(path, "group"), message)
    own = month_range(c, m, path, f"group '{label}'", nesting.bounds)
    functions = _functions(c, m, path, nesting)
    fed = parse_fed(c, m, path)
    if fed is not None:
        state.fed_marks.append(fed)
    if "columns" in m:
        inner = nesting.inside(label, own, functions, fed)
        _items(state, m["columns"], m.line_of("columns"), join(path, "columns"), inner)
    if fed is not None and fed not in state.fed_used:
        refuse_nothing_fed(c, fed, f"the group '{label}'")


def _leaf(state: _State, item: object, line: int, path: str, nesting: _Nesting) -> None:
    c = state.c
    state.number += 1
    m = mapping(c, item, line, path, LEAF_KEYS, ("code", "label", "type"))
    if m is None:
        return
    code = text(c, m, "code", path, COLUMN_CODE)
    if code is not None and len(code) > MAX_COLUMN_CODE:
        message = f"a column code has at most {MAX_COLUMN_CODE} characters"
        c.add("E005", m.line_of("code"), join(path, "code"), message)
    label = text(c, m, "label", path)
    column_type = choice(c, m, "type", path, TYPE_NAMES)
    own = month_range(c, m, path, f"column '{code or '?'}'", nesting.bounds)
    carry = text(c, m, "carry", path, COLUMN_CODE)
    formula = _formula(c, m, path, column_type, state.formats)
    options = _options(c, m, path, column_type, entered="formula" not in m and "carry" not in m)
    functions = _functions(c, m, path, nesting)
    fed = _fed(state, m, path, nesting)
    show = _show(c, m, path)
    if code is None:
        return
    column = ColumnDef(
        code=code,
        label=label or "",
        type=column_type or "",
        number=state.number,
        group_path=nesting.group_path,
        carry=carry,
        formula=formula,
        valid_from=own[0] or nesting.inherited[0],
        valid_until=own[1] or nesting.inherited[1],
        fed=fed.source if fed is not None else None,
        show=show,
        line=m.line,
        functions=functions,
        **options,
    )
    state.leaves.append(Leaf(column, located(m, path)))


def _show(c: Collector, m: LineDict, path: str) -> str | None:
    """`show: report` or `show: entry` of a computed column (E084 on any other column)."""
    show = choice(c, m, "show", path, (SHOW_REPORT, SHOW_ENTRY))
    if show is not None and "formula" not in m:
        role = "carried" if "carry" in m else "entered"
        hint = "an entered, fed or carried cell is on the entry grid and in reports; remove 'show'"
        message = f"only a computed column takes 'show' ({role} here); {hint}"
        c.add("E084", m.line_of("show"), join(path, "show"), message)
        return None
    return show


def _fed(state: _State, m: LineDict, path: str, nesting: _Nesting) -> FedMark | None:
    """The source feeding a leaf: its own `fed:`, else its group's or format's if it is entered."""
    own = parse_fed(state.c, m, path)
    derived = "carried" if "carry" in m else "computed" if "formula" in m else None
    if own is not None:
        state.fed_marks.append(own)
        if derived is not None:
            refuse_fed_derived(state.c, own, derived)
            return None
    fed = own or (nesting.fed if derived is None else None)
    if fed is not None:
        state.fed_used.add(fed)
    return fed


def _formula(
    c: Collector, m: LineDict, path: str, column_type: str | None, formats: FormatNames
) -> Expression | None:
    if "formula" not in m:
        return None
    line, where = m.line_of("formula"), join(path, "formula")
    if "carry" in m:
        c.add("E005", line, where, "a column cannot have both 'carry' and 'formula'")
    if column_type is not None and column_type not in NUMERIC_TYPE_NAMES:
        c.add("E005", line, where, f"a computed column must be of type {NUMBER_TYPES_TEXT}")
    source = m["formula"]
    if isinstance(source, (int, float)) and not isinstance(source, bool):
        source = str(source)
    if not isinstance(source, str):
        c.add("E004", line, where, f"expected a formula (a string), found {type_name(source)}")
        return None
    try:
        return parse_expression(source, allow_comparisons=False, formats=formats)
    except ExpressionError as exc:
        c.add(exc.code, line, where, exc.message)
        return None


def _options(
    c: Collector, m: LineDict, path: str, column_type: str | None, *, entered: bool
) -> dict[str, object]:
    if column_type is not None:
        for key, types in _ONLY_FOR.items():
            if key in m and column_type not in types:
                kinds = ", ".join(sorted(types))
                message = f"'{key}' applies only to {kinds} columns"
                c.add("E005", m.key_line(key), join(path, key), message)
    required = flag(c, m, "required", path)
    options: dict[str, object] = {"required": True if required is None else required}
    options.update(_bounds(c, m, path, column_type, entered))
    options.update(_text_options(c, m, path, column_type))
    future = flag(c, m, "future", path)
    options["allow_future"] = bool(future)
    return options


def _bounds(
    c: Collector, m: LineDict, path: str, column_type: str | None, entered: bool
) -> dict[str, object]:
    low, high = number(c, m, "min", path), number(c, m, "max", path)
    kind = COLUMN_TYPES.get(column_type or "")
    if low is None and "min" not in m and entered and kind is not None and kind.default_min_zero:
        low = 0
    if low is not None and high is not None and low > high:
        c.add("E005", m.line_of("max"), join(path, "max"), f"max {high} is below min {low}")
    return {"min": low, "max": high}


def _text_options(c: Collector, m: LineDict, path: str, column_type: str | None) -> dict[str, object]:
    kind = COLUMN_TYPES.get(column_type or "")
    if kind is not None and kind.needs is not None and kind.needs not in m:
        message = f"missing required key '{kind.needs}' ({kind.name} columns need it)"
        c.add("E003", m.line, path, message)
    max_length = whole(c, m, "max_length", path)
    pattern = text(c, m, "pattern", path)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            message = f"pattern is not a valid regular expression: {exc}"
            c.add("E005", m.line_of("pattern"), join(path, "pattern"), message)
    choices = text_list(c, m, "choices", path)
    return {"max_length": max_length, "pattern": pattern, "choices": choices or ()}
