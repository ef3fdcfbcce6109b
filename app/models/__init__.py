"""Core tables. Every table shares FAB's `Model.metadata` so one sync covers all."""

from .audit import AuditEvent, AuditHead
from .corrections import CorrectionItem, CorrectionRequest, CorrectionStatus, Counter, ReturnRevision
from .masters import MasterItem
from .org import Office, OfficeKind, UserProfile
from .returns import MprReturn, ReturnStatus
from .throttle import LoginThrottle

__all__ = [
    "AuditEvent",
    "AuditHead",
    "CorrectionItem",
    "CorrectionRequest",
    "CorrectionStatus",
    "Counter",
    "LoginThrottle",
    "MasterItem",
    "MprReturn",
    "Office",
    "OfficeKind",
    "ReturnRevision",
    "ReturnStatus",
    "UserProfile",
]
