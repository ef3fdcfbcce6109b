"""Write and verify the hash-chained audit trail: one chain per office, one global chain.

Each event's hash covers its content and the previous event's hash in its chain, so
altering, deleting, inserting or back-dating any event breaks that chain. The event is
written in the same transaction as the change it records.

**Which chain** (`chain_for`, the one rule): an event about an office's return,
correction or remark goes to that office's chain `office:<code>` — a return's key
(`return:<format>:<office>:<month>`) names its office, and callers pass `office=` for
the other objects of an office (corrections); everything else (users, logins, accounts,
messaging, helpdesk, refused requests, bulk-load summaries, anchors) goes to the global
chain. Appends lock only their chain's head row (`mpr_audit_head`, one row per chain),
so saves of different offices never wait on each other. A batch (`record_many`) locks
the heads it needs in name order, the global head always last; every transaction locks
office heads before the global head, so appends do not deadlock each other.

**First write to a chain**: its head is created by INSERT ... ON CONFLICT DO NOTHING and
then locked with SELECT ... FOR UPDATE. Of two concurrent first writers, the second's
insert waits for the first transaction and then does nothing; its SELECT then sees the
committed head (or, if the first rolled back, its own new row): the chain cannot fork.

**Hashes**: global-chain events hash exactly as the single chain did before per-office
chains (migration 0006 moved every existing event into the global chain unchanged);
events of any other chain also hash their chain's name, so an event cannot be moved
between chains.

**Anchors**: the global chain holds `anchor` events, each recording an office chain's
head (chain, seq, hash). Deleting the tail of an office chain and rewinding (or deleting)
its head is found by `verify` as long as an anchor names an event that is gone or
changed. Anchors are written (a) in the same transaction whenever an append takes an
office chain past a multiple of `MPR_AUDIT_ANCHOR_EVERY` (100) events — so only one save
in N takes the global head, never every save — and (b) by `flask mpr anchor-audit`, for
every chain that moved since its last anchor; run it from the scheduler (every few
minutes, with `remind` and `deliver`) and before a `verify-audit` meant to close a
period. What was appended after the last anchor is protected by the head row alone.
`MPR_AUDIT_SINGLE_CHAIN` forces every event into the global chain (the benchmark's
comparison with the old single head).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models.audit import GLOBAL_CHAIN, AuditEvent, AuditHead

GENESIS = "0" * 64
ANCHOR_ACTION, ANCHOR_TYPE, ANCHOR_ACTOR = "anchor", "audit-chain", "audit"
OFFICE_PREFIX = "office:"


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def to_json(value: Any) -> str | None:
    """Canonical JSON (sorted keys) for before/after payloads."""
    return None if value is None else json.dumps(value, sort_keys=True, default=_json_default)


def event_hash(event: AuditEvent | SimpleNamespace) -> str:
    """The hash of an event's content chained to its predecessor (office chains hash their name too)."""
    payload = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_key": event.object_key,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    chain = getattr(event, "chain", None) or GLOBAL_CHAIN
    if chain != GLOBAL_CHAIN:  # the global chain hashes as the single chain always did
        payload["chain"] = chain
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _config(name: str, default: Any) -> Any:
    return current_app.config.get(name, default) if has_app_context() else default


def office_chain(office_code: str) -> str:
    """The name of an office's chain."""
    return f"{OFFICE_PREFIX}{office_code}"


def chain_for(object_type: str, object_key: str, office: str | None = None) -> str:
    """The chain an event belongs to: its office's (given, or named by a return's key), else global."""
    if _config("MPR_AUDIT_SINGLE_CHAIN", False):
        return GLOBAL_CHAIN
    if office is None and object_type == "return":
        office = object_key.split(":")[2]  # return:<format>:<office>:<month>
    return office_chain(office) if office else GLOBAL_CHAIN


@dataclass(frozen=True)
class PendingEvent:
    """An event to append: who did what to which object (of which office), with before/after payloads."""

    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_key: str
    before: Any = None
    after: Any = None
    reason: str | None = None
    office: str | None = None  # the office the event is about, when its key does not say

    @property
    def chain(self) -> str:
        """The chain this event goes to."""
        return chain_for(self.object_type, self.object_key, self.office)


def _lock_order(chain: str) -> tuple[bool, str]:
    return chain == GLOBAL_CHAIN, chain  # office heads in name order, the global head last


def _locked(chains: list[str]) -> dict[str, AuditHead]:
    query = select(AuditHead).where(AuditHead.chain.in_(chains)).order_by(AuditHead.chain).with_for_update()
    return {head.chain: head for head in db.session.execute(query).scalars()}


