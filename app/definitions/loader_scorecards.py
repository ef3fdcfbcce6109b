"""Reading the top-level `scorecards:` list: formations graded 1-10 on weighted groups of indicators.

A scorecard has groups of indicators, each group with a weight (the weights add up to 100).
An indicator reads one figure of a format's report — a row (the total row by default) and a
column, derived column or formula over its columns — and maps it to a grade by a rule: `rank`
among the peers, `target` (ratio to a target) or fixed `bands`. Pure: no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from .expressions import ExpressionError, parse_expression
from .loader_drafts import FormatDraft
from .loader_summaries import read_row
from .loader_support import (
    COLUMN_CODE,
    Collector,
    choice,
    join,
    mapping,
    number,
    sequence,
    suggest,
    text,
    whole,
)
from .schema import (
    BOARD_OWNER,
    GRADE_RULES,
    HIGHER,
    LOWER,
    TOTAL_ROW_KEY,
    FigureDef,
    GradeRule,
    IndicatorGroupDef,
    ScorecardDef,
    ScoreIndicatorDef,
)
from .yaml_lines import LineDict

SCORECARD_KEYS = ("code", "title", "owner", "groups")
GROUP_KEYS = ("code", "title", "weight", "indicators")
INDICATOR_KEYS = (
    *("code", "label", "format", "row", "column", "formula", "upto_column", "upto_formula"),
    *("better", "grade"),
)
INDICATOR_REQUIRED = ("code", "label", "format", "better", "grade")
GRADE_KEYS = ("rule", "target", "bands", "otherwise")
BAND_KEYS = ("at", "grade")
SCORECARD_CODE = (re.compile(r"SC-[A-Z0-9][A-Z0-9-]*"), "scorecard code (SC- then capitals, digits and -)")
FREE_ROWS_KEY = TOTAL_ROW_KEY  # a free-row format reports its cases as one row (aggregate.FREE_ROWS_KEY)
LOWEST, HIGHEST = Decimal(1), Decimal(10)


def parse_scorecards(
    c: Collector, m: LineDict, drafts: Mapping[str, FormatDraft], owners: Mapping[str, object]
) -> dict[str, ScorecardDef]:
    """Every scorecard of the file, checked against its formats: weights, figures, rows and rules."""
    found: dict[str, ScorecardDef] = {}
    if "scorecards" not in m:
        return found
    items = sequence(c, m["scorecards"], m.line_of("scorecards"), "scorecards")
    for index, item in enumerate(items or ()):
        where = f"scorecards[{index}]"
        entry = mapping(c, item, items.line_of(index), where, SCORECARD_KEYS, SCORECARD_KEYS)
        if entry is None:
            continue
        card = _scorecard(c, entry, where, drafts, owners)
        if card is None:
            continue
        if card.code in found:
            message = f"scorecard code '{card.code}' is already used at line {found[card.code].line}"
            c.add("E010", entry.line_of("code"), join(where, "code"), message)
            continue
        found[card.code] = card
    return found


def _scorecard(c: Collector, m: LineDict, where: str, drafts, owners) -> ScorecardDef | None:
    code, title, owner = (
        text(c, m, "code", where, SCORECARD_CODE),
        text(c, m, "title", where),
        _owner(c, m, where, owners),
    )
    items = (
        sequence(c, m["groups"], m.line_of("groups"), join(where, "groups"), non_empty=True)
        if "groups" in m
        else None
    )
    groups: list[IndicatorGroupDef] = []
    seen: dict[str, int] = {}
    complete = items is not None
    for index, item in enumerate(items or ()):
        path = f"{join(where, 'groups')}[{index}]"
        entry = mapping(c, item, items.line_of(index), path, GROUP_KEYS, GROUP_KEYS)
        group = _group(c, entry, path, drafts, owner, seen) if entry is not None else None
        complete = complete and group is not None
        if group is not None:
            groups.append(group)
    if complete and groups and sum(g.weight for g in groups) != 100:
        weights = " + ".join(str(g.weight) for g in groups)
        message = f"the group weights add up to {sum(g.weight for g in groups)} ({weights}), not 100"
        c.add("E110", m.key_line("groups"), join(where, "groups"), message)
        return None
    if None in (code, title, owner) or not complete or not groups:
        return None
    return ScorecardDef(code, title, owner, tuple(groups), m.line)


def _owner(c: Collector, m: LineDict, where: str, owners) -> str | None:
    owner = text(c, m, "owner", where)
    if owner is not None and owner != BOARD_OWNER and owner not in owners:
        hint = suggest(owner, [*owners, BOARD_OWNER])
        message = f"unknown owner '{owner}' (a Functional Owner's code, or {BOARD_OWNER}){hint}"
        c.add("E011", m.line_of("owner"), join(where, "owner"), message)
        return None
    return owner


def _group(
    c: Collector, m: LineDict, where: str, drafts, owner, seen: dict[str, int]
) -> IndicatorGroupDef | None:
    code, title = text(c, m, "code", where, COLUMN_CODE), text(c, m, "title", where)
    weight = whole(c, m, "weight", where, minimum=1)
    items = None
    if "indicators" in m:
        items = sequence(
            c, m["indicators"], m.line_of("indicators"), join(where, "indicators"), non_empty=True
        )
    indicators: list[ScoreIndicatorDef] = []
    complete = items is not None
    for index, item in enumerate(items or ()):
        path = f"{join(where, 'indicators')}[{index}]"
        entry = mapping(c, item, items.line_of(index), path, INDICATOR_KEYS, INDICATOR_REQUIRED)
        indicator = _indicator(c, entry, path, drafts, owner) if entry is not None else None
        complete = complete and indicator is not None
        if indicator is None:
            continue
        if indicator.code in seen:
            message = f"indicator code '{indicator.code}' is already used at line {seen[indicator.code]}"
            c.add("E010", entry.line_of("code"), join(path, "code"), message)
            complete = False
            continue
        seen[indicator.code] = entry.line
        indicators.append(indicator)
    if None in (code, title, weight) or not complete or not indicators:
        return None
    return IndicatorGroupDef(code, title, weight, tuple(indicators))


def _indicator(c: Collector, m: LineDict, where: str, drafts, owner) -> ScoreIndicatorDef | None:
    code, label = text(c, m, "code", where, COLUMN_CODE), text(c, m, "label", where)
    better = choice(c, m, "better", where, (HIGHER, LOWER))
    format_code = text(c, m, "format", where)
    draft = drafts.get(format_code or "")
    if format_code is not None and draft is None:
        hint = suggest(format_code, drafts)
        c.add("E011", m.line_of("format"), join(where, "format"), f"unknown format '{format_code}'{hint}")
    if draft is not None and owner not in (None, BOARD_OWNER) and draft.fields.get("owner") != owner:
        message = (
            f"{draft.code} belongs to {draft.fields.get('owner')}: a scorecard of {owner} reads only its own "
            f"formats (make it the Board's with owner: {BOARD_OWNER})"
        )
        c.add("E116", m.line_of("format"), join(where, "format"), message)
    month = _figure(c, m, where, draft, "column", "formula", required=True)
    upto = _figure(c, m, where, draft, "upto_column", "upto_formula", required=False)
    row = _row(c, m, where, draft)
    rule = _rule(c, m, where, better)
    if None in (code, label, better, month, row, rule) or draft is None or upto is False:
        return None
    return ScoreIndicatorDef(code, label, draft.code, row, month, upto or month, better, rule, m.line)


def _numeric_columns(draft: FormatDraft) -> dict[str, bool]:
    numeric = {leaf.column.code: leaf.column.is_numeric for leaf in draft.leaves}
    numeric.update({d.derived.code: True for d in draft.derived})
    return numeric


def _figure(c: Collector, m: LineDict, where: str, draft, column_key: str, formula_key: str, required: bool):
    """The figure named by `column_key` or `formula_key`: FigureDef, None if absent and optional,
    False when wrong (reported)."""
    has_column, has_formula = column_key in m, formula_key in m
    if has_column and has_formula:
        message = f"give '{column_key}' or '{formula_key}', not both"
        c.add("E113", m.line_of(formula_key), join(where, formula_key), message)
        return False
    if not has_column and not has_formula:
        if required:
            c.add(
                "E113", m.line, where, f"give the figure graded: '{column_key}' (a column) or '{formula_key}'"
            )
            return False
        return None
    numeric = _numeric_columns(draft) if draft is not None else None
    if has_column:
        return _column_figure(c, m, where, draft, column_key, numeric)
    return _formula_figure(c, m, where, draft, formula_key, numeric)


def _column_figure(c: Collector, m: LineDict, where: str, draft, key: str, numeric) -> FigureDef | bool:
    name = text(c, m, key, where)
    if name is None:
        return False
    if numeric is not None and not numeric.get(name, False):
        why = "is not a number" if name in numeric else f"is not a column of {draft.code}"
        c.add("E111", m.line_of(key), join(where, key), f"'{name}' {why}{suggest(name, numeric)}")
        return False
    return FigureDef(column=name, source=name)


def _formula_figure(c: Collector, m: LineDict, where: str, draft, key: str, numeric) -> FigureDef | bool:
    source = str(m.get(key, ""))
    try:
        formula = parse_expression(source, allow_comparisons=False)
    except ExpressionError as error:
        c.add(error.code, m.line_of(key), join(where, key), error.message)
        return False
    wrong = [name for name in formula.names_in_order if numeric is not None and not numeric.get(name, False)]
    for name in wrong:
        why = "is not a number" if name in numeric else f"is not a column of {draft.code}"
        c.add(
            "E113", m.line_of(key), join(where, key), f"reads '{name}', which {why}{suggest(name, numeric)}"
        )
    return False if wrong else FigureDef(formula=formula, source=" ".join(source.split()))


def _row(c: Collector, m: LineDict, where: str, draft: FormatDraft | None) -> str | None:
    """The format's row graded: `row:`, else the total row, else the only row."""
    return read_row(c, m, where, draft, "E112", "is graded")


