"""Roles as data: which permissions each role holds, derived from the definitions.

`flask mpr sync` writes these into FAB's tables; nothing else grants permissions.
Jurisdiction (which offices) is decided by app.security.policy, not by roles.
"""

from __future__ import annotations

from app.definitions.schema import DefinitionSet
from app.security import permissions as p

ADMIN = "Admin"
OFFICE = "Office"  # Commissionerate or ADG unit: enters and submits returns
ZONE = "Zone"  # Chief Commissioner, or DGRI/DGCEI HQ for their ADGs: validates
BOARD = "Board"  # top management: reads everything
FIELD = "Division/Range"  # reads its Commissionerate's reports from a notified date
OWNER_PREFIX = "Owner "  # one role per Functional Owner, e.g. "Owner DDM"
FEED_PREFIX = "Feed "  # one role per source (sources:), e.g. "Feed GSTN": its system account feeds cells

Permission = tuple[str, str]


def owner_role(owner_code: str) -> str:
    """The role name of a Functional Owner."""
    return f"{OWNER_PREFIX}{owner_code}"


def feed_role(source_code: str) -> str:
    """The role name of a source's system account."""
    return f"{FEED_PREFIX}{source_code}"


def fed_sources(role_names: frozenset[str]) -> frozenset[str]:
    """The sources whose cells a holder of these roles may feed."""
    return frozenset(name.removeprefix(FEED_PREFIX) for name in role_names if name.startswith(FEED_PREFIX))


def is_system_account(role_names: frozenset[str] | set[str]) -> bool:
    """Whether every role is a source's feed role: a system account that uses the feed API only."""
    return bool(role_names) and all(name.startswith(FEED_PREFIX) for name in role_names)


def _common() -> set[Permission]:
    return {
        (p.CAN_READ, p.HOME),
        (p.CAN_READ, p.FORMATS_INDEX),
        (p.CAN_READ, p.MPR_API),
        (p.CAN_READ, p.STATUS),
        (p.CAN_READ, p.CORRECTIONS),
        (p.MENU_ACCESS, p.MENU_FORMATS),
        (p.MENU_ACCESS, p.MENU_STATUS),
        (p.MENU_ACCESS, p.MENU_CORRECTIONS),
        (p.CAN_READ, p.REPORTS),
        (p.MENU_ACCESS, p.MENU_REPORTS),
        *_messaging(),
    }


def _messaging() -> set[Permission]:
    """Every user has a mailbox and a helpdesk (what they may do there is the policy's)."""
    return {
        (permission, view)
        for view in (p.MAILBOX, p.HELPDESK, p.MESSAGING_API)
        for permission in (p.CAN_READ, p.CAN_EDIT)
    } | {
        (p.MENU_ACCESS, p.MENU_MAILBOX),
        (p.MENU_ACCESS, p.MENU_HELPDESK),
        (p.MENU_ACCESS, p.MENU_HELPDESK_QUERIES),
    }


def _queue(edit: bool) -> set[Permission]:
    """The helpdesk queue: read by the Board, worked by the Functional Owners (close, assign)."""
    granted = {(p.CAN_READ, p.HELPDESK_QUEUE), (p.MENU_ACCESS, p.MENU_HELPDESK_QUEUE)}
    return (granted | {(p.CAN_EDIT, p.HELPDESK_QUEUE)}) if edit else granted


def _bulk_load() -> set[Permission]:
    """The bulk load of past months: which formats, the policy decides (the owner's own)."""
    return {(p.CAN_READ, p.BULK_LOAD), (p.CAN_EDIT, p.BULK_LOAD), (p.MENU_ACCESS, p.MENU_BULK_LOAD)}


def _summaries() -> set[Permission]:
    """Monthly Summary Reports: the Board reads all, a Functional Owner its own (the policy decides which)."""
    return {(p.CAN_READ, p.SUMMARIES), (p.MENU_ACCESS, p.MENU_SUMMARIES), (p.MENU_ACCESS, p.MENU_SCORECARDS)}


def _targets(edit: bool = False) -> set[Permission]:
    """Targets set by the owner: read by offices, Zones and the Board, set by the owners (the policy
    decides whose: an office its own, a Zone its offices', an owner its formats')."""
    granted = {(p.CAN_READ, p.TARGETS), (p.MENU_ACCESS, p.MENU_TARGETS)}
    return (granted | {(p.CAN_EDIT, p.TARGETS)}) if edit else granted


def _dashboard() -> set[Permission]:
    """The dashboard: the Board reads every indicator, an owner its formats' (the policy decides)."""
    return {(p.CAN_READ, p.DASHBOARD), (p.MENU_ACCESS, p.MENU_DASHBOARD)}


def role_permissions(definitions: DefinitionSet) -> dict[str, set[Permission]]:
    """Every role with the permissions it must hold (Admin is handled by FAB)."""
    formats = definitions.formats.values()
    read_all = {(p.CAN_READ, f.permission_name) for f in formats}
    edit_all = {(p.CAN_EDIT, f.permission_name) for f in formats}
    roles: dict[str, set[Permission]] = {
        OFFICE: _common() | read_all | edit_all | {(p.CAN_EDIT, p.MPR_API), (p.CAN_EDIT, p.CORRECTIONS)},
        ZONE: _common()
        | read_all
        | {
            (p.CAN_READ, p.VALIDATION),
            (p.CAN_EDIT, p.VALIDATION),
            (p.CAN_EDIT, p.MPR_API),
            (p.MENU_ACCESS, p.MENU_VALIDATION),
        },
        BOARD: _common() | read_all | _queue(edit=False) | _summaries() | _dashboard(),
        FIELD: _common() | read_all,
    }
    for role in (OFFICE, ZONE, BOARD):
        roles[role] |= _targets()
    for owner in definitions.owners:
        owned = {(p.CAN_READ, f.permission_name) for f in definitions.formats_of_owner(owner)}
        decide = {(p.CAN_EDIT, p.CORRECTIONS), (p.CAN_EDIT, p.MPR_API)}
        roles[owner_role(owner)] = (
            _common()
            | owned
            | decide
            | _queue(edit=True)
            | _bulk_load()
            | _summaries()
            | _targets(edit=True)
            | _dashboard()
        )
    for source in definitions.sources:  # a system account: the feed endpoint and nothing else
        roles[feed_role(source)] = {(p.CAN_EDIT, p.FEED_API)}
    return roles


def all_role_names(definitions: DefinitionSet) -> list[str]:
    """Names of every role the MIS defines, Admin included."""
    return [ADMIN, *role_permissions(definitions)]
