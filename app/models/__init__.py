"""Core tables. Every table shares FAB's `Model.metadata` so one sync covers all."""

from .audit import AuditEvent, AuditHead
from .corrections import CorrectionItem, CorrectionRequest, CorrectionStatus, Counter, ReturnRevision
from .feeds import ReturnFeed
from .masters import MasterItem
from .messaging import (
    HelpdeskQuery,
    MailMessage,
    MailRecipient,
    NotificationPreference,
    OutboxItem,
    OutboxStatus,
    QueryPost,
    QueryState,
)
from .org import Office, OfficeKind, UserProfile
from .remarks import ReturnRemark
from .returns import MprReturn, ReturnStatus
from .throttle import LoginThrottle

__all__ = [
    "AuditEvent",
    "AuditHead",
    "CorrectionItem",
    "CorrectionRequest",
    "CorrectionStatus",
    "Counter",
    "HelpdeskQuery",
    "MailMessage",
    "MailRecipient",
    "LoginThrottle",
    "MasterItem",
    "MprReturn",
    "NotificationPreference",
    "Office",
    "OfficeKind",
    "ReturnFeed",
    "ReturnRemark",
    "OutboxItem",
    "OutboxStatus",
    "QueryPost",
    "QueryState",
    "ReturnRevision",
    "ReturnStatus",
    "UserProfile",
]
