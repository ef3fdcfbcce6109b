"""Change master lists as data, plan first: what a new list of items adds, changes and removes.

A list named in a file (or edited on the administrator's page) is replaced by the items
given, in their order. Figures are never orphaned: an item that has figures in some
return is never removed and never put out of force for a month that has them (end it
with `until` instead), and an item is never brought into force for a month whose returns
were already filed without it (give it `from`: the first month it applies to).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.definitions.months import Month, in_force
from app.extensions import db
from app.models.masters import MasterItem
from app.models.returns import MprReturn
from app.services import audit
from app.services.accounts.masters import MasterListErrors, MasterRow, read_masters
from app.services.engine import catalogue

FIELDS = ("label", "label_hi", "position", "valid_from", "valid_until")


@dataclass(frozen=True)
class ItemChange:
    """One item added, changed (with the fields that change) or removed."""

    master: str
    key: str
    action: str  # "add" | "change" | "remove"
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the plan: '+ LIST.KEY', '~ LIST.KEY: label, until', '- LIST.KEY'."""
        sign = {"add": "+", "change": "~", "remove": "-"}[self.action]
        detail = f": {', '.join(self.after)}" if self.action == "change" else ""
        return f"{sign} {self.master}.{self.key}{detail}"


@dataclass(frozen=True)
class ListUse:
    """The months that have returns of a list's formats, and each item's months with figures."""

    filed_months: frozenset[Month]
    item_months: dict[str, frozenset[Month]]

    def returns_of(self, key: str) -> int:
        """How many months hold figures for the item (0: it may be removed)."""
        return len(self.item_months.get(key, ()))


