"""Meaning checks inside one format: duplicates, column references, cycles, carries."""

from __future__ import annotations

from collections.abc import Iterable

from .loader_columns import Leaf
from .loader_drafts import FormatDraft
from .loader_row_meaning import check_rows
from .loader_support import Collector, Range, cycles_once, describe, suggest, uncovered_month
from .schema import CUMULATIVE_KINDS


def check_format(c: Collector, draft: FormatDraft) -> dict[str, Leaf]:
    """Report every meaning problem of one format; return its columns by code."""
    leaves = _unique_columns(c, draft)
    _unique_others(c, draft, leaves)
    derived_codes = {d.derived.code for d in draft.derived}
    for leaf in draft.leaves:
        formula = leaf.column.formula
        if formula is not None:
            line, path = leaf.where.at("formula")
            reader = draft.leaf_months(leaf)
            _reads(c, formula.names_in_order, line, path, leaves, reader, derived_codes, draft)
    for check in draft.checks:
        if check.rule is not None:
            line, path = check.where.at("rule")
            names = check.rule.names_in_order
            _reads(c, names, line, path, leaves, draft.months, derived_codes, draft)
        for code, (line, path) in check.cell_lines.items():
            if code not in leaves:
                c.add("E022", line, path, f"unknown column '{code}'{suggest(code, leaves)}")
            elif not leaves[code].column.on_entry_grid:
                _message_off_the_grid(c, line, path, f"'{code}' is shown in reports only (show: report)")
        if check.cells is None and check.rule is not None:
            read = [leaves[name].column for name in check.rule.names if name in leaves]
            if read and not any(column.on_entry_grid for column in read):
                line, path = check.where.at("rule")
                _message_off_the_grid(c, line, path, "every column the rule reads is shown in reports only")
    _check_derived(c, draft, leaves)
    _check_cycles(c, draft, leaves)
    _check_carries(c, draft, leaves)
    _check_functions(c, draft, leaves)
    check_rows(c, draft, leaves)
    return leaves


def _message_off_the_grid(c: Collector, line: int, path: str, why: str) -> None:
    """E085: a check's message must show at a cell of the entry grid, where the office can act on it."""
    hint = "name in `cells:` a column shown on the entry grid"
    c.add("E085", line, path, f"the check's message would show at no cell of the entry grid: {why}; {hint}")


def _unique_columns(c: Collector, draft: FormatDraft) -> dict[str, Leaf]:
    leaves: dict[str, Leaf] = {}
    for leaf in draft.leaves:
        code = leaf.column.code
        if code in leaves:
            line, path = leaf.where.at("code")
            message = f"column code '{code}' is already used at line {leaves[code].where.line}"
            c.add("E010", line, path, message)
        else:
            leaves[code] = leaf
    return leaves


def _unique_others(c: Collector, draft: FormatDraft, leaves: dict[str, Leaf]) -> None:
    seen: dict[str, int] = {code: leaf.where.line for code, leaf in leaves.items()}
    for derived in draft.derived:
        code = derived.derived.code
        if code in seen:
            line, path = derived.where.at("code")
            c.add("E010", line, path, f"code '{code}' is already used at line {seen[code]}")
        else:
            seen[code] = derived.where.line
    checks: dict[str, int] = {}
    for check in draft.checks:
        if check.code in checks:
            line, path = check.where.at("code")
            message = f"check code '{check.code}' is already used at line {checks[check.code]}"
            c.add("E010", line, path, message)
        else:
            checks[check.code] = check.where.line


def _reads(
    c: Collector,
    names: Iterable[str],
    line: int,
    path: str,
    leaves: dict[str, Leaf],
    reader: Range,
    derived_codes: set[str],
    draft: FormatDraft,
) -> None:
    """E022/E024/E042 for the columns a formula or check reads."""
    for name in names:
        leaf = leaves.get(name)
        if leaf is None:
            if name in derived_codes:
                message = f"'{name}' is a derived column, which formulas and checks cannot read"
            else:
                message = f"unknown column '{name}'{suggest(name, leaves)}"
            c.add("E022", line, path, message)
            continue
        if leaf.column.type and not leaf.column.is_numeric:
            message = f"reads '{name}', a {leaf.column.type} column; only numbers can be read"
            c.add("E024", line, path, message)
            continue
        source = draft.leaf_months(leaf)
        gap = uncovered_month(reader, source)
        if gap is not None:
            message = f"reads '{name}', which is not in force in {gap} ({name}: {describe(source)})"
            c.add("E042", line, path, message)


