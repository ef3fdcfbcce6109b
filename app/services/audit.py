"""Write and verify the hash-chained audit trail.

Each event's hash covers its content and the previous event's hash, so altering,
deleting, inserting or back-dating any event breaks the chain. Appends lock the single
head row, so concurrent transactions cannot fork the chain; the event is written in
the same transaction as the change it records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select

from app.extensions import db
from app.models.audit import AuditEvent, AuditHead

GENESIS = "0" * 64


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
    """The hash of an event's content chained to its predecessor."""
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
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _head() -> AuditHead:
    head = db.session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    return head


@dataclass(frozen=True)
class PendingEvent:
    """An event to append: who did what to which object, with before/after payloads."""

    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_key: str
    before: Any = None
    after: Any = None
    reason: str | None = None


def _chained(pending: PendingEvent, seq: int, at: dt.datetime, prev_hash: str) -> dict[str, Any]:
    """The stored fields of the next event, its hash included."""
    fields = {
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
    return max(now, head.at) if head.at is not None else now  # never earlier than the last event


def record(
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_key: str,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event in the current transaction (the caller commits)."""
    head = _head()
    pending = PendingEvent(actor_id, actor, action, object_type, object_key, before, after, reason)
    event = AuditEvent(**_chained(pending, head.seq + 1, _append_time(head), head.hash))
    db.session.add(event)
    head.seq, head.hash, head.at = event.seq, event.hash, event.at
    return event


def record_many(events: Iterable[PendingEvent]) -> int:
    """Append many events with one bulk insert, chained exactly as `record` chains them."""
    head = _head()
    at, seq, prev_hash = _append_time(head), head.seq, head.hash
    rows = []
    for pending in events:
        seq += 1
        fields = _chained(pending, seq, at, prev_hash)
        rows.append(fields)
        prev_hash = fields["hash"]
    if rows:
        db.session.execute(insert(AuditEvent.__table__), rows)
        head.seq, head.hash, head.at = seq, prev_hash, at
    return len(rows)


@dataclass(frozen=True)
class AuditProblem:
    """One break in the chain."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"event {self.seq}: {self.problem}"


def verify() -> tuple[int, list[AuditProblem]]:
    """Walk the chain; (events checked, problems found)."""
    problems: list[AuditProblem] = []
    expected_seq, prev_hash, prev_at, count = 1, GENESIS, None, 0
    for event in db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if event.seq != expected_seq:
            problems.append(
                AuditProblem(event.seq, f"expected event {expected_seq}: events deleted or inserted")
            )
        if event.prev_hash != prev_hash:
            problems.append(AuditProblem(event.seq, "does not chain to the previous event"))
        if event.hash != event_hash(event):
            problems.append(AuditProblem(event.seq, "content altered (hash mismatch)"))
        if prev_at is not None and event.at < prev_at:
            problems.append(AuditProblem(event.seq, f"back-dated: {event.at} is before the previous event"))
        expected_seq, prev_hash, prev_at = event.seq + 1, event.hash, event.at
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(
            AuditProblem(head.seq, "the chain's head does not match its last event (events removed)")
        )
    return count, problems


def history(object_key_prefix: str) -> list[AuditEvent]:
    """Events about one object (e.g. a return), oldest first."""
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_key.startswith(object_key_prefix))
            .order_by(AuditEvent.seq)
        ).scalars()
    )