@dataclass
class ListPlan:
    """What replacing the items of some lists would do, and why it may not."""

    changes: list[ItemChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _month(text: str | None) -> Month | None:
    return Month.parse(text) if text else None


def _span(first: Iterable[Month]) -> str:
    months = sorted(first)
    return str(months[0]) if len(months) == 1 else f"{months[0]} .. {months[-1]}"


def list_use(master: str) -> ListUse:
    """Which months have returns of the formats built on `master`, and which items have figures when."""
    filed: set[Month] = set()
    items: dict[str, set[Month]] = {}
    for fmt in catalogue.definitions().formats.values():
        if fmt.rows.kind != "master" or fmt.rows.master != master:
            continue
        filed.update(
            Month.of(period)
            for period in db.session.execute(
                select(MprReturn.period).where(MprReturn.format_code == fmt.code).distinct()
            ).scalars()
        )
        table = catalogue.table_of(fmt)
        held = db.session.execute(
            select(table.c.row_key, MprReturn.period)
            .join(MprReturn, MprReturn.id == table.c.return_id)
            .group_by(table.c.row_key, MprReturn.period)
        )
        for key, period in held:
            items.setdefault(key, set()).add(Month.of(period))
    return ListUse(frozenset(filed), {key: frozenset(months) for key, months in items.items()})


def _as_fields(row: MasterRow | MasterItem) -> dict:
    return {name: getattr(row, name) or None for name in FIELDS} | {"position": row.position}


def _item_problems(row: MasterRow, old: MasterItem | None, use: ListUse, where: str) -> list[str]:
    """Figures left outside the item's months, or filed months the item would newly join."""
    start, end = _month(row.valid_from), _month(row.valid_until)
    held = use.item_months.get(row.key, frozenset())
    outside = {m for m in held if not in_force(m, start, end)}
    problems = []
    if outside:
        problems.append(
            f"{where}: "
            + _(
                "%(key)s has figures for %(months)s, outside its from/until; keep those months in force",
                key=row.key,
                months=_span(outside),
            )
        )
    old_start, old_end = (_month(old.valid_from), _month(old.valid_until)) if old else (None, None)

    def was_in_force(month: Month) -> bool:
        return old is not None and in_force(month, old_start, old_end)

    joined = {m for m in use.filed_months - held if in_force(m, start, end) and not was_in_force(m)}
    if joined:
        first_free = max(use.filed_months).next()
        problems.append(
            f"{where}: "
            + _(
                "returns for %(months)s were filed without %(key)s and would show it empty;"
                ' give it from: "%(first)s" (the first month with no return filed)',
                months=_span(joined),
                key=row.key,
                first=first_free,
            )
        )
    return problems


def plan_list(master: str, rows: list[MasterRow], where_of: dict[str, str] | None = None) -> ListPlan:
    """What replacing the items of `master` by `rows` (in this order) would do, and every problem."""
    where_of = where_of or {}
    existing = {
        item.key: item
        for item in db.session.execute(select(MasterItem).where(MasterItem.master == master)).scalars()
    }
    use = list_use(master)
    plan = ListPlan()
    for position, row in enumerate(rows):
        row = MasterRow(master, row.key, row.label, position, row.valid_from, row.valid_until, row.label_hi)
        where = where_of.get(row.key, f"{master}.{row.key}")
        old = existing.get(row.key)
        plan.problems += _item_problems(row, old, use, where)
        after = _as_fields(row)
        if old is None:
            plan.changes.append(ItemChange(master, row.key, "add", {}, after))
            continue
        before = _as_fields(old)
        changed = [name for name in FIELDS if before[name] != after[name]]
        if changed:
            plan.changes.append(
                ItemChange(
                    master, row.key, "change", {n: before[n] for n in changed}, {n: after[n] for n in changed}
                )
            )
    listed = {row.key for row in rows}
    for key in sorted(set(existing) - listed, key=lambda k: existing[k].position):
        held = use.item_months.get(key)
        if held:
            plan.problems.append(
                f"{where_of.get('', master)}: "
                + _(
                    "%(key)s has figures for %(months)s and can not be removed; keep it and end it"
                    ' with until: "%(last)s"',
                    key=key,
                    months=_span(held),
                    last=max(held),
                )
            )
        else:
            plan.changes.append(ItemChange(master, key, "remove", _as_fields(existing[key]), {}))
    return plan


def plan_file(text: str, declared: Collection[str], source: str) -> ListPlan:
    """The plan for a master-list file: every problem of the file and of its changes, with lines."""
    data, rows, problems = read_masters(text, declared)
    plan = ListPlan(problems=[f"{source}:{problem}" for problem in problems])
    if problems:
        return plan
    for master, items in data.items():
        listed = [row for row in rows if row.master == master]
        where_of = {
            row.key: f"{source}:{items.line_of(row.position)} {master}[{row.position}]" for row in listed
        }
        where_of[""] = f"{source}:{data.key_line(master)} {master}"
        found = plan_list(str(master), listed, where_of)
        plan.changes += found.changes
        plan.problems += found.problems
    return plan


def apply(plan: ListPlan, actor_id: int | None, actor: str) -> int:
    """Carry out a plan with no problem, audited item by item; returns the number of changes."""
    if plan.problems:
        raise MasterListErrors(plan.problems)
    existing = {(m.master, m.key): m for m in db.session.execute(select(MasterItem)).scalars()}
    for change in plan.changes:
        item = existing.get((change.master, change.key))
        if change.action == "remove":
            db.session.delete(item)
        else:
            item = item or MasterItem(master=change.master, key=change.key)
            for name, value in change.after.items():
                setattr(item, name, value)
            db.session.add(item)
        subject = f"{change.master}:{change.key}"
        action = f"master-item-{change.action}"
        audit.record(actor_id, actor, action, "master-item", subject, change.before, change.after)
    db.session.flush()
    return len(plan.changes)


def current_rows(master: str) -> list[MasterRow]:
    """The items of a list as stored, in order."""
    items = db.session.execute(
        select(MasterItem).where(MasterItem.master == master).order_by(MasterItem.position, MasterItem.id)
    ).scalars()
    return [
        MasterRow(master, i.key, i.label, i.position, i.valid_from, i.valid_until, i.label_hi) for i in items
    ]


def item_count(master: str) -> int:
    """How many items a list holds."""
    counted = select(func.count(MasterItem.id)).where(MasterItem.master == master)
    return db.session.execute(counted).scalar_one()
