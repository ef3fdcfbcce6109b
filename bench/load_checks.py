"""After the load: was every accepted save kept, with its audit event, and does the chain verify?

A save is lost when the server answered that it stored it and either its audit event is missing
or the figure the database holds disagrees with the audit trail's last word on that cell. The
returns the users saw submitted must be submitted or validated, each with its submit event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from bench.load_users import AcceptedSave


@dataclass
class Verdict:
    """What the database says about what the users were told."""

    accepted: int = 0
    audit_saves: int = 0
    lost: list[str] = field(default_factory=list)
    not_submitted: list[str] = field(default_factory=list)
    stored_mismatch: list[str] = field(default_factory=list)
    audit_events: int = 0
    audit_problems: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _config(database_url: str) -> type:
    from config import Config

    return type("LoadCheckConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url})


def verify(
    database_url: str, accepted: list[AcceptedSave], submitted: set, month: str, since: dt.datetime
) -> Verdict:
    """Compare what the users were told with the database, in a process-local app."""
    from app import create_app
    from app.extensions import db

    application = create_app(_config(database_url))
    with application.app_context():
        verdict = _verify(accepted, submitted, month, since)
        db.session.remove()
        db.engine.dispose()
    return verdict


def _key(fmt: str, office: str, row: str, column: str, value) -> tuple:
    return (fmt, office, row, column, Decimal(str(value)).normalize())


def _events(since: dt.datetime):
    from sqlalchemy import select

    from app.extensions import db
    from app.models.audit import AuditEvent

    query = (
        select(AuditEvent.object_key, AuditEvent.action, AuditEvent.after, AuditEvent.at)
        .where(AuditEvent.at >= since, AuditEvent.object_type == "return")
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return db.session.execute(query).all()


def _verify(accepted: list[AcceptedSave], submitted: set, month: str, since: dt.datetime) -> Verdict:
    from app.services import audit

    verdict = Verdict(accepted=len(accepted))
    in_audit: Counter = Counter()
    last_word: dict[tuple, Decimal] = {}
    submit_events: set[tuple[str, str]] = set()
    for object_key, action, after, _at in _events(since):
        _kind, fmt, office, _month = object_key.split(":", 3)
        if action == "submit":
            submit_events.add((fmt, office))
        if action != "save":
            continue
        verdict.audit_saves += 1
        for row, cells in (json.loads(after) if after else {}).items():
            for column, value in cells.items():
                if value is not None:
                    in_audit[_key(fmt, office, row, column, value)] += 1
                    last_word[(fmt, office, row, column)] = Decimal(str(value))
    for save in accepted:
        key = _key(save.format_code, save.office, save.row, save.column, save.value)
        if in_audit[key] > 0:
            in_audit[key] -= 1
        else:
            verdict.lost.append(f"{save.format_code} {save.office} {save.row}|{save.column} = {save.value}")
    verdict.stored_mismatch = _stored_mismatches(last_word, month)
    verdict.not_submitted = _not_submitted(submitted, submit_events, month)
    verdict.statuses = _statuses(month)
    count, problems = audit.verify()
    verdict.audit_events, verdict.audit_problems = count, [str(p) for p in problems]
    return verdict


def _return_ids(month: str) -> dict[tuple[str, str], tuple[int, str]]:
    from sqlalchemy import select

    from app.definitions.months import Month
    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn

    query = (
        select(MprReturn.format_code, Office.code, MprReturn.id, MprReturn.status)
        .join(Office, Office.id == MprReturn.office_id)
        .where(MprReturn.period == Month.parse(month).first_day)
    )
    return {(fmt, office): (ret_id, status) for fmt, office, ret_id, status in db.session.execute(query)}


def _stored_mismatches(last_word: dict[tuple, Decimal], month: str) -> list[str]:
    """Cells whose stored figure is not the audit trail's last value for them."""
    from app.services.engine import catalogue, rowstore

    ids = _return_ids(month)
    definitions = catalogue.definitions()
    mismatches = []
    for (fmt, office, row, column), value in sorted(last_word.items()):
        ret_id, _status = ids[(fmt, office)]
        stored = rowstore.read(definitions.format(fmt), ret_id).get(row, (0, {}))[1].get(column)
        if stored is None or Decimal(str(stored)) != value:
            mismatches.append(f"{fmt} {office} {row}|{column}: stored {stored}, audit says {value}")
    return mismatches


def _not_submitted(submitted: set, submit_events: set, month: str) -> list[str]:
    ids = _return_ids(month)
    problems = []
    for fmt, office in sorted(submitted):
        _ret_id, status = ids[(fmt, office)]
        if status not in ("submitted", "validated") or (fmt, office) not in submit_events:
            event = "kept" if (fmt, office) in submit_events else "missing"
            problems.append(f"{fmt} {office}: {status}, submit event {event}")
    return problems


def _statuses(month: str) -> dict[str, int]:
    counts: Counter = Counter(status for _ret_id, status in _return_ids(month).values())
    return dict(sorted(counts.items()))
