"""Remarks a validating unit makes when it sends a submitted return back to its office."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from app.models.generated import ROW_KEY_LENGTH


class ReturnRemark(Model):
    """One remark: at the whole return (no row and column) or at one cell.

    Remarks stay in force until the office submits the return again; they are then marked
    cleared, never deleted, so what was pointed out stays on record.
    """

    __tablename__ = "mpr_return_remark"
    __table_args__ = (Index("ix_mpr_return_remark_open", "return_id", "cleared_at"),)

    id = Column(Integer, primary_key=True)
    return_id = Column(Integer, ForeignKey("mpr_return.id"), nullable=False)
    row_key = Column(String(ROW_KEY_LENGTH))  # None: a remark about the whole return
    column_code = Column(String(60))
    remark = Column(Text, nullable=False)
    sent_at = Column(DateTime, nullable=False)
    sent_by_id = Column(Integer, ForeignKey("ab_user.id"))
    sent_by_name = Column(String(100), nullable=False)  # the username, as the audit trail names it
    sent_by_office_id = Column(Integer, ForeignKey("mpr_office.id"))
    cleared_at = Column(DateTime)  # set when the office submits the return again

    @property
    def at_cell(self) -> bool:
        """Whether this remark points at one cell rather than the whole return."""
        return self.row_key is not None
