"""Shared pieces of the loader: the error collector, typed readers and month ranges."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .errors import DefinitionError
from .months import Month
from .texts import DEVANAGARI, OTHER_LANGUAGES, Text, form_keys
from .yaml_lines import LineDict, LineList

ROOT_PATH = "(top)"
FORMAT_CODE = (re.compile(r"[A-Z][A-Z0-9-]*"), "format code (capitals, digits and -)")
COLUMN_CODE = (re.compile(r"[A-Z][A-Z0-9_]*"), "code (capitals, digits and _)")
ROW_KEY = (re.compile(r"[A-Z][A-Z0-9_]*"), "row key (capitals, digits and _)")
LIST_CODE = (re.compile(r"[A-Z0-9][A-Z0-9_-]*"), "code (capitals, digits, _ and -)")
MAX_COLUMN_CODE = 40
MAX_FORMAT_CODE = 50  # keeps mpr_<slug> and its index names within database limits
# Keys whose value users read: each may carry its Hindi form beside it (label_hi:, title_hi:, ...).
TEXT_KEYS = frozenset({"title", "label", "group", "total", "message", "note"})

Range = tuple["Month | None", "Month | None"]
Pattern = tuple["re.Pattern[str]", str]


class Collector:
    """Collects every problem found; nothing stops at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[DefinitionError] = []

    def add(self, code: str, line: int, path: str, message: str) -> None:
        """Record one problem."""
        self.errors.append(DefinitionError(code, line, path or ROOT_PATH, message, self.file))

    def sorted(self) -> list[DefinitionError]:
        """The problems by line (stable for problems on the same line)."""
        return sorted(self.errors, key=lambda error: error.line)


def join(path: str, key: object) -> str:
    """`path.key` (just `key` at the top)."""
    return f"{path}.{key}" if path else str(key)


SUGGESTION_CUTOFF = 0.75  # difflib ratio a candidate needs to be offered as "did you mean"
SHORT_NAME_CUTOFF = 0.6  # names of up to 5 letters: one letter in three changed (DMM for DDM)


