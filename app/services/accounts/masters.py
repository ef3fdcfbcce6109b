"""Check and load master-list items (seed/masters.yaml): every problem at once, with its line.

A list must be declared under `masters:` in mpr_definitions.yaml; keys follow the row-key
pattern of docs/definitions.md ([A-Z][A-Z0-9_]*) and are unique within their list;
`from`/`until` are "YYYY-MM". Nothing is loaded unless the whole file is right.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from app.definitions.loader_support import ROW_KEY
from app.definitions.months import Month
from app.definitions.texts import DEVANAGARI
from app.definitions.yaml_lines import LineDict, LineList, YamlError, parse_yaml
from app.extensions import db
from app.models.masters import MasterItem

ITEM_KEYS = {"key", "label", "label_hi", "from", "until"}


class MasterListErrors(ValueError):
    """The master-list file is wrong; str() lists every problem as `FILE:LINE where: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MasterRow:
    """One checked item, ready to store."""

    master: str
    key: str
    label: str
    position: int
    valid_from: str | None
    valid_until: str | None
    label_hi: str | None = None


def _month_problem(value: object) -> str | None:
    try:
        Month.parse(str(value))
    except ValueError:
        return _("'%(value)s' is not a month (quote it as \"YYYY-MM\")", value=value)
    return None


def item_problems(values: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with one item's fields (key, label, label_hi, from, until), by field name."""
    problems: dict[str, str] = {}
    key, label, hindi = values.get("key"), values.get("label"), values.get("label_hi")
    if not isinstance(key, str) or not ROW_KEY[0].fullmatch(key):
        problems["key"] = _("'%(key)s' is not a row key (capitals, digits and _)", key=key)
    if not isinstance(label, str) or not label.strip():
        problems["label"] = _("a label is required")
    if hindi not in (None, "") and (not isinstance(hindi, str) or not DEVANAGARI.search(hindi)):
        problems["label_hi"] = _(
            "'%(text)s' has no Devanagari letters; write the Hindi in Devanagari, or leave label_hi out"
            " to show the English",
            text=hindi,
        )
    for name in ("from", "until"):
        wrong = _month_problem(values[name]) if values.get(name) not in (None, "") else None
        if wrong:
            problems[name] = wrong
    start, end = values.get("from"), values.get("until")
    both_months = start and end and "from" not in problems and "until" not in problems
    if both_months and Month.parse(str(start)) > Month.parse(str(end)):
        problems["until"] = _("'until' %(until)s is before 'from' %(start)s", until=end, start=start)
    return problems


def _check_item(item: object, master: str, position: int, line: int, problems: list[str]):
    where = f"{master}[{position}]"
    if not isinstance(item, LineDict):
        shape = _("an item is a mapping {key, label, label_hi?, from?, until?}")
        problems.append(f"{line} {where}: {shape}")
        return None
    for unknown in sorted(set(item) - ITEM_KEYS, key=str):
        problems.append(f"{item.key_line(unknown)} {where}.{unknown}: " + _("unknown key"))
    wrong = item_problems(item)
    for name, message in wrong.items():
        problems.append(f"{item.line_of(name)} {where}.{name}: {message}")
    if "key" in wrong or "label" in wrong:
        return None
    hindi = item.get("label_hi") or None
    start, end = item.get("from"), item.get("until")
    return MasterRow(
        master,
        str(item["key"]),
        str(item["label"]),
        position,
        str(start) if start else None,
        str(end) if end else None,
        hindi,
    )


def read_masters(text: str, declared: Collection[str]) -> tuple[LineDict, list[MasterRow], list[str]]:
    """The file's lists, its items that are right, and every problem found (`LINE where: message`)."""
    try:
        data = parse_yaml(text)
    except YamlError as error:
        return LineDict(1), [], [f"{error.line} {error.message}"]
    data = data if data is not None else LineDict(1)
    if not isinstance(data, LineDict):
        return LineDict(1), [], ["1 " + _("the file maps each master list's code to its items")]
    problems: list[str] = []
    rows: list[MasterRow] = []
    for master, items in data.items():
        if master not in declared:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(
                f"{data.key_line(master)} {master}: "
                + _("not a master list declared in the definitions (%(known)s)", known=known)
            )
        if not isinstance(items, LineList):
            problems.append(f"{data.line_of(master)} {master}: " + _("the items are a list"))
            continue
        seen: set[str] = set()
        for position, item in enumerate(items):
            row = _check_item(item, str(master), position, items.line_of(position), problems)
            if row is not None and row.key in seen:
                problems.append(
                    f"{items.line_of(position)} {master}[{position}].key: "
                    + _("'%(key)s' is repeated", key=row.key)
                )
            elif row is not None:
                seen.add(row.key)
                rows.append(row)
    return data, rows, problems


def check_masters(text: str, declared: Collection[str], source: str = "masters.yaml") -> list[MasterRow]:
    """Every item of the file, checked; raises MasterListErrors listing every problem found."""
    _data, rows, problems = read_masters(text, declared)
    if problems:
        raise MasterListErrors([f"{source}:{problem}" for problem in problems])
    return rows


def store_masters(rows: list[MasterRow]) -> int:
    """Create or update the checked items; returns the count (the caller commits)."""
    if not rows:
        return 0
    existing = {(m.master, m.key): m for m in db.session.execute(select(MasterItem)).scalars()}
    for item in rows:
        row = existing.get((item.master, item.key)) or MasterItem(master=item.master, key=item.key)
        row.label, row.label_hi, row.position = item.label, item.label_hi, item.position
        row.valid_from, row.valid_until = item.valid_from, item.valid_until
        db.session.add(row)
    return len(rows)


def load_master_file(path: str | Path, declared: Collection[str]) -> int:
    """Check the whole file, then load it; nothing is loaded if any problem is found."""
    path = Path(path)
    return store_masters(check_masters(path.read_text(encoding="utf-8"), declared, path.name))
