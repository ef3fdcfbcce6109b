"""Reading a format's `rows:` — single, fixed (with one level of groups shown above or beside their rows),
master, product, free."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from .expressions import Expression, ExpressionError, parse_expression
from .loader_feeds import FedMark, parse_fed
from .loader_support import (
    ROW_KEY,
    Collector,
    Range,
    choice,
    flag,
    join,
    mapping,
    month_range,
    sequence,
    suggest,
    text,
    type_name,
    whole,
)
from .schema import CROSSINGS, SINGLE_ROW_KEY, TOTAL_ROW_KEY, RowDef, RowSpec
from .texts import joined
from .yaml_lines import LineDict

FORMS = ("fixed", "master", "product", "free")
FORM_KEYS = {
    "fixed": ("fixed", "total", "groups"),
    "master": ("master", "total"),
    "product": ("product", "subtotals", "total", "groups"),
    "free": ("free", "label"),
}
ALL_FORM_KEYS = ("fixed", "master", "product", "free", "total", "subtotals", "label", "groups")
GROUP_LAYOUTS = ("above", "beside")  # a group label: a heading row above, or a cell spanning its rows
ROW_KEYS = ("key", "label", "from", "until", "formula", "carry", "crossing", "fed")
ROW_ONLY_KEYS = ("formula", "carry", "crossing")  # keys of a fixed row item, not of other row forms
COMPUTED_ROW_HINT = (
    "computed and carried rows are items of a fixed list: "
    'rows: {fixed: [{key: NET, label: "Net", formula: "GROSS - REFUNDS"}, ...]}'
)
ROW_GROUP_KEYS = ("group", "rows", "from", "until", "fed")
SINGLE = RowSpec("single", rows=(RowDef(SINGLE_ROW_KEY, ""),))


@dataclass(frozen=True)
class RowContext:
    """What rows may refer to: dimensions, master lists and the format's months."""

    dimensions: Mapping[str, tuple[RowDef, ...]]
    masters: Collection[str]
    fmt_range: Range
    fed_marks: list[FedMark] = field(default_factory=list)  # `fed:` of fixed rows and row groups, read here


@dataclass
class _Rows:
    c: Collector
    ctx: RowContext
    rows: list[RowDef] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def add(self, row: RowDef, line: int, path: str) -> None:
        if row.key in self.seen:
            message = f"row key '{row.key}' is already used at line {self.seen[row.key]}"
            self.c.add("E010", line, path, message)
            return
        self.seen[row.key] = line
        self.rows.append(row)


def parse_rows(c: Collector, fmt: LineDict, path: str, ctx: RowContext) -> RowSpec:
    """The format's RowSpec (a single row when `rows` is omitted)."""
    if "rows" not in fmt:
        return SINGLE
    value, line, where = fmt["rows"], fmt.line_of("rows"), join(path, "rows")
    if value == "single":
        return SINGLE
    if not isinstance(value, LineDict):
        if isinstance(value, str):
            message = f"'{value}' is not a rows form; write 'single' or a mapping"
            c.add("E005", line, where, message + " with fixed, master, product or free")
        else:
            c.add("E004", line, where, f"expected 'single' or a mapping, found {type_name(value)}")
        return SINGLE
    forms = [form for form in FORMS if form in value]
    if len(forms) != 1:
        mapping(c, value, line, where, ALL_FORM_KEYS)
        if not forms:
            c.add("E003", line, where, "missing one of the keys fixed, master, product or free")
        else:
            c.add("E005", line, where, f"rows can have only one of {', '.join(forms)}")
        return SINGLE
    unsupported_row_keys(c, value, where, f"{forms[0]} rows", free=forms[0] == "free")
    m = mapping(c, value, line, where, (*FORM_KEYS[forms[0]], *ROW_ONLY_KEYS))
    state = _Rows(c, ctx)
    return _PARSERS[forms[0]](state, value if m is None else m, where)


