"""When another departmental system (a `sources:` entry) last fed a return's cells."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint


class ReturnFeed(Model):
    """One source's latest feed of one return: when, and by which system account.

    A return whose format is fed by a source may be submitted only once that source has fed
    it; the grid says "Fed from GSTN on 03-12-2026 10:15" from this row.
    """

    __tablename__ = "mpr_return_feed"
    __table_args__ = (UniqueConstraint("return_id", "source", name="uq_mpr_return_feed"),)

    id = Column(Integer, primary_key=True)
    return_id = Column(Integer, ForeignKey("mpr_return.id"), nullable=False)
    source = Column(String(40), nullable=False)  # a sources[].code of mpr_definitions.yaml
    fed_at = Column(DateTime, nullable=False)
    fed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    fed_by_name = Column(String(100), nullable=False)  # the system account's username, as audited
