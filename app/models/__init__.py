"""Core tables. Every table shares FAB's `Model.metadata` so one sync covers all."""

from .audit import AuditEvent, AuditHead
from .corrections import CorrectionItem, CorrectionRequest, CorrectionStatus, Counter, ReturnRevision
from .masters import MasterItem
from .org import Office, OfficeKind, UserProfile
from .remarks import ReturnRemark
from .returns import MprReturn, ReturnStatus

__all__ = [
    "AuditEvent",
    "AuditHead",
    "CorrectionItem",
    "CorrectionRequest",
    "CorrectionStatus",
    "Counter",
    "MasterItem",
    "MprReturn",
    "Office",
    "OfficeKind",
    "ReturnRemark",
    "ReturnRevision",
    "ReturnStatus",
    "UserProfile",
]