def suggest(name: object, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a candidate close enough to be a slip of the keyboard, or ''."""
    written = str(name)
    known_names = sorted(set(candidates))
    scored = [(difflib.SequenceMatcher(None, written, known).ratio(), known) for known in known_names]
    cutoff = SHORT_NAME_CUTOFF if len(written) <= 5 else SUGGESTION_CUTOFF
    close = [(ratio, known) for ratio, known in scored if ratio >= cutoff and _slip(written, known)]
    return f" (did you mean '{max(close)[1]}'?)" if close else ""


def _slip(written: str, known: str) -> bool:
    """Whether two names differ only where a typing slip would make them differ.

    Codes share their endings (_NO, _AMT) and beginnings (ADC_, CLOSING_): what remains once
    the common start and end are removed must be a small slip (a letter or two, a letter
    inserted or left out), or similar in itself; ARREST_NO is not a slip of RECEIPT_NO,
    nor DISPOSAL_NO of DISPOSAL_AMT."""
    start = len(os.path.commonprefix([written, known]))
    end = len(os.path.commonprefix([written[start:][::-1], known[start:][::-1]]))
    left, right = written[start : len(written) - end], known[start : len(known) - end]
    if min(len(left), len(right)) < 2:
        return True
    return difflib.SequenceMatcher(None, left, right).ratio() >= 0.5


_TYPE_NAMES: tuple[tuple[type, str], ...] = (  # first match wins: a bool is also an int
    (dict, "a mapping"),
    (list, "a list"),
    (str, "a string"),
    (bool, "true/false"),
    (int, "a whole number"),
    (float, "a number"),
    (type(None), "nothing"),
    (dt.date, "a date"),
)


def type_name(value: object) -> str:
    """How a YAML value is described in messages."""
    return next((name for kind, name in _TYPE_NAMES if isinstance(value, kind)), type(value).__name__)


def mapping(
    c: Collector,
    value: object,
    line: int,
    path: str,
    allowed: Collection[str] | None,
    required: Sequence[str] = (),
) -> LineDict | None:
    """The value as a mapping, reporting E004/E010/E002/E003; None if not a mapping."""
    if not isinstance(value, LineDict):
        c.add("E004", line, path, f"expected a mapping, found {type_name(value)}")
        return None
    for key, key_line in value.duplicates:
        c.add("E010", key_line, join(path, key), f"key '{key}' appears twice")
    if allowed is not None:
        allowed = (*allowed, *(form for key in allowed if key in TEXT_KEYS for form in form_keys(key)))
        for key in value:
            if key not in allowed:
                hint = suggest(key, allowed)
                c.add("E002", value.key_line(key), join(path, key), f"unknown key '{key}'{hint}")
    missing = [f"'{key}'" for key in required if key not in value]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        c.add("E003", value.line, path, f"missing required key{plural} {', '.join(missing)}")
    return value


def sequence(
    c: Collector, value: object, line: int, path: str, *, non_empty: bool = False
) -> LineList | None:
    """The value as a list (E004 otherwise; E005 when empty but must not be)."""
    if not isinstance(value, LineList):
        c.add("E004", line, path, f"expected a list, found {type_name(value)}")
        return None
    if non_empty and not value:
        c.add("E005", line, path, "the list must not be empty")
    return value


def text(c: Collector, m: LineDict, key: str, path: str, pattern: Pattern | None = None) -> str | None:
    """m[key] as a non-empty string (matching `pattern` if given), or None."""
    if key not in m:
        return None
    value, line, where = m[key], m.line_of(key), join(path, key)
    if not isinstance(value, str):
        c.add("E004", line, where, f"expected a string, found {type_name(value)}")
        return None
    if not value.strip():
        c.add("E005", line, where, "must not be empty")
        return None
    if pattern is not None and not pattern[0].fullmatch(value):
        c.add("E005", line, where, f"'{value}' is not a valid {pattern[1]}")
        return None
    if key in TEXT_KEYS:
        return Text(value, _other_forms(c, m, key, path))
    return value


def _other_forms(c: Collector, m: LineDict, key: str, path: str) -> dict[str, str]:
    """The forms of a title or label in other languages (`label_hi:` beside `label:`)."""
    forms = {}
    for form_key, language in zip(form_keys(key), OTHER_LANGUAGES, strict=True):
        if form_key not in m:
            continue
        value, line, where = m[form_key], m.line_of(form_key), join(path, form_key)
        if not isinstance(value, str) or not value.strip():
            c.add("E004", line, where, f"expected a string, found {type_name(value)}")
        elif not DEVANAGARI.search(value):
            hint = f"write the Hindi in Devanagari, or leave '{form_key}' out to show the English"
            c.add("E006", line, where, f"'{value}' has no Devanagari letters; {hint}")
        else:
            forms[language] = value
    return forms


def choice(c: Collector, m: LineDict, key: str, path: str, allowed: Collection[str]) -> str | None:
    """m[key] as one of `allowed` (E005 with a suggestion otherwise)."""
    value = text(c, m, key, path)
    if value is not None and value not in allowed:
        options = ", ".join(sorted(allowed))
        hint = suggest(value, allowed)
        message = f"'{value}' is not one of {options}{hint}"
        c.add("E005", m.line_of(key), join(path, key), message)
        return None
    return value


def flag(c: Collector, m: LineDict, key: str, path: str) -> bool | None:
    """m[key] as true/false, or None."""
    if key not in m:
        return None
    if not isinstance(m[key], bool):
        found = type_name(m[key])
        c.add("E004", m.line_of(key), join(path, key), f"expected true or false, found {found}")
        return None
    return bool(m[key])


def whole(c: Collector, m: LineDict, key: str, path: str, minimum: int = 1) -> int | None:
    """m[key] as a whole number >= minimum, or None."""
    if key not in m:
        return None
    value, line, where = m[key], m.line_of(key), join(path, key)
    if isinstance(value, bool) or not isinstance(value, int):
        c.add("E004", line, where, f"expected a whole number, found {type_name(value)}")
        return None
    if value < minimum:
        c.add("E005", line, where, f"must be at least {minimum}")
        return None
    return value


def number(c: Collector, m: LineDict, key: str, path: str) -> float | None:
    """m[key] as a finite number, or None."""
    if key not in m:
        return None
    value, line, where = m[key], m.line_of(key), join(path, key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        c.add("E004", line, where, f"expected a number, found {type_name(value)}")
        return None
    if not math.isfinite(value):
        c.add("E005", line, where, "must be a finite number")
        return None
    return value


def text_list(
    c: Collector, m: LineDict, key: str, path: str, allowed: Collection[str] | None = None
) -> tuple[str, ...] | None:
    """m[key] as a non-empty list of strings (each one of `allowed` if given)."""
    if key not in m:
        return None
    items = sequence(c, m[key], m.line_of(key), join(path, key), non_empty=True)
    if items is None:
        return None
    result: list[str] = []
    for index, item in enumerate(items):
        where, line = f"{join(path, key)}[{index}]", items.line_of(index)
        if not isinstance(item, str) or not item.strip():
            c.add("E004", line, where, f"expected a string, found {type_name(item)}")
        elif allowed is not None and item not in allowed:
            options = ", ".join(sorted(allowed))
            c.add("E005", line, where, f"'{item}' is not one of {options}{suggest(item, allowed)}")
        elif item in result:
            c.add("E010", line, where, f"'{item}' is listed twice")
        else:
            result.append(item)
    return tuple(result)


def month(c: Collector, m: LineDict, key: str, path: str) -> Month | None:
    """m[key] as a Month written YYYY-MM, or None."""
    if key not in m:
        return None
    value, line, where = m[key], m.line_of(key), join(path, key)
    if isinstance(value, (LineDict, LineList)):
        c.add("E004", line, where, f"expected a month (YYYY-MM), found {type_name(value)}")
        return None
    if isinstance(value, dt.date):
        c.add("E005", line, where, f"'{value}' is a date; write the month as YYYY-MM")
        return None
    try:
        return Month.parse(str(value))
    except ValueError:
        c.add("E005", line, where, f"'{value}' is not a month written as YYYY-MM (e.g. 2024-04)")
        return None


def month_range(
    c: Collector, m: LineDict, path: str, what: str, bounds: Sequence[tuple[str, Range]]
) -> Range:
    """The item's own (from, until), reporting E040 if reversed or outside `bounds`."""
    start, end = month(c, m, "from", path), month(c, m, "until", path)
    if start is not None and end is not None and start > end:
        c.add("E040", m.line_of("from"), join(path, "from"), f"from {start} is after until {end}")
        return start, end
    for name, (outer_start, outer_end) in bounds:
        problem = _outside(start, end, outer_start, outer_end)
        if problem:
            key = "from" if problem.startswith("starts") else "until"
            message = f"{what} {problem}, outside the months of {name} ({describe((outer_start, outer_end))})"
            c.add("E040", m.line_of(key), join(path, key), message)
            break
    return start, end


def _outside(start: Month | None, end: Month | None, lo: Month | None, hi: Month | None) -> str:
    if start is not None and ((lo is not None and start < lo) or (hi is not None and start > hi)):
        return f"starts in {start}"
    if end is not None and ((hi is not None and end > hi) or (lo is not None and end < lo)):
        return f"ends in {end}"
    return ""


def describe(months: Range) -> str:
    """A range as text: '2018-01 to 2024-03', 'from 2018-01', 'until 2024-03' or 'always'."""
    start, end = months
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    return f"until {end}" if end else "always"


def intersect(inner: Range, outer: Range) -> Range:
    """The months in both ranges (None = unbounded)."""
    starts = [m for m in (inner[0], outer[0]) if m is not None]
    ends = [m for m in (inner[1], outer[1]) if m is not None]
    return (max(starts) if starts else None, min(ends) if ends else None)


def uncovered_month(reader: Range, source: Range) -> Month | None:
    """A month where `reader` is in force and `source` is not, or None if there is none."""
    (r_start, r_end), (s_start, s_end) = reader, source
    if any(start is not None and end is not None and start > end for start, end in (reader, source)):
        return None  # a reversed range is reported as E040 already
    if s_start is not None and (r_start is None or r_start < s_start):
        if r_start is not None:
            return r_start
        return min(r_end, s_start.prev()) if r_end is not None else s_start.prev()
    if s_end is not None and (r_end is None or r_end > s_end):
        return max(r_start, s_end.next()) if r_start is not None else s_end.next()
    return None


@dataclass(frozen=True)
class Located:
    """Where an item stood in the file: its path, its line and the line of each key."""

    path: str
    line: int
    key_lines: dict[str, int]

    def at(self, key: str) -> tuple[int, str]:
        """(line, path) of one of the item's keys."""
        return self.key_lines.get(key, self.line), join(self.path, key)


def located(m: LineDict, path: str) -> Located:
    """The location of a parsed mapping."""
    return Located(path, m.line, {str(k): v for k, v in m.value_lines.items()})


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Cycles found by depth-first search (each as its list of members)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt) :])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return found


def cycles_once(graph: dict[str, list[str]], order_key) -> list[list[str]]:
    """Each cycle of `graph` once, as its members from the first (by `order_key`) round back to it."""
    seen: set[frozenset[str]] = set()
    found: list[list[str]] = []
    for cycle in find_cycles(graph):
        if frozenset(cycle) in seen:
            continue
        seen.add(frozenset(cycle))
        first = min(cycle, key=order_key)
        start = cycle.index(first)
        found.append([*cycle[start:], *cycle[:start], first])
    return found