def _rule(c: Collector, m: LineDict, where: str, better: str | None) -> GradeRule | None:
    path = join(where, "grade")
    entry = mapping(c, m["grade"], m.line_of("grade"), path, GRADE_KEYS, ("rule",)) if "grade" in m else None
    if entry is None:
        return None
    rule = text(c, entry, "rule", path)
    if rule is not None and rule not in GRADE_RULES:
        message = (
            f"unknown grading rule '{rule}': one of {', '.join(GRADE_RULES)}{suggest(rule, GRADE_RULES)}"
        )
        c.add("E114", entry.line_of("rule"), join(path, "rule"), message)
        return None
    misplaced = [key for key in ("target", "bands", "otherwise") if key in entry and not _belongs(key, rule)]
    for key in misplaced:
        c.add("E114", entry.line_of(key), join(path, key), f"'{key}' does not belong to rule '{rule}'")
    if rule is None or misplaced:
        return None
    if rule == "target":
        target = number(c, entry, "target", path)
        if target is not None and target <= 0:
            c.add("E114", entry.line_of("target"), join(path, "target"), "the target must be above 0")
            return None
        return GradeRule(rule, Decimal(str(target)) if target is not None else Decimal(100))
    if rule == "bands":
        return _bands(c, entry, path, better)
    return GradeRule(rule)


