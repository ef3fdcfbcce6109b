"""Master lists kept as data (call-book reasons, refund categories ...)."""

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String, UniqueConstraint


class MasterItem(Model):
    """One item of a master list; format rows are built from the active items."""

    __tablename__ = "mpr_master_item"
    __table_args__ = (UniqueConstraint("master", "key", name="uq_mpr_master_item"),)

    id = Column(Integer, primary_key=True)
    master = Column(String(40), nullable=False, index=True)
    key = Column(String(60), nullable=False)
    label = Column(String(255), nullable=False)
    label_hi = Column(String(255))  # the label in Hindi; Hindi pages show the English without it
    position = Column(Integer, nullable=False, default=0)
    valid_from = Column(String(7))  # YYYY-MM or empty
    valid_until = Column(String(7))
