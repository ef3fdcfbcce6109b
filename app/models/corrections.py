"""Corrections of validated returns, earlier revisions kept on record, running numbers."""

from __future__ import annotations

from enum import StrEnum

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship


class CorrectionStatus(StrEnum):
    """Where a correction request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CorrectionRequest(Model):
    """A request to replace validated figures, decided by the format's Functional Owner."""

    __tablename__ = "mpr_correction"

    id = Column(Integer, primary_key=True)
    number = Column(Integer, nullable=False, unique=True)
    format_code = Column(String(40), nullable=False, index=True)
    office_id = Column(Integer, ForeignKey("mpr_office.id"), nullable=False, index=True)
    status = Column(String(12), nullable=False, default=CorrectionStatus.PENDING, index=True)
    justification = Column(Text, nullable=False)
    reason = Column(Text)  # the owner's reason for a rejection
    requested_at = Column(DateTime, nullable=False)
    requested_by_id = Column(Integer, ForeignKey("ab_user.id"))
    decided_at = Column(DateTime)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    client_token = Column(String(64), unique=True)  # makes a repeated POST harmless

    office = relationship("Office", lazy="joined")
    items = relationship(
        "CorrectionItem", order_by="CorrectionItem.period", lazy="selectin", cascade="all, delete-orphan"
    )


class CorrectionItem(Model):
    """The new figures for one month of a correction (a request may carry a chain of months)."""

    __tablename__ = "mpr_correction_item"
    __table_args__ = (UniqueConstraint("correction_id", "return_id", name="uq_mpr_correction_item"),)

    id = Column(Integer, primary_key=True)
    correction_id = Column(Integer, ForeignKey("mpr_correction.id", ondelete="CASCADE"), nullable=False)
    return_id = Column(Integer, ForeignKey("mpr_return.id"), nullable=False, index=True)
    period = Column(Date, nullable=False)
    base_revision = Column(Integer, nullable=False)
    cells = Column(Text, nullable=False)  # JSON {row_key: {column: value}} of the entered cells


class ReturnRevision(Model):
    """A replaced revision of a return, kept readable for ever."""

    __tablename__ = "mpr_return_revision"
    __table_args__ = (UniqueConstraint("return_id", "revision", name="uq_mpr_return_revision"),)

    id = Column(Integer, primary_key=True)
    return_id = Column(Integer, ForeignKey("mpr_return.id"), nullable=False, index=True)
    revision = Column(Integer, nullable=False)
    cells = Column(Text, nullable=False)  # JSON {row_key: {column: value}}
    replaced_at = Column(DateTime, nullable=False)
    correction_id = Column(Integer, ForeignKey("mpr_correction.id"))


class Counter(Model):
    """Named running numbers (correction requests), locked while incremented."""

    __tablename__ = "mpr_counter"

    name = Column(String(40), primary_key=True)
    value = Column(Integer, nullable=False, default=0)
