"""A national-size synthetic organisation and years of returns, for benchmarks.

Deterministic: the same plan (seed and last month; the last month defaults to the
month just ended) always gives the same offices and the same cells. Offices and
returns are written with bulk Core inserts (executemany, batched), never one ORM
object at a time. Every generated row satisfies its format: computed
cells come from `calculation.compute_row`, openings are last month's closings, and the
values are drawn so that every check passes (see `app.demo.synthetic_values`).
The national data bypasses the workflow: no audit events or revisions are written for
it. A `story` (see `app.demo.history`) may decide instead which returns exist, their
status and times, and an `on_batch` hook may write audit events in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from graphlib import CycleError, TopologicalSorter
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import insert, select

from app.definitions.months import Month, in_force
from app.definitions.schema import SINGLE_ROW_KEY, TOTAL_ROW_KEY, DefinitionSet, FormatDef
from app.demo.owner_targets import drawn_targets, owner_set_fate
from app.demo.synthetic_values import RowMaker, with_rows
from app.extensions import db
from app.models.feeds import ReturnFeed
from app.models.masters import MasterItem
from app.models.org import Office, OfficeKind
from app.models.returns import MprReturn, ReturnStatus
from app.security.policy import ENTERING_KINDS, applies_to
from app.services.accounts.seeding import load_masters
from app.services.engine import catalogue
from app.services.engine.calculation import total_cells
from app.services.engine.grid import last_open_month

BOARD_CODE = "CBIC"
ZONE_PREFIX = "NZ"
# Zone streams cycle so that even 3 zones cover Customs, CE+GST and ST+GST.
ZONE_STREAMS = (("CE", "GST"), ("CUS",), ("ST", "GST"), ("CE", "GST"), ("CE", "GST"))
STREAM_NAMES = {"CUS": "Customs", "CE": "CGST & Central Excise", "ST": "Service Tax & GST"}
# 12 commissionerates per zone: 8 executive, 2 audit, 1 appeals, 1 LTU (audit in Customs).
FUNCTION_CYCLE = (
    *("executive", "audit", "executive", "executive", "appeals", "executive"),
    *("executive", "ltu", "executive", "audit", "executive", "executive"),
)
CITIES = (
    *("Mumbai", "Delhi", "Chennai", "Kolkata", "Bengaluru", "Hyderabad", "Ahmedabad", "Pune"),
    *("Jaipur", "Lucknow", "Bhopal", "Bhubaneswar", "Chandigarh", "Kochi", "Guwahati", "Ranchi"),
    *("Patna", "Nagpur", "Vadodara", "Visakhapatnam", "Coimbatore", "Meerut", "Ludhiana", "Indore"),
    "Thiruvananthapuram",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class NationalDataExists(RuntimeError):
    """The national data set is already in this database."""


@dataclass(frozen=True)
class NationalPlan:
    """How big the synthetic organisation and its history are (defaults: national size)."""

    zones: int = 25
    commissionerates_per_zone: int = 12
    divisions_per_commissionerate: int = 5  # executive commissionerates only
    ranges_per_division: int = 4
    dg_units_per_hq: int = 12
    months: int = 24
    last_month: Month | None = None  # default: the last month that may be filed
    seed: int = 2026
    batch_size: int = 2000  # returns per bulk insert
    free_rows_max: int = 3  # rows per return of free-row formats: 0..this


@dataclass(frozen=True)
class OfficeSpec:
    """One office to create; `parent` is the parent's code."""

    code: str
    name: str
    kind: str
    parent: str | None = None
    segments: str = ""
    function: str | None = None
    owner_code: str | None = None
    city: str | None = None


# ------------------------------------------------------------------ organisation


def _dg_owners(definitions: DefinitionSet) -> dict[str, str]:
    """Owners whose formats DG zonal units fill (they are DG HQs), with their streams."""
    found: dict[str, set[str]] = {}
    for fmt in definitions.formats.values():
        if "dg_unit" in fmt.filled_by:
            found.setdefault(fmt.owner, set()).add(fmt.segment)
    return {owner: " ".join(sorted(streams)) for owner, streams in found.items()}


