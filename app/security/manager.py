"""The MIS security manager: FAB's SQLA manager with the MIS's own rules plugged in."""

from __future__ import annotations

from flask import jsonify
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_jwt_extended import JWTManager


class MprSecurityManager(SecurityManager):
    """Security manager for the MIS (account hardening builds on this class)."""

    def create_jwt_manager(self, app) -> JWTManager:
        """FAB's JWT manager, but a malformed or forged token is 401 (not logged in), not 422."""
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.invalid_token_loader(lambda reason: (jsonify(msg=reason), 401))
        return jwt_manager
