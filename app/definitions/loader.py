"""Load mpr_definitions.yaml into a validated DefinitionSet, reporting every problem at once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .errors import DefinitionError, DefinitionErrors
from .expressions import FormatNames
from .loader_columns import parse_columns
from .loader_cross import check_cross_checks, parse_cross_checks
from .loader_dashboard import parse_dashboard
from .loader_drafts import FormatDraft, parse_checks, parse_derived
from .loader_feeds import check_sources, refuse_nothing_fed
from .loader_meaning import check_format, check_replacement_carries
from .loader_owner_set import check_set_by, check_set_by_across, set_by_of
from .loader_periods import check_period, check_targets, lag_of
from .loader_row_meaning import check_replacement_row_carries
from .loader_rows import ROW_ONLY_KEYS, RowContext, parse_rows, unsupported_row_keys
from .loader_scorecards import parse_scorecards
from .loader_summaries import parse_summaries
from .loader_support import (
    FORMAT_CODE,
    LIST_CODE,
    MAX_FORMAT_CODE,
    ROW_KEY,
    Collector,
    Pattern,
    choice,
    join,
    located,
    mapping,
    month_range,
    sequence,
    suggest,
    text,
    text_list,
)
from .schema import (
    FILLING_KINDS,
    FUNCTIONS,
    MONTHLY,
    PERIODS,
    SEGMENTS,
    UNITS,
    DefinitionSet,
    FormatDef,
    MasterDef,
    OwnerDef,
    PartDef,
    RowDef,
    SourceDef,
    slug,
)
from .yaml_lines import LineDict, LineList, YamlError, parse_yaml

PathLike = str | os.PathLike[str]
TOP_KEYS = (
    *("version", "parts", "owners", "masters", "sources", "dimensions", "formats"),
    *("summaries", "dashboard", "scorecards"),  # loader_summaries, loader_dashboard, loader_scorecards
)
TOP_REQUIRED = ("version", "parts", "owners", "formats")
FORMAT_KEYS = (
    *("code", "title", "part", "owner", "segment", "unit", "filled_by", "functions"),
    *("from", "until", "replaces", "note", "rows", "columns", "derived", "checks", "cross_checks", "fed"),
    *("period", "lag", "set_by"),
)
FORMAT_REQUIRED = ("code", "title", "part", "owner", "segment", "unit", "filled_by", "columns")
ALL_FUNCTIONS = ("executive", "audit", "ltu", "appeals")
FILE_PATH = "(file)"


def load_definitions(path: PathLike) -> DefinitionSet:
    """Load and validate the file; raise DefinitionErrors listing every problem."""
    definitions, errors = analyse_file(path)
    if errors or definitions is None:
        raise DefinitionErrors(errors, str(path))
    return definitions


def check_definitions(path: PathLike) -> list[DefinitionError]:
    """Every problem in the file (an empty list when it is valid)."""
    return analyse_file(path)[1]


def load_definitions_text(text: str, source: str = "mpr_definitions.yaml") -> DefinitionSet:
    """Load definitions from YAML text (tests and tools); raise DefinitionErrors on problems."""
    definitions, errors = analyse_bytes(text.encode("utf-8"), source)
    if errors or definitions is None:
        raise DefinitionErrors(errors, source)
    return definitions


def analyse_file(path: PathLike) -> tuple[DefinitionSet | None, list[DefinitionError]]:
    """(definitions or None, problems) for a file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        c = Collector(str(path))
        c.add("E001", 1, FILE_PATH, f"cannot read the file: {exc.strerror or exc}")
        return None, c.errors
    return analyse_bytes(data, str(path))


