"""Reading `fed:` — cells filled by another departmental system (a `sources:` entry), not the office.

`fed: GSTN` or `fed: {source: GSTN}` may stand on a format (every entered column), a column
group (its entered columns) or a leaf column. A carried or computed column cannot be fed
(E081); a fed format, group or column must leave at least one column fed (E082).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .loader_support import LIST_CODE, Collector, join, mapping, suggest, text, type_name
from .yaml_lines import LineDict

FED_KEYS = ("source",)


@dataclass(frozen=True)
class FedMark:
    """A `fed:` as written: the source's code and where it stood."""

    source: str
    line: int
    path: str


def parse_fed(c: Collector, m: LineDict, path: str) -> FedMark | None:
    """The `fed:` of a format, group or column (None when absent or malformed: reported)."""
    if "fed" not in m:
        return None
    value, line, where = m["fed"], m.line_of("fed"), join(path, "fed")
    if isinstance(value, LineDict):
        inner = mapping(c, value, line, where, FED_KEYS, FED_KEYS)
        code = text(c, inner, "source", where, LIST_CODE) if inner is not None else None
        return FedMark(code, inner.line_of("source"), join(where, "source")) if code else None
    if not isinstance(value, str):
        message = f"expected a source code or {{source: CODE}}, found {type_name(value)}"
        c.add("E004", line, where, message)
        return None
    code = text(c, m, "fed", path, LIST_CODE)
    return FedMark(code, line, where) if code else None


def refuse_fed_derived(c: Collector, mark: FedMark, role: str) -> None:
    """E081: a carried or computed column is worked out by the MIS; no system can feed it."""
    hint = "remove 'fed', or feed the columns it is worked out from"
    c.add("E081", mark.line, mark.path, f"a {role} column cannot be fed by a source; {hint}")


def refuse_nothing_fed(c: Collector, mark: FedMark, what: str) -> None:
    """E082: a fed format or group with no entered column in it feeds nothing."""
    message = f"{what} is fed by '{mark.source}' but has no entered column to feed"
    c.add("E082", mark.line, mark.path, f"{message}; its carried and computed columns are never fed")


def check_sources(c: Collector, marks: list[FedMark], sources: Collection[str]) -> None:
    """E011 for every `fed:` naming a source that `sources:` does not declare."""
    for mark in marks:
        if mark.source not in sources:
            hint = suggest(mark.source, sources)
            if not hint:
                declared = ", ".join(sorted(sources)) or "none"
                hint = f" (declare it under the top-level 'sources:' list; declared: {declared})"
            c.add("E011", mark.line, mark.path, f"unknown source '{mark.source}'{hint}")