def _check_derived(c: Collector, draft: FormatDraft, leaves: dict[str, Leaf]) -> None:
    for derived in draft.derived:
        of = derived.derived.of
        line, path = derived.where.at("of")
        if of not in leaves:
            c.add("E022", line, path, f"unknown column '{of}'{suggest(of, leaves)}")
        elif leaves[of].column.type and not leaves[of].column.is_numeric:
            column_type = leaves[of].column.type
            c.add("E024", line, path, f"'{of}' is a {column_type} column; only numbers can be derived")
        elif derived.derived.kind in CUMULATIVE_KINDS and _is_balance(of, leaves, set()):
            message = (
                f"'{of}' is a balance (carried, or computed from a carried column): "
                f"'{derived.derived.kind}' would add balances up over months; use prev_year or growth"
            )
            c.add("E025", line, path, message)


def _is_balance(code: str, leaves: dict[str, Leaf], seen: set[str]) -> bool:
    """Whether a column is a stock (carried, or computed from one) rather than a flow."""
    leaf = leaves.get(code)
    if leaf is None or code in seen:
        return False
    seen.add(code)
    if leaf.column.carry:
        return True
    formula = leaf.column.formula
    return formula is not None and any(_is_balance(n, leaves, seen) for n in formula.names_in_order)


def _check_cycles(c: Collector, draft: FormatDraft, leaves: dict[str, Leaf]) -> None:
    graph = {
        leaf.column.code: [n for n in leaf.column.formula.names_in_order if n in leaves]
        for leaf in leaves.values()
        if leaf.column.formula is not None
    }
    for ordered in cycles_once(graph, lambda code: leaves[code].column.number):
        line, path = leaves[ordered[0]].where.at("formula")
        c.add("E023", line, path, f"formulas form a cycle: {' -> '.join(ordered)}")


def _check_carries(c: Collector, draft: FormatDraft, leaves: dict[str, Leaf]) -> None:
    for leaf in draft.leaves:
        carry = leaf.column.carry
        if not carry:
            continue
        line, path = leaf.where.at("carry")
        if draft.rows.kind == "free":
            message = "a free-row format cannot carry values (its rows change every month)"
            c.add("E031", line, path, message)
            continue
        source = leaves.get(carry)
        if source is None:
            c.add("E030", line, path, f"carries from unknown column '{carry}'{suggest(carry, leaves)}")
            continue
        _check_carry_type(c, leaf, source, line, path)
        start, end = draft.leaf_months(leaf)
        if start is not None and end is not None and end <= start:
            continue  # in force for one month only: always the one-time opening entry
        needed = (start, end.prev() if end is not None else None)
        gap = uncovered_month(needed, draft.leaf_months(source))
        if gap is not None:
            message = f"carries from '{carry}', which is not in force in {gap}, the month before"
            c.add("E030", line, path, f"{message} {gap.next()}")


def _check_carry_type(c: Collector, leaf: Leaf, source: Leaf, line: int, path: str) -> None:
    """E032 when a column carries from a column of another type (a count from an amount, say)."""
    if source.column.type != leaf.column.type:
        message = (
            f"carries from '{source.column.code}', a {source.column.type} column, into a "
            f"{leaf.column.type} column: a carried column must have the type of the column it carries from"
        )
        c.add("E032", line, path, message)


def check_replacement_carries(c: Collector, draft: FormatDraft, replaced: FormatDraft) -> None:
    """E030 for carries at the first month of `draft`, which take over from `replaced`."""
    first, last = draft.months[0], replaced.months[1]
    if first is None or last is None or draft.rows.kind == "free":
        return
    for leaf in draft.leaves:
        carry = leaf.column.carry
        if not carry or draft.leaf(carry) is None or draft.leaf_months(leaf)[0] != first:
            continue
        source = replaced.leaf(carry)
        line, path = leaf.where.at("carry")
        if source is None or uncovered_month((last, last), replaced.leaf_months(source)):
            message = f"carries from '{carry}', which format '{replaced.code}' does not have in"
            c.add("E030", line, path, f"{message} {last}, its last month before this format replaces it")
        else:
            _check_carry_type(c, leaf, source, line, path)


def _check_functions(c: Collector, draft: FormatDraft, leaves: dict[str, Leaf]) -> None:
    """E043: a column that reads (by formula or carry) a column some of the offices filling it do not fill."""
    filed_by = set(draft.fields.get("functions") or ())
    for leaf in draft.leaves:
        column = leaf.column
        read = [
            *(column.formula.names_in_order if column.formula is not None else ()),
            *filter(None, [column.carry]),
        ]
        for name in read:
            source = leaves.get(name)
            if source is None or not source.column.functions:
                continue
            missing = set(column.functions or filed_by) - set(source.column.functions)
            if missing:
                line, path = leaf.where.at("formula" if column.formula is not None else "carry")
                only = ", ".join(source.column.functions)
                message = (
                    f"reads '{name}', which only offices of function {only} fill;"
                    f" limit '{column.code}' to them too (functions: [{only}])"
                )
                c.add("E043", line, path, message)
