"""Failed sign-ins per (account, source): the login throttle's memory (app/security/throttle.py)."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, String, UniqueConstraint


class LoginThrottle(Model):
    """Consecutive failed sign-ins naming one user id from one address, and until when to wait."""

    __tablename__ = "mpr_login_throttle"
    __table_args__ = (UniqueConstraint("account", "source", name="uq_mpr_login_throttle"),)

    id = Column(Integer, primary_key=True)
    account = Column(String(120), nullable=False)  # the user id as typed (lower case), known or not
    source = Column(String(64), nullable=False)  # the client address
    failures = Column(Integer, nullable=False, default=0)
    last_failure_at = Column(DateTime, nullable=False, index=True)
    blocked_until = Column(DateTime, nullable=False)