def _top_offices(definitions: DefinitionSet, plan: NationalPlan) -> Iterator[OfficeSpec]:
    yield OfficeSpec(BOARD_CODE, "Central Board of Indirect Taxes and Customs", OfficeKind.BOARD)
    dg_owners = _dg_owners(definitions)
    for code, owner in definitions.owners.items():
        title = owner.title.split(" - ", 1)[-1]
        if code not in dg_owners:
            yield OfficeSpec(code, title, OfficeKind.OWNER, owner_code=code, city="New Delhi")
            continue
        yield OfficeSpec(code, f"{title}, Headquarters", OfficeKind.DG_HQ, owner_code=code, city="New Delhi")
        for unit in range(1, plan.dg_units_per_hq + 1):
            city = CITIES[(unit - 1) % len(CITIES)]
            name = f"{code} {city} Zonal Unit {unit}"
            yield OfficeSpec(
                f"{code}-U{unit:02d}", name, OfficeKind.DG_UNIT, code, dg_owners[code], city=city
            )


def _commissionerate_function(index: int, streams: tuple[str, ...]) -> str:
    function = FUNCTION_CYCLE[index % len(FUNCTION_CYCLE)]
    return "audit" if function == "ltu" and "CUS" in streams else function


def _zone_offices(zone: int, plan: NationalPlan) -> Iterator[OfficeSpec]:
    streams = ZONE_STREAMS[zone % len(ZONE_STREAMS)]
    segments, city = " ".join(streams), CITIES[zone % len(CITIES)]
    stream_name = STREAM_NAMES[streams[0]]
    zone_code = f"{ZONE_PREFIX}{zone + 1:02d}"
    yield OfficeSpec(zone_code, f"{city} {stream_name} Zone", OfficeKind.ZONE, None, segments, city=city)
    for index in range(plan.commissionerates_per_zone):
        function = _commissionerate_function(index, streams)
        code = f"{zone_code}-C{index + 1:02d}"
        label = {"executive": "", "audit": " Audit", "appeals": " (Appeals)", "ltu": " (LTU)"}[function]
        name = f"Commissionerate of {stream_name}{label}, {city}-{ROMAN[index % len(ROMAN)]}"
        kind = OfficeKind.COMMISSIONERATE
        yield OfficeSpec(code, name, kind, zone_code, segments, function, city=city)
        if function != "executive":
            continue
        for division in range(1, plan.divisions_per_commissionerate + 1):
            div_code = f"{code}-D{division:02d}"
            name = f"Division-{ROMAN[(division - 1) % len(ROMAN)]}, {city}"
            yield OfficeSpec(div_code, name, OfficeKind.DIVISION, code, segments, city=city)
            for rng in range(1, plan.ranges_per_division + 1):
                name = f"Range-{ROMAN[(rng - 1) % len(ROMAN)]}, Division-{division}, {city}"
                yield OfficeSpec(f"{div_code}-R{rng:02d}", name, OfficeKind.RANGE, div_code, segments)


def national_offices(definitions: DefinitionSet, plan: NationalPlan) -> list[OfficeSpec]:
    """Every office of the plan, parents before children."""
    specs = list(_top_offices(definitions, plan))
    for zone in range(plan.zones):
        specs.extend(_zone_offices(zone, plan))
    return specs


def insert_offices(specs: list[OfficeSpec]) -> dict[str, int]:
    """Bulk-insert the offices not yet present (level by level); code -> id of every spec."""
    table = Office.__table__
    known = {
        code: (oid, path)
        for oid, code, path in db.session.execute(select(Office.id, Office.code, Office.path))
    }
    pending = [spec for spec in specs if spec.code not in known]
    while pending:
        ready = [s for s in pending if s.parent is None or s.parent in known]
        if not ready:
            raise ValueError(f"offices with unknown parents: {sorted(s.code for s in pending)[:5]}")
        records = [_office_record(spec, known) for spec in ready]
        result = db.session.execute(
            insert(table).returning(table.c.id, table.c.code, table.c.path, sort_by_parameter_order=True),
            records,
        )
        known.update({code: (oid, path) for oid, code, path in result})
        done = {s.code for s in ready}
        pending = [s for s in pending if s.code not in done]
    return {spec.code: known[spec.code][0] for spec in specs}


