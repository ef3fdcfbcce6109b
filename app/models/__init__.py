"""Core tables. Every table shares FAB's `Model.metadata` so one sync covers all."""

from .masters import MasterItem
from .org import Office, OfficeKind, UserProfile
from .returns import MprReturn, ReturnStatus

__all__ = ["MasterItem", "MprReturn", "Office", "OfficeKind", "ReturnStatus", "UserProfile"]
