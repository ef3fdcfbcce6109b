"""The MIS security manager: FAB's SQLA manager with the MIS's own rules plugged in."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager


class MprSecurityManager(SecurityManager):
    """Security manager for the MIS (account hardening builds on this class)."""