def _office_record(spec: OfficeSpec, known: dict[str, tuple[int, str]]) -> dict[str, Any]:
    parent_id, parent_path = known[spec.parent] if spec.parent else (None, "/")
    return {
        "code": spec.code,
        "name": spec.name,
        "kind": str(spec.kind),
        "parent_id": parent_id,
        "path": f"{parent_path}{spec.code}/",
        "segments": spec.segments,
        "function": spec.function,
        "owner_code": spec.owner_code,
        "city": spec.city,
        "active": True,
    }


# ------------------------------------------------------------------ returns


def plan_months(plan: NationalPlan) -> list[Month]:
    """The months generated, oldest first, ending at the plan's last month."""
    last = plan.last_month or last_open_month()
    return [last.shift(-offset) for offset in range(plan.months - 1, -1, -1)]


def _master_items() -> dict[str, list[tuple[str, Month | None, Month | None]]]:
    found: dict[str, list[tuple[str, Month | None, Month | None]]] = {}
    query = select(MasterItem).order_by(MasterItem.master, MasterItem.position)
    for item in db.session.execute(query).scalars():
        start = Month.parse(item.valid_from) if item.valid_from else None
        end = Month.parse(item.valid_until) if item.valid_until else None
        found.setdefault(item.master, []).append((item.key, start, end))
    return found


def _row_keys(fmt: FormatDef, month: Month, masters, rng: random.Random, free_max: int) -> list[str]:
    kind = fmt.rows.kind
    if kind == "single":
        return [SINGLE_ROW_KEY]
    if kind == "free":
        return [f"R{i}" for i in range(1, rng.randint(0, free_max) + 1)]
    if kind == "master":
        return [key for key, start, end in masters.get(fmt.rows.master, []) if in_force(month, start, end)]
    return [row.key for row in fmt.rows_in_force(month) if not row.is_total]


class Story(Protocol):
    """Decides, return by return, whether it was filed, its status and its times."""

    def fate(self, office: Office, fmt: FormatDef, month: Month) -> dict[str, Any] | None:
        """Status and time stamps of the return, or None when it was never filed."""


@dataclass(frozen=True)
class NationalStory:
    """Every month validated except the last, which is a draft."""

    last: Month

    def fate(self, office: Office, fmt: FormatDef, month: Month) -> dict[str, Any] | None:
        """Validated (a week to submit, three days to validate); the last month a draft."""
        status = ReturnStatus.DRAFT if month == self.last else ReturnStatus.VALIDATED
        return {"status": str(status), **_stamps(month, status)}


def _stamps(month: Month, status: str) -> dict[str, Any]:
    created = dt.datetime.combine(month.next().first_day, dt.time(10, 30))  # never after today
    if status == ReturnStatus.DRAFT:
        return {"created_at": created, "updated_at": created, "submitted_at": None, "validated_at": None}
    submitted = created + dt.timedelta(days=7)
    validated = submitted + dt.timedelta(days=3)
    return {
        "created_at": created,
        "updated_at": validated,
        "submitted_at": submitted,
        "validated_at": validated,
    }


Written = list[tuple[int, dict, FormatDef, dict[str, tuple[int, dict]]]]  # return id, header, format, rows