def _insert_heads_if_missing(chains: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: a concurrent first writer's head wins, never a second one."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    rows = [{"chain": chain, "seq": 0, "hash": GENESIS} for chain in chains]
    db.session.execute(dialect_insert(AuditHead.__table__).values(rows).on_conflict_do_nothing())


def _heads(chains: Iterable[str]) -> dict[str, AuditHead]:
    """The heads of these chains, locked (created when missing), office heads first, global last."""
    heads: dict[str, AuditHead] = {}
    for group in (
        sorted({c for c in chains if c != GLOBAL_CHAIN}),
        [GLOBAL_CHAIN] if GLOBAL_CHAIN in set(chains) else [],
    ):
        if not group:
            continue
        found = _locked(group)
        missing = [c for c in group if c not in found]
        if missing:
            _insert_heads_if_missing(missing)
            found.update(_locked(missing))
        heads.update(found)
    return heads


def _chained(pending: PendingEvent, chain: str, seq: int, at: dt.datetime, prev_hash: str) -> dict[str, Any]:
    """The stored fields of the next event, its hash included."""
    fields = {
        "chain": chain,
        "seq": seq,
        "at": at,
        "actor_id": pending.actor_id,
        "actor": pending.actor,
        "action": pending.action,
        "object_type": pending.object_type,
        "object_key": pending.object_key[:160],
        "before": to_json(pending.before),
        "after": to_json(pending.after),
        "reason": pending.reason,
        "prev_hash": prev_hash,
    }
    fields["hash"] = event_hash(SimpleNamespace(**fields))
    return fields


def _append_time(head: AuditHead) -> dt.datetime:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return max(now, head.at) if head.at is not None else now  # never earlier than the chain's last event


def record(
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_key: str,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    *,
    office: str | None = None,
) -> AuditEvent:
    """Append one event to its chain in the current transaction (the caller commits)."""
    pending = PendingEvent(actor_id, actor, action, object_type, object_key, before, after, reason, office)
    chain = pending.chain
    head = _heads([chain])[chain]
    passed = head.seq
    event = AuditEvent(**_chained(pending, chain, head.seq + 1, _append_time(head), head.hash))
    db.session.add(event)
    head.seq, head.hash, head.at = event.seq, event.hash, event.at
    _anchor_if_due({chain: (passed, head)})
    return event


def record_many(events: Iterable[PendingEvent]) -> int:
    """Append many events with one bulk insert, each chained in its own chain as `record` chains it."""
    by_chain: dict[str, list[PendingEvent]] = {}
    for pending in events:
        by_chain.setdefault(pending.chain, []).append(pending)
    if not by_chain:
        return 0
    heads = _heads(by_chain)
    rows: list[dict[str, Any]] = []
    moved: dict[str, tuple[int, AuditHead]] = {}
    for chain in sorted(by_chain, key=_lock_order):
        head = heads[chain]
        at, seq, prev_hash = _append_time(head), head.seq, head.hash
        moved[chain] = (head.seq, head)
        for pending in by_chain[chain]:
            seq += 1
            fields = _chained(pending, chain, seq, at, prev_hash)
            rows.append(fields)
            prev_hash = fields["hash"]
        head.seq, head.hash, head.at = seq, prev_hash, at
    db.session.execute(insert(AuditEvent.__table__), rows)
    _anchor_if_due(moved)
    return len(rows)


def _anchor_event(head: AuditHead) -> PendingEvent:
    after = {"chain": head.chain, "seq": head.seq, "hash": head.hash}
    return PendingEvent(None, ANCHOR_ACTOR, ANCHOR_ACTION, ANCHOR_TYPE, head.chain, None, after)


def _anchor_if_due(moved: dict[str, tuple[int, AuditHead]]) -> None:
    """Anchor every office chain these appends took past a multiple of MPR_AUDIT_ANCHOR_EVERY."""
    every = int(_config("MPR_AUDIT_ANCHOR_EVERY", 100))
    due = [
        head
        for chain, (passed, head) in sorted(moved.items())
        if chain != GLOBAL_CHAIN and every > 0 and passed // every != head.seq // every
    ]
    if due:
        record_many(_anchor_event(head) for head in due)


def _last_anchored() -> dict[str, int]:
    """Each anchored chain's sequence number at its latest anchor (from the anchors' payloads)."""
    latest = (
        select(func.max(AuditEvent.seq))
        .where(AuditEvent.chain == GLOBAL_CHAIN, AuditEvent.action == ANCHOR_ACTION)
        .group_by(AuditEvent.object_key)
    )
    query = select(AuditEvent.after).where(AuditEvent.chain == GLOBAL_CHAIN, AuditEvent.seq.in_(latest))
    return {a["chain"]: a["seq"] for a in (json.loads(t) for t in db.session.execute(query).scalars())}


def anchor_all() -> int:
    """Anchor every office chain whose head moved since its last anchor; how many were anchored."""
    _heads([GLOBAL_CHAIN])  # one anchoring run at a time
    last = _last_anchored()
    query = select(AuditHead).where(AuditHead.chain != GLOBAL_CHAIN).order_by(AuditHead.chain)
    heads = db.session.execute(query.execution_options(populate_existing=True)).scalars()
    return record_many(_anchor_event(h) for h in heads if h.seq > last.get(h.chain, 0))


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class AuditProblem:
    """One break in a chain."""

    seq: int
    problem: str
    chain: str = GLOBAL_CHAIN

    def __str__(self) -> str:
        return f"{self.chain} event {self.seq}: {self.problem}"


@dataclass
class ChainReport:
    """What verifying one chain found."""

    chain: str
    events: int = 0
    head_seq: int | None = None
    problems: list[AuditProblem] = field(default_factory=list)


@dataclass
class _Walk:
    report: ChainReport
    expected_seq: int = 1
    prev_hash: str = GENESIS
    prev_at: dt.datetime | None = None
    hashes: dict[int, str] = field(default_factory=dict)  # the anchored positions only

    def step(self, event: Any, anchored: set[int]) -> None:
        """Check one event against its predecessor."""
        problem = self.report.problems.append
        chain = self.report.chain
        self.report.events += 1
        if event.seq != self.expected_seq:
            problem(
                AuditProblem(
                    event.seq, f"expected event {self.expected_seq}: events deleted or inserted", chain
                )
            )
        if event.prev_hash != self.prev_hash:
            problem(AuditProblem(event.seq, "does not chain to the previous event", chain))
        if event.hash != event_hash(event):
            problem(AuditProblem(event.seq, "content altered (hash mismatch)", chain))
        if self.prev_at is not None and event.at < self.prev_at:
            problem(AuditProblem(event.seq, f"back-dated: {event.at} is before the previous event", chain))
        if event.seq in anchored:
            self.hashes[event.seq] = event.hash
        self.expected_seq, self.prev_hash, self.prev_at = event.seq + 1, event.hash, event.at


def _anchors() -> list[tuple[int, dict]]:
    """(global seq, {chain, seq, hash}) of every anchor event, in chain order."""
    query = (
        select(AuditEvent.seq, AuditEvent.after)
        .where(AuditEvent.chain == GLOBAL_CHAIN, AuditEvent.action == ANCHOR_ACTION)
        .order_by(AuditEvent.seq)
    )
    found = []
    for seq, after in db.session.execute(query):
        try:
            anchor = json.loads(after)
            found.append(
                (seq, {"chain": str(anchor["chain"]), "seq": int(anchor["seq"]), "hash": anchor["hash"]})
            )
        except (TypeError, ValueError, KeyError):
            found.append((seq, {"chain": "?", "seq": 0, "hash": ""}))
    return found


def verify_chains() -> list[ChainReport]:
    """Walk every chain and check every anchor against its chain; one report per chain, global first."""
    anchors = _anchors()
    anchored: dict[str, set[int]] = {}
    for _seq, anchor in anchors:
        anchored.setdefault(anchor["chain"], set()).add(anchor["seq"])
    walks: dict[str, _Walk] = {}
    events = AuditEvent.__table__
    query = select(events).order_by(events.c.chain, events.c.seq).execution_options(yield_per=2000)
    for event in db.session.execute(query):  # plain rows: nothing piles up in the session
        walk = walks.get(event.chain) or walks.setdefault(event.chain, _Walk(ChainReport(event.chain)))
        walk.step(event, anchored.get(event.chain, set()))
    heads = {h.chain: h for h in db.session.execute(select(AuditHead)).scalars()}
    for chain in set(heads) | set(anchored) | {GLOBAL_CHAIN}:
        walks.setdefault(chain, _Walk(ChainReport(chain)))
    for chain, walk in walks.items():
        _check_head(walk, heads.get(chain))
    for seq, anchor in anchors:
        _check_anchor(walks[GLOBAL_CHAIN].report, seq, anchor, walks[anchor["chain"]])
    return sorted((w.report for w in walks.values()), key=lambda r: (r.chain != GLOBAL_CHAIN, r.chain))


def _check_head(walk: _Walk, head: AuditHead | None) -> None:
    report, last_seq = walk.report, walk.expected_seq - 1
    report.head_seq = head.seq if head is not None else None
    if head is None:
        if report.events:
            report.problems.append(
                AuditProblem(last_seq, "the chain has events but no head (head removed)", report.chain)
            )
    elif head.seq != last_seq or head.hash != walk.prev_hash:
        report.problems.append(
            AuditProblem(
                head.seq, "the chain's head does not match its last event (events removed)", report.chain
            )
        )


def _check_anchor(global_report: ChainReport, seq: int, anchor: dict, walk: _Walk) -> None:
    found = walk.hashes.get(anchor["seq"])
    if found == anchor["hash"]:
        return
    what = "is gone (events removed)" if found is None else "no longer has the anchored hash"
    global_report.problems.append(
        AuditProblem(seq, f"anchor: {anchor['chain']} event {anchor['seq']} {what}", GLOBAL_CHAIN)
    )


def verify() -> tuple[int, list[AuditProblem]]:
    """Walk every chain; (events checked, problems found)."""
    reports = verify_chains()
    return sum(r.events for r in reports), [p for r in reports for p in r.problems]


def history(object_key_prefix: str) -> list[AuditEvent]:
    """Events about one object (e.g. a return), oldest first.

    Ordered by time, then chain and sequence: within a chain times never go backwards
    along the sequence, so this is the chain's order (a batch shares one time: the
    sequence breaks the tie); events of different chains interleave by time.
    """
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_key.startswith(object_key_prefix))
            .order_by(AuditEvent.at, AuditEvent.chain, AuditEvent.seq)
        ).scalars()
    )
