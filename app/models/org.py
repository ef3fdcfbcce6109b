"""The organisation: offices in a hierarchy, and which office a user belongs to."""

from __future__ import annotations

from enum import StrEnum

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship
from sqlalchemy.sql.expression import false


class OfficeKind(StrEnum):
    """Kinds of office in the hierarchy."""

    BOARD = "board"
    OWNER = "owner"  # a Functional Owner directorate (DDM, DGA, ...)
    ZONE = "zone"
    COMMISSIONERATE = "commissionerate"
    DIVISION = "division"
    RANGE = "range"
    DG_HQ = "dg_hq"  # DGRI / DGCEI headquarters: validates its units, owns its formats
    DG_UNIT = "dg_unit"  # a zonal unit headed by an ADG: enters like a commissionerate


class Office(Model):
    """One office. `path` is the chain of codes from the top, e.g. '/CZ-MUM/MUM-I/'."""

    __tablename__ = "mpr_office"
    __table_args__ = (Index("ix_mpr_office_path", "path"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(20), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    kind = Column(String(20), nullable=False, index=True)
    parent_id = Column(Integer, ForeignKey("mpr_office.id"), index=True)
    path = Column(String(255), nullable=False)
    segments = Column(String(40), nullable=False, default="")  # e.g. "CE GST"
    function = Column(String(20))  # executive | audit | ltu | appeals
    owner_code = Column(String(20), index=True)  # set for FO directorates and DG HQs
    city = Column(String(80))
    active = Column(Boolean, nullable=False, default=True)

    parent = relationship("Office", remote_side=[id], lazy="joined", innerjoin=False)

    @property
    def segment_set(self) -> frozenset[str]:
        """The streams (CUS, CE, ST, GST) this office reports for."""
        return frozenset(self.segments.split())

    def is_within(self, other: "Office") -> bool:
        """Whether this office is `other` or lies under it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class UserProfile(Model):
    """What the MIS knows about a FAB user beyond login: office, designation, mobile."""

    __tablename__ = "mpr_user_profile"

    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    office_id = Column(Integer, ForeignKey("mpr_office.id"), nullable=False, index=True)
    designation = Column(String(120))
    mobile = Column(String(20))
    must_change_password = Column(Boolean, nullable=False, default=False, server_default=false())
    is_demo = Column(Boolean, nullable=False, default=False, server_default=false())
    # Bumped by logout, password change, deactivation and role change: every session
    # cookie and API token carries the epoch it was issued under and dies with it.
    session_epoch = Column(Integer, nullable=False, default=0, server_default="0")
    otp_expires_at = Column(DateTime)  # a one-time password works until then, once
    otp_used_at = Column(DateTime)
    locked_until = Column(DateTime)  # temporary lockout after repeated failed logins

    office = relationship("Office", lazy="joined")


class UserLanguage(Model):
    """The interface language a user chose (en, hi); without a row the browser's language decides."""

    __tablename__ = "mpr_user_language"

    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    language = Column(String(8), nullable=False)