def unsupported_row_keys(c: Collector, m: object, path: str, what: str, *, free: bool = False) -> None:
    """E060 (E031 for carry on free rows) for formula/carry/crossing where rows cannot have them."""
    if not isinstance(m, LineDict):
        return
    for key in ROW_ONLY_KEYS:
        if key not in m:
            continue
        where = join(path, key)
        if free and key == "carry":
            message = "a free-row format cannot carry rows (its rows change every month)"
            c.add("E031", m.key_line(key), where, message)
        else:
            message = f"'{key}' is not supported on {what}; {COMPUTED_ROW_HINT}"
            c.add("E060", m.key_line(key), where, message)


def _fixed(state: _Rows, m: LineDict, path: str) -> RowSpec:
    c, where = state.c, join(path, "fixed")
    items = sequence(c, m["fixed"], m.line_of("fixed"), where, non_empty=True)
    bounds = [("its format", state.ctx.fmt_range)]
    for index, item in enumerate(items or ()):
        item_path, line = f"{where}[{index}]", items.line_of(index) if items else m.line
        if isinstance(item, LineDict) and "group" in item and "key" not in item:
            _row_group(state, item, line, item_path, bounds)
        else:
            _row(state, item, line, item_path, None, (None, None), bounds)
    total = text(c, m, "total", path)
    totals = _total_row(state, m, path, total)
    layout = choice(c, m, "groups", path, GROUP_LAYOUTS) or "above"
    return RowSpec("fixed", rows=(*state.rows, *totals), total_label=total, groups=layout)


def _row_group(state: _Rows, item: LineDict, line: int, path: str, bounds: list) -> None:
    c = state.c
    unsupported_row_keys(c, item, path, "a row group (put the computed row inside the group)")
    m = mapping(c, item, line, path, (*ROW_GROUP_KEYS, *ROW_ONLY_KEYS), ("group", "rows"))
    if m is None:
        return
    label = text(c, m, "group", path) or ""
    own = month_range(c, m, path, f"row group '{label}'", bounds)
    inner = [(f"its group '{label}'", own), *bounds] if own != (None, None) else bounds
    fed = _fed(state, m, path)
    if "rows" not in m:
        return
    items = sequence(c, m["rows"], m.line_of("rows"), join(path, "rows"), non_empty=True)
    for index, row in enumerate(items or ()):
        row_path, row_line = f"{join(path, 'rows')}[{index}]", items.line_of(index) if items else 0
        if isinstance(row, LineDict) and "group" in row:
            c.add("E005", row_line, join(row_path, "group"), "row groups nest one level only")
            continue
        _row(state, row, row_line, row_path, label, own, inner, fed)


def _row(
    state: _Rows,
    item: object,
    line: int,
    path: str,
    group: str | None,
    inherited: Range,
    bounds: list,
    group_fed: FedMark | None = None,
) -> None:
    c = state.c
    m = mapping(c, item, line, path, ROW_KEYS, ("key", "label"))
    if m is None:
        return
    key = text(c, m, "key", path, ROW_KEY)
    label = text(c, m, "label", path)
    own = month_range(c, m, path, f"row '{key or '?'}'", bounds)
    formula = _row_formula(c, m, path)
    carry = text(c, m, "carry", path, ROW_KEY)
    crossing = choice(c, m, "crossing", path, CROSSINGS)
    if "crossing" in m and "formula" not in m:
        message = "'crossing' applies only to a computed row"
        c.add("E005", m.line_of("crossing"), join(path, "crossing"), message)
    fed = _fed(state, m, path) or group_fed
    if key is None:
        return
    start, end = own[0] or inherited[0], own[1] or inherited[1]
    lines = {str(k): v for k, v in m.value_lines.items()}
    source = fed.source if fed is not None else None
    row = RowDef(
        key, label or "", group=group, valid_from=start, valid_until=end, formula=formula, fed=source
    )
    row = replace(row, carry=carry, crossing=crossing, line=m.line, path=path, key_lines=lines)
    state.add(row, m.line_of("key"), join(path, "key"))


