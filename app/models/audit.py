"""The append-only audit trail: hash chains of events, one per office and one global chain."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint

GLOBAL_CHAIN = "global"


class AuditEvent(Model):
    """One recorded event: who, when, what, before and after, why; `seq` counts within its chain."""

    __tablename__ = "mpr_audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_mpr_audit_event_chain_seq"),)

    id = Column(Integer, primary_key=True)
    chain = Column(String(40), nullable=False, default=GLOBAL_CHAIN, server_default=GLOBAL_CHAIN)
    seq = Column(Integer, nullable=False)
    at = Column(DateTime, nullable=False)
    actor_id = Column(Integer)
    actor = Column(String(100), nullable=False)
    action = Column(String(40), nullable=False, index=True)
    object_type = Column(String(30), nullable=False)
    object_key = Column(String(160), nullable=False, index=True)
    before = Column(Text)
    after = Column(Text)
    reason = Column(Text)
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)


class AuditHead(Model):
    """One row per chain: its last sequence number, hash and time (locked on append to that chain)."""

    __tablename__ = "mpr_audit_head"

    chain = Column(String(40), primary_key=True)
    seq = Column(Integer, nullable=False, default=0)
    hash = Column(String(64), nullable=False, default="0" * 64)
    at = Column(DateTime)