def _belongs(key: str, rule: str | None) -> bool:
    return (key == "target" and rule == "target") or (key in ("bands", "otherwise") and rule == "bands")


def _grade(c: Collector, m: LineDict, key: str, path: str) -> Decimal | None:
    value = number(c, m, key, path)
    if value is None:
        return None
    if not LOWEST <= Decimal(str(value)) <= HIGHEST:
        c.add("E115", m.line_of(key), join(path, key), f"a grade is from 1 to 10, not {value}")
        return None
    return Decimal(str(value))


def _bands(c: Collector, m: LineDict, path: str, better: str | None) -> GradeRule | None:
    if "bands" not in m:
        c.add(
            "E114", m.line, path, "rule 'bands' needs bands: [{at: threshold, grade: 1-10}, ...], best first"
        )
        return None
    items = sequence(c, m["bands"], m.line_of("bands"), join(path, "bands"), non_empty=True)
    bands: list[tuple[Decimal, Decimal]] = []
    ok = items is not None
    for index, item in enumerate(items or ()):
        where = f"{join(path, 'bands')}[{index}]"
        entry = mapping(c, item, items.line_of(index), where, BAND_KEYS, BAND_KEYS)
        at = number(c, entry, "at", where) if entry is not None else None
        grade = _grade(c, entry, "grade", where) if entry is not None else None
        if at is None or grade is None:
            ok = False
            continue
        if bands and not _in_order(bands[-1], (Decimal(str(at)), grade), better):
            word = "below" if better != LOWER else "above"
            message = (
                f"bands run from the best figure down: at {at} must be {word} {bands[-1][0]} and its grade "
                f"not above {bands[-1][1]}"
            )
            c.add("E115", items.line_of(index), where, message)
            ok = False
        bands.append((Decimal(str(at)), grade))
    otherwise = _grade(c, m, "otherwise", path) if "otherwise" in m else LOWEST
    if otherwise is not None and bands and otherwise > bands[-1][1]:
        message = (
            f"the grade below every band ({otherwise}) must not be above the last band's ({bands[-1][1]})"
        )
        c.add("E115", m.line_of("otherwise"), join(path, "otherwise"), message)
        return None
    if not ok or otherwise is None or better is None:
        return None
    return GradeRule("bands", bands=tuple(bands), otherwise=otherwise)


def _in_order(previous: tuple[Decimal, Decimal], band: tuple[Decimal, Decimal], better: str | None) -> bool:
    """Best first: thresholds fall (rise when lower is better) and grades do not rise."""
    falls = band[0] < previous[0] if better != LOWER else band[0] > previous[0]
    return falls and band[1] <= previous[1]