def _row_formula(c: Collector, m: LineDict, path: str) -> Expression | None:
    """A computed row's formula over row keys (E020/E021 as for columns)."""
    if "formula" not in m:
        return None
    line, where = m.line_of("formula"), join(path, "formula")
    if "carry" in m:
        c.add("E005", line, where, "a row cannot have both 'carry' and 'formula'")
    source = m["formula"]
    if not isinstance(source, str):
        c.add("E004", line, where, f"expected a formula (a string), found {type_name(source)}")
        return None
    try:
        return parse_expression(source, allow_comparisons=False)
    except ExpressionError as exc:
        c.add(exc.code, line, where, exc.message)
        return None


def _fed(state: _Rows, m: LineDict, path: str) -> FedMark | None:
    fed = parse_fed(state.c, m, path)
    if fed is not None:
        state.ctx.fed_marks.append(fed)
    return fed


def _total_row(state: _Rows, m: LineDict, path: str, label: str | None) -> tuple[RowDef, ...]:
    if label is None:
        return ()
    members = tuple(row.key for row in state.rows if row.role in ("entered", "carried"))
    if TOTAL_ROW_KEY in state.seen:
        message = f"row key '{TOTAL_ROW_KEY}' is taken by the total row"
        state.c.add("E010", state.seen[TOTAL_ROW_KEY], join(path, "total"), message)
    return (RowDef(TOTAL_ROW_KEY, label, is_total=True, members=members),)


def _master(state: _Rows, m: LineDict, path: str) -> RowSpec:
    code = text(state.c, m, "master", path)
    if code is not None and code not in state.ctx.masters:
        hint = suggest(code, state.ctx.masters)
        state.c.add("E011", m.line_of("master"), join(path, "master"), f"unknown master '{code}'{hint}")
    return RowSpec("master", master=code, total_label=text(state.c, m, "total", path))


def _product(state: _Rows, m: LineDict, path: str) -> RowSpec:
    c, where = state.c, join(path, "product")
    items = sequence(c, m["product"], m.line_of("product"), where)
    names: list[str] = []
    for index, item in enumerate(items or ()):
        line = items.line_of(index) if items else m.line
        if not isinstance(item, str):
            c.add("E004", line, f"{where}[{index}]", f"expected a string, found {type_name(item)}")
        elif item not in state.ctx.dimensions:
            hint = suggest(item, state.ctx.dimensions)
            c.add("E011", line, f"{where}[{index}]", f"unknown dimension '{item}'{hint}")
        else:
            names.append(item)
    if items is not None and len(items) != 2:
        c.add("E005", items.line, where, f"product needs exactly two dimensions, found {len(items)}")
    subtotals = bool(flag(c, m, "subtotals", path))
    total = text(c, m, "total", path)
    if len(names) == 2 and items is not None and len(items) == 2:
        _product_rows(state, names, subtotals, m.line_of("product"), where)
    totals = _total_row(state, m, path, total)
    rows = (*state.rows, *totals)
    layout = choice(c, m, "groups", path, GROUP_LAYOUTS) or "above"
    return RowSpec("product", rows=rows, total_label=total, subtotals=subtotals, groups=layout)


def _product_rows(state: _Rows, names: list[str], subtotals: bool, line: int, path: str) -> None:
    first, second = (state.ctx.dimensions[name] for name in names)
    for outer in first:
        block = [
            RowDef(f"{outer.key}.{inner.key}", joined(" — ", (outer.label, inner.label)), group=outer.label)
            for inner in second
        ]
        for row in block:
            state.add(row, line, path)
        if subtotals:
            members = tuple(row.key for row in block)
            key, label = f"{outer.key}.{TOTAL_ROW_KEY}", joined(" — ", (outer.label, "Total"))
            subtotal = RowDef(key, label, group=outer.label, is_total=True, members=members)
            state.add(subtotal, line, path)


def _free(state: _Rows, m: LineDict, path: str) -> RowSpec:
    c, where = state.c, join(path, "free")
    free = mapping(c, m["free"], m.line_of("free"), where, ("max",))
    maximum = whole(c, free, "max", where) if free is not None else None
    label = text(c, m, "label", path)
    return RowSpec("free", free_max=maximum, free_label=label or "Row")


_PARSERS = {"fixed": _fixed, "master": _master, "product": _product, "free": _free}
