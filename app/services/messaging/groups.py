"""Who may address which group: ONE table, resolved by jurisdiction at send time.

A group is a code such as `zones`, `filers:DDM` or `below:GZ-MUM`. Its members are
looked up when a message is sent (never stored as a copy that could go stale): the
offices it covers come from the organisation and the definitions in force, and the
users from their profiles. Only the recipients of a message are recorded, with their
own read state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.models.org import Office, OfficeKind, UserProfile
from app.security import roles
from app.security.policy import VALIDATING_KINDS, Actor, applies_to
from app.services.cycle.status import zone_of
from app.services.engine import catalogue


class Sender(StrEnum):
    """What kind of sender an actor is, for addressing."""

    ADMIN = "admin"
    BOARD = "board"
    OWNER = "owner"  # a Functional Owner (its role)
    ZONE = "zone"  # a Zone, or DGRI / DGCEI Headquarters validating their units
    OFFICE = "office"  # a Commissionerate, DG unit, Division or Range


@dataclass(frozen=True)
class Group:
    """One group an actor may address."""

    code: str
    label: str


@dataclass(frozen=True)
class Addressing:
    """One row of the table: a kind of sender may address a kind of group."""

    sender: Sender
    groups: Callable[[Actor], list[Group]]


def _owners_of(actor: Actor) -> list[str]:
    return sorted(
        name.removeprefix(roles.OWNER_PREFIX)
        for name in actor.role_names
        if name.startswith(roles.OWNER_PREFIX)
    )


def _zones(_actor: Actor) -> list[Group]:
    return [Group("zones", _("All Zones"))]


def _filers(actor: Actor) -> list[Group]:
    return [
        Group(f"filers:{o}", _("All offices filing the formats of %(owner)s", owner=o))
        for o in _owners_of(actor)
    ]


def _below(actor: Actor) -> list[Group]:
    office = actor.office
    return [Group(f"below:{office.code}", _("All offices under %(office)s", office=office.name))]


def _everyone(_actor: Actor) -> list[Group]:
    return [Group("everyone", _("Everyone"))]


def _own_zone(actor: Actor) -> list[Group]:
    zone = zone_of(actor.office)
    if zone.id == actor.office.id:
        return []
    return [Group(f"office:{zone.code}", _("My Zone: %(office)s", office=zone.name))]


def _owner_desks(_actor: Actor) -> list[Group]:
    return [
        Group(f"owner:{owner}", _("Functional Owner %(owner)s", owner=owner))
        for owner in sorted(catalogue.definitions().owners)
    ]


# THE table: who may address which group.
ADDRESSING: tuple[Addressing, ...] = (
    Addressing(Sender.OWNER, _zones),  # an owner -> all Zones
    Addressing(Sender.OWNER, _filers),  # an owner -> all offices that file its formats
    Addressing(Sender.ZONE, _below),  # a Zone -> its Commissionerates, Divisions, Ranges; DGRI/DGCEI -> units
    Addressing(Sender.BOARD, _everyone),  # the Board -> everyone
    Addressing(Sender.ADMIN, _everyone),  # administrators announce outages and changes
    Addressing(Sender.OFFICE, _own_zone),  # an office -> its Zone
    Addressing(Sender.OFFICE, _owner_desks),  # an office -> the owner of a format
)


def senders(actor: Actor | None) -> set[Sender]:
    """The kinds of sender `actor` is (a user can be several)."""
    if actor is None:
        return set()
    found: set[Sender] = set()
    if actor.is_admin:
        found.add(Sender.ADMIN)
    if actor.is_board:
        found.add(Sender.BOARD)
    if _owners_of(actor):
        found.add(Sender.OWNER)
    kind = actor.office.kind if actor.office is not None else None
    if roles.ZONE in actor.role_names and kind in VALIDATING_KINDS:
        found.add(Sender.ZONE)
    if actor.role_names & {roles.OFFICE, roles.FIELD} and actor.office is not None:
        found.add(Sender.OFFICE)
    return found


def groups_for(actor: Actor | None) -> list[Group]:
    """Every group `actor` may address, in table order, without duplicates."""
    kinds = senders(actor)
    seen: dict[str, Group] = {}
    for row in ADDRESSING:
        if row.sender in kinds:
            for group in row.groups(actor):
                seen.setdefault(group.code, group)
    return list(seen.values())


def _active_users():
    return (
        select(User.id, Office)
        .join(UserProfile, UserProfile.user_id == User.id)
        .join(Office, Office.id == UserProfile.office_id)
        .where(User.active.is_(True), Office.active.is_(True))
    )


def _users_of_offices(condition) -> set[int]:
    return {row[0] for row in db.session.execute(_active_users().where(condition))}


def _filing_offices(owner: str) -> list[int]:
    formats = catalogue.definitions().formats_of_owner(owner)
    offices = db.session.execute(select(Office).where(Office.active.is_(True))).scalars()
    return [o.id for o in offices if any(applies_to(f, o) for f in formats)]


def _owner_users(owner: str) -> set[int]:
    query = (
        select(User.id).join(User.roles).where(Role.name == roles.owner_role(owner), User.active.is_(True))
    )
    return set(db.session.execute(query).scalars())


def members(code: str) -> set[int]:
    """The user ids a group code covers now (resolved from the organisation at this moment)."""
    kind, _sep, value = code.partition(":")
    if kind == "zones":
        return _users_of_offices(Office.kind == OfficeKind.ZONE)
    if kind == "everyone":
        return _users_of_offices(Office.id.isnot(None))
    if kind == "filers":
        return _users_of_offices(Office.id.in_(_filing_offices(value)))
    if kind == "owner":
        return _owner_users(value)
    office = db.session.execute(select(Office).where(Office.code == value)).scalar_one_or_none()
    if office is None:
        return set()
    if kind == "below":
        return _users_of_offices(Office.path.startswith(office.path) & (Office.id != office.id))
    if kind == "office":
        return _users_of_offices(Office.id == office.id)
    return set()


def resolve(actor: Actor, code: str) -> set[int]:
    """Members of a group `actor` may address; NotFound for any other code."""
    if code not in {g.code for g in groups_for(actor)}:
        raise NotFound(_("There is no group %(code)s you may write to.", code=code))
    return members(code)
