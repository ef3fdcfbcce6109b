"""The append-only audit trail: every event chained to the previous one by a hash."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, String, Text


class AuditEvent(Model):
    """One recorded event: who, when, what, before and after, why."""

    __tablename__ = "mpr_audit_event"

    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False, unique=True)
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
    """The single row holding the chain's last sequence number and hash (locked on append)."""

    __tablename__ = "mpr_audit_head"

    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False, default=0)
    hash = Column(String(64), nullable=False, default="0" * 64)
    at = Column(DateTime)