class _BulkWriter:
    """Collects returns with their rows and writes them in batches (executemany)."""

    def __init__(self, batch_size: int, on_batch: Callable[[Written], None] | None = None) -> None:
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.pending: list[tuple[dict, FormatDef, dict[str, tuple[int, dict]]]] = []
        self.returns = 0
        self.rows = 0

    def add(self, header: dict, fmt: FormatDef, rows: dict[str, tuple[int, dict]]) -> None:
        """Queue one return; writes a batch when enough are queued."""
        self.pending.append((header, fmt, rows))
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write every queued return and its rows, then commit."""
        if not self.pending:
            return
        table = MprReturn.__table__
        ids = (
            db.session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True),
                [header for header, _fmt, _rows in self.pending],
            )
            .scalars()
            .all()
        )
        by_format: dict[str, list[dict]] = {}
        for return_id, (_header, fmt, rows) in zip(ids, self.pending, strict=True):
            by_format.setdefault(fmt.code, []).extend(
                {
                    "return_id": return_id,
                    "row_key": key,
                    "position": position,
                    **{c.db_name: cells.get(c.code) for c in fmt.columns},
                }
                for key, (position, cells) in rows.items()
            )
        formats = {fmt.code: fmt for _h, fmt, _r in self.pending}
        for code, records in by_format.items():
            if records:
                db.session.execute(insert(catalogue.table_of(formats[code])), records)
        if self.on_batch is not None:
            self.on_batch([(rid, *item) for rid, item in zip(ids, self.pending, strict=True)])
        self.returns += len(self.pending)
        self.rows += sum(len(records) for records in by_format.values())
        self.pending.clear()
        db.session.commit()


def record_feeds(written: Written) -> None:
    """The feed of each written return of a fed format, by each of its sources, an hour before it was
    made (the national data set's `on_batch`: the demo history records its own, with audit events)."""
    feeds = [
        {"return_id": return_id, "source": source, "fed_at": header["created_at"] - dt.timedelta(hours=1)}
        | {"fed_by_name": f"{source} feed"}
        for return_id, header, fmt, _rows in written
        for source in fmt.sources_in_force(Month.of(header["period"]))
    ]
    if feeds:
        db.session.execute(insert(ReturnFeed), feeds)


@dataclass
class _OfficeHistory:
    """Last month's rows of each format for one office (the carried openings)."""

    rows: dict[str, tuple[Month, dict[str, dict]]]

    def previous(self, fmt: FormatDef, month: Month) -> dict[str, dict] | None:
        code = fmt.replaces if fmt.replaces and fmt.valid_from == month else fmt.code
        found = self.rows.get(code)
        return found[1] if found is not None and found[0] == month.prev() else None


FLIPPED = {"==": "==", "<=": ">=", ">=": "<="}  # `other op mine` read from mine's side


def _targets(fmt: FormatDef, month: Month, history: _OfficeHistory) -> dict[str, dict[str, tuple]]:
    """{row: {column: (op, value)}} that `fmt`'s data rows must meet so that its ==, <= and >= checks
    across formats hold against the other formats' rows made this month (total rows recomputed)."""
    found: dict[str, dict[str, Decimal]] = {}
    for check in catalogue.definitions().cross_checks_of(fmt.code, month):
        mine, theirs = check.side_of(fmt.code)
        other = catalogue.definitions().format(theirs.format)
        made = history.rows.get(other.code)
        if check.op not in FLIPPED or made is None or made[0] != month or not _is_data_row(fmt, mine.row):
            continue
        value = _cell_of(other, month, made[1], theirs.row).get(theirs.column)
        op = check.op if mine == check.left else FLIPPED[check.op]
        if value is not None:
            found.setdefault(mine.row, {})[mine.column] = (op, Decimal(value))
    return found


def _is_data_row(fmt: FormatDef, key: str) -> bool:
    return key != TOTAL_ROW_KEY and not key.endswith(f".{TOTAL_ROW_KEY}")


def _cell_of(fmt: FormatDef, month: Month, rows: dict[str, dict], key: str) -> dict[str, Any]:
    """A row of cells made for `fmt`, a total row recomputed from its members."""
    if key in rows:
        return rows[key]
    total = next((row for row in fmt.rows_in_force(month) if row.key == key), None)
    members = total.members if total is not None and total.members else tuple(rows)
    return total_cells(fmt, month, (rows[k] for k in members if k in rows))


def generation_order(formats: list[FormatDef]) -> list[FormatDef]:
    """The formats by code, except that a format whose data row must meet another format's figure
    (a check across formats) comes after that format: the declaring one when both sides are data rows."""
    by_code = {fmt.code: fmt for fmt in formats}
    after: dict[str, set[str]] = {code: set() for code in sorted(by_code)}
    for fmt in formats:
        for check in fmt.cross_checks:
            left, right = check.left, check.right
            if _is_data_row(fmt, left.row) and right.format in by_code:
                after[left.format].add(right.format)
            elif _is_data_row(by_code.get(right.format, fmt), right.row) and right.format in by_code:
                after[right.format].add(left.format)
    try:
        order = list(TopologicalSorter(after).static_order())
    except CycleError:  # checks pulling both ways: no row follows the other, each is made on its own
        order = sorted(by_code)
    return [by_code[code] for code in order]


def _office_returns(office: Office, formats, months, masters, plan: NationalPlan, writer, story: Story):
    rng = random.Random(f"{plan.seed}:{office.code}")  # noqa: S311 - synthetic data, not security
    scale = rng.uniform(0.4, 2.5)  # offices differ in size
    history = _OfficeHistory({})
    for month in months:
        for fmt in formats:
            fate = _fate(story, office, fmt, month)
            if fate is None:
                continue
            previous = history.previous(fmt, month)
            first = previous is None and fmt.code not in history.rows
            maker = RowMaker.of(fmt, month)
            keys = _row_keys(fmt, month, masters, rng, plan.free_rows_max)
            targets = _targets(fmt, month, history)
            before = previous or {}
            cells = {key: maker.make(rng, scale, before.get(key), first, targets.get(key)) for key in keys}
            if fmt.set_by_owner:  # a target: drawn from the office's own figures of the format achieving it
                drawn = random.Random(f"{plan.seed}:target:{office.code}:{month}")  # noqa: S311 - synthetic
                cells = drawn_targets(fmt, month, history.rows, drawn) or cells
            cells = with_rows(fmt, month, cells, previous)
            history.rows[fmt.code] = (month, cells)
            header = {
                "format_code": fmt.code,
                "office_id": office.id,
                "period": month.first_day,
                "version": 1,
                "revision": 1,
                "opening_entered": first and fmt.has_carry,
                "amended": False,
                **fate,
            }
            writer.add(header, fmt, {key: (pos, row) for pos, (key, row) in enumerate(cells.items())})


def _fate(story: Story, office: Office, fmt: FormatDef, month: Month) -> dict[str, Any] | None:
    """The story's fate of a return the office files; a target its owner sets (set_by: owner) is set
    for every year, as validated, before the year begins."""
    if fmt.set_by_owner:
        return owner_set_fate(month) if fmt.keyed_in(month) else None
    return story.fate(office, fmt, month) if fmt.filed_in_cycle(month) else None


def generate_returns(
    office_ids: list[int],
    plan: NationalPlan,
    story: Story | None = None,
    on_batch: Callable[[Written], None] | None = None,
) -> dict[str, int]:
    """Returns of every applicable format for the offices, month after month, in bulk."""
    definitions = catalogue.definitions()
    formats = generation_order(list(definitions.formats.values()))
    months = plan_months(plan)
    story = story or NationalStory(months[-1])
    masters = _master_items()
    offices = db.session.execute(
        select(Office).where(Office.id.in_(office_ids), Office.kind.in_(ENTERING_KINDS)).order_by(Office.code)
    ).scalars()
    writer = _BulkWriter(plan.batch_size, on_batch)
    entering = 0
    for office in offices:
        entering += 1
        applicable = [fmt for fmt in formats if applies_to(fmt, office)]
        _office_returns(office, applicable, months, masters, plan, writer, story)
    writer.flush()
    return {"entering offices": entering, "returns": writer.returns, "rows": writer.rows}


def generate_national(plan: NationalPlan | None = None) -> dict[str, int]:
    """Create the national organisation and its returns; refuses to run twice on one database."""
    plan = plan or NationalPlan()
    definitions = catalogue.definitions()
    first_zone = f"{ZONE_PREFIX}01"
    if db.session.execute(select(Office.id).where(Office.code == first_zone)).first() is not None:
        raise NationalDataExists(f"office {first_zone} exists: the national data set is already loaded")
    load_masters(current_app.config["MPR_MASTERS"])
    specs = national_offices(definitions, plan)
    ids = insert_offices(specs)
    db.session.commit()
    counts: dict[str, int] = {}
    for kind in OfficeKind:
        counts[f"{kind.value} offices"] = sum(1 for spec in specs if spec.kind == kind)
    national_ids = [ids[spec.code] for spec in specs if spec.kind in ENTERING_KINDS]
    counts.update(generate_returns(national_ids, plan, on_batch=record_feeds))
    return counts


__all__ = [
    "NationalDataExists",
    "NationalPlan",
    "NationalStory",
    "OfficeSpec",
    "generate_national",
    "generate_returns",
    "insert_offices",
    "national_offices",
    "plan_months",
    "Story",
    "Written",
]
