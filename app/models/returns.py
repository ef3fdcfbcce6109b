"""One return per (format, office, month): its status, version and who touched it."""

from __future__ import annotations

from enum import StrEnum

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship
from sqlalchemy.sql.expression import false


class ReturnStatus(StrEnum):
    """Where a return stands in the monthly cycle."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"


class MprReturn(Model):
    """The header of one monthly return; its cells live in the format's own table."""

    __tablename__ = "mpr_return"
    __table_args__ = (
        UniqueConstraint("format_code", "office_id", "period", name="uq_mpr_return"),
        Index("ix_mpr_return_format_period", "format_code", "period", "office_id"),
        Index("ix_mpr_return_office_period", "office_id", "period"),
    )

    id = Column(Integer, primary_key=True)
    format_code = Column(String(40), nullable=False)
    office_id = Column(Integer, ForeignKey("mpr_office.id"), nullable=False)
    period = Column(Date, nullable=False)  # first day of the month
    status = Column(String(12), nullable=False, default=ReturnStatus.DRAFT)
    version = Column(Integer, nullable=False, default=1)
    revision = Column(Integer, nullable=False, default=1)
    opening_entered = Column(Boolean, nullable=False, default=False)
    amended = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    updated_at = Column(DateTime, nullable=False)
    updated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    submitted_at = Column(DateTime)
    submitted_by_id = Column(Integer, ForeignKey("ab_user.id"))
    validated_at = Column(DateTime)
    validated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    # Set when an approved correction of an earlier month changed this month's opening
    # balance after this month was validated; cleared when this month is corrected too.
    inconsistent = Column(Boolean, nullable=False, default=False, server_default=false())

    office = relationship("Office", lazy="joined")

    __mapper_args__ = {"version_id_col": version}