def analyse_bytes(data: bytes, source: str) -> tuple[DefinitionSet | None, list[DefinitionError]]:
    """(definitions or None, problems) for the file's bytes."""
    c = Collector(source)
    try:
        root = parse_yaml(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        c.add("E001", 1, FILE_PATH, f"the file is not UTF-8 text (byte {exc.start})")
        return None, c.errors
    except YamlError as exc:
        c.add("E001", exc.line, FILE_PATH, f"not valid YAML: {exc.message}")
        return None, c.errors
    if root is None:
        c.add("E001", 1, FILE_PATH, "the file is empty")
        return None, c.errors
    definitions = _read(c, root, source, hashlib.sha256(data).hexdigest())
    errors = c.sorted()
    return (None if errors else definitions), errors


def _read(c: Collector, root: object, source: str, digest: str) -> DefinitionSet | None:
    m = mapping(c, root, getattr(root, "line", 1), "", TOP_KEYS, TOP_REQUIRED)
    if m is None:
        return None
    if "version" in m and (m["version"] != 1 or isinstance(m["version"], bool)):
        c.add("E005", m.line_of("version"), "version", f"version must be 1, found {m['version']!r}")
    parts = _code_list(c, m, "parts", PartDef)
    owners = _code_list(c, m, "owners", OwnerDef)
    masters = _code_list(c, m, "masters", MasterDef)
    sources = _code_list(c, m, "sources", SourceDef)
    dimensions = _dimensions(c, m)
    drafts = _formats(c, m, dimensions, masters)
    check_sources(c, [mark for draft in drafts for mark in draft.fed_marks], sources)
    by_code = _across_formats(c, drafts, parts, owners)
    check_cross_checks(c, by_code)
    summaries = parse_summaries(c, m, {draft.code: draft for draft in drafts})
    dashboard = parse_dashboard(c, m, {draft.code: draft for draft in drafts})
    scorecards = parse_scorecards(c, m, {draft.code: draft for draft in drafts}, owners)
    if c.errors:
        return None
    formats = {draft.code: _build(draft) for draft in drafts}
    return DefinitionSet(
        parts=MappingProxyType(parts),
        owners=MappingProxyType(owners),
        masters=MappingProxyType(masters),
        formats=MappingProxyType(formats),
        source=source,
        digest=digest,
        dimensions=MappingProxyType(dimensions),
        summaries=MappingProxyType(summaries),
        scorecards=MappingProxyType(scorecards),
        sources=MappingProxyType(sources),
        dashboard=MappingProxyType(dashboard),
    )


def _code_list(c: Collector, m: LineDict, key: str, kind: type) -> dict:
    result: dict[str, object] = {}
    lines: dict[str, int] = {}
    if key not in m:
        return result
    items = sequence(c, m[key], m.line_of(key), key)
    for entry, where, code, title in _pairs(c, items, key, ("code", "title"), LIST_CODE):
        if code is None:
            continue
        if code in result:
            message = f"duplicate {key[:-1]} code '{code}' (first at line {lines[code]})"
            c.add("E010", entry.line_of("code"), join(where, "code"), message)
            continue
        result[code], lines[code] = kind(code, title), entry.line_of("code")
    return result


def _pairs(
    c: Collector,
    items: LineList | None,
    path: str,
    keys: tuple[str, str],
    pattern: Pattern,
    tolerated: tuple[str, ...] = (),
) -> Iterator[tuple[LineDict, str, str | None, str]]:
    """Each entry of a list of two-key mappings (code and title, key and label) that is a
    mapping: the entry, its path, its first value checked against `pattern`, its second or ''.
    Keys in `tolerated` are not reported as unknown (the caller says why they do not belong)."""
    if items is None:
        return
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        entry = mapping(c, item, items.line_of(index), where, (*keys, *tolerated), keys)
        if entry is not None:
            first, second = text(c, entry, keys[0], where, pattern), text(c, entry, keys[1], where)
            yield entry, where, first, second or ""


def _dimensions(c: Collector, m: LineDict) -> dict[str, tuple[RowDef, ...]]:
    result: dict[str, tuple[RowDef, ...]] = {}
    if "dimensions" not in m:
        return result
    dims = mapping(c, m["dimensions"], m.line_of("dimensions"), "dimensions", None)
    for name, value in (dims or {}).items():
        where = join("dimensions", name)
        if not isinstance(name, str) or not ROW_KEY[0].fullmatch(name):
            c.add("E005", dims.key_line(name), where, f"'{name}' is not a valid dimension name")
            continue
        items = sequence(c, value, dims.line_of(name), where, non_empty=True)
        rows: dict[str, RowDef] = {}
        pairs = _pairs(c, items, where, ("key", "label"), ROW_KEY, ROW_ONLY_KEYS)
        for entry, item_path, key, label in pairs:
            unsupported_row_keys(c, entry, item_path, "a dimension item (a product row cannot be computed)")
            if key in rows:
                message = f"key '{key}' appears twice in dimension '{name}'"
                c.add("E010", entry.line_of("key"), join(item_path, "key"), message)
            elif key is not None:
                rows[key] = RowDef(key, label)
        result[name] = tuple(rows.values())
    return result


def _formats(
    c: Collector, m: LineDict, dimensions: Mapping[str, tuple[RowDef, ...]], masters: dict
) -> list[FormatDraft]:
    if "formats" not in m:
        return []
    items = sequence(c, m["formats"], m.line_of("formats"), "formats")
    entries = [item for item in items or () if isinstance(item, LineDict)]
    codes = frozenset(item["code"] for item in entries if isinstance(item.get("code"), str))
    drafts = []
    for index, item in enumerate(items or ()):
        line = items.line_of(index) if items else 1
        draft = _format(c, item, line, f"formats[{index}]", FormatContext(dimensions, masters, codes))
        if draft is not None:
            drafts.append(draft)
    return drafts


@dataclass(frozen=True)
class FormatContext:
    """What a format may refer to: the dimensions, the master lists and every format's code."""

    dimensions: Mapping[str, tuple[RowDef, ...]]
    masters: dict
    format_codes: frozenset


def _format(c: Collector, item: object, line: int, path: str, ctx: FormatContext) -> FormatDraft | None:
    m = mapping(c, item, line, path, FORMAT_KEYS, FORMAT_REQUIRED)
    if m is None:
        return None
    code = text(c, m, "code", path, FORMAT_CODE)
    if code is not None and len(code) > MAX_FORMAT_CODE:
        message = f"a format code has at most {MAX_FORMAT_CODE} characters"
        c.add("E005", m.line_of("code"), join(path, "code"), message)
    fields = {
        "title": text(c, m, "title", path),
        "part": text(c, m, "part", path),
        "owner": text(c, m, "owner", path),
        "segment": choice(c, m, "segment", path, SEGMENTS),
        "unit": choice(c, m, "unit", path, UNITS),
        "filled_by": text_list(c, m, "filled_by", path, FILLING_KINDS),
        "functions": text_list(c, m, "functions", path, FUNCTIONS) or ALL_FUNCTIONS,
        "note": text(c, m, "note", path),
        "period": choice(c, m, "period", path, PERIODS) or MONTHLY,
        "lag": lag_of(c, m, path),
        "set_by": set_by_of(c, m, path),
    }
    months = month_range(c, m, path, f"format '{code}'", ())
    replaces = text(c, m, "replaces", path)
    row_context = RowContext(ctx.dimensions, ctx.masters, months)
    rows = parse_rows(c, m, path, row_context)
    names = FormatNames(code, ctx.format_codes)
    filed_by = tuple(fields["functions"] or ())  # type: ignore[arg-type]
    parsed = parse_columns(c, m, path, months, names, filed_by)
    derived = parse_derived(c, m, path)
    checks = parse_checks(c, m, path, has_total=rows.total_label is not None, formats=names)
    if code is None:
        return None
    leaves = parsed.leaves
    if rows.kind == "free" and parsed.fed_marks:
        mark = parsed.fed_marks[0]
        message = "a free-row format cannot be fed: its rows (one per case) are added by the office"
        c.add("E083", mark.line, mark.path, message)
    draft = FormatDraft(code, located(m, path), fields, months, replaces, rows, leaves, derived, checks)
    draft.cross = parse_cross_checks(c, m, path, code, months)
    draft.fed_marks = parsed.fed_marks + row_context.fed_marks
    if row_context.fed_marks and not any(leaf.column.role == "entered" for leaf in leaves):
        refuse_nothing_fed(c, row_context.fed_marks[0], "a row")
    check_format(c, draft)
    check_period(c, draft)
    check_set_by(c, draft)
    return draft


def _across_formats(
    c: Collector, drafts: list[FormatDraft], parts: dict, owners: dict
) -> dict[str, FormatDraft]:
    """Duplicate codes, parts, owners and replacements; the formats by code (first of each code)."""
    by_code: dict[str, FormatDraft] = {}
    tables: dict[str, FormatDraft] = {}
    for draft in drafts:
        line, path = draft.where.at("code")
        if draft.code in by_code:
            first = by_code[draft.code].where.line
            c.add("E010", line, path, f"format code '{draft.code}' is already used at line {first}")
            continue
        if slug(draft.code) in tables:
            other = tables[slug(draft.code)].code
            c.add("E010", line, path, f"format '{draft.code}' would share a table with '{other}'")
        by_code[draft.code] = draft
        tables.setdefault(slug(draft.code), draft)
        for key, known in (("part", parts), ("owner", owners)):
            value = draft.fields[key]
            if isinstance(value, str) and value not in known:
                line, path = draft.where.at(key)
                c.add("E011", line, path, f"unknown {key} '{value}'{suggest(value, known)}")
    _replacements(c, drafts, by_code)
    check_targets(c, drafts, by_code)
    check_set_by_across(c, drafts, by_code)
    return by_code


def _replacements(c: Collector, drafts: list[FormatDraft], by_code: dict[str, FormatDraft]) -> None:
    for draft in drafts:
        if draft.replaces is None or by_code.get(draft.code) is not draft:
            continue
        line, path = draft.where.at("replaces")
        old = by_code.get(draft.replaces)
        if old is draft:
            c.add("E041", line, path, "a format cannot replace itself")
            continue
        if old is None:
            hint = suggest(draft.replaces, [code for code in by_code if code != draft.code])
            c.add("E011", line, path, f"unknown format '{draft.replaces}'{hint}")
            continue
        if old.replaced_by is not None:
            message = f"format '{old.code}' is already replaced by '{old.replaced_by}'"
            c.add("E041", line, path, message)
            continue
        old.replaced_by = draft.code
        start, end = draft.months[0], old.months[1]
        if start is None or end is None or start != end.next():
            needs = f"'{old.code}' must end (until) the month before this format starts (from)"
            found = f"until {end or 'not set'}, from {start or 'not set'}"
            c.add("E041", line, path, f"replacement months do not join: {needs}; found {found}")
            continue
        check_replacement_carries(c, draft, old)
        check_replacement_row_carries(c, draft, old)


def _build(draft: FormatDraft) -> FormatDef:
    fields = draft.fields
    columns = tuple(leaf.column for leaf in draft.leaves)
    order = [column.code for column in columns if column.on_entry_grid]  # where check messages show
    return FormatDef(
        code=draft.code,
        title=fields["title"],
        part=str(fields["part"]),
        owner=str(fields["owner"]),
        segment=str(fields["segment"]),
        unit=str(fields["unit"]),
        filled_by=tuple(fields["filled_by"] or ()),  # type: ignore[arg-type]
        rows=draft.rows,
        columns=columns,
        functions=tuple(fields["functions"] or ()),  # type: ignore[arg-type]
        derived=tuple(derived.derived for derived in draft.derived),
        checks=tuple(check.build(order) for check in draft.checks),
        cross_checks=tuple(cross.build() for cross in draft.cross),
        valid_from=draft.months[0],
        valid_until=draft.months[1],
        replaces=draft.replaces,
        replaced_by=draft.replaced_by,
        note=fields["note"],  # type: ignore[arg-type]
        period=str(fields["period"]),
        lag=int(fields["lag"]),  # type: ignore[call-overload]
        line=draft.where.line,
        set_by=fields["set_by"],  # type: ignore[arg-type]
    )
