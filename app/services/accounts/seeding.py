"""Load the demo organisation, users and master lists from seed/*.yaml."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.org import Office, OfficeKind, UserProfile
from app.security.roles import FEED_PREFIX
from app.services.accounts.masters import MasterListErrors, load_master_file
from app.services.engine import catalogue

OFFICE_KEYS = {"code", "name", "kind", "city", "children", "segments", "function", "owner"}
USER_KEYS = {"username", "role", "office", "name", "designation", "email", "mobile"}
SYSTEM_ACCOUNT_OFFICE = "-"  # a source's system account belongs to no office
DEMO_PASSWORD_DEFAULT = "mpr-demo-2026-field"  # noqa: S105 - published demo password, demo accounts only


class SeedError(ValueError):
    """The seed file is wrong; the message says where."""


@dataclass(frozen=True)
class DemoUser:
    """A demo login as printed by `flask mpr demo-users`."""

    username: str
    password: str
    role: str
    office: str


def demo_password() -> str:
    """The password every demo account gets (configurable)."""
    return current_app.config.get("MPR_DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)


def _walk(
    items: Iterable[dict], parent: Office | None, where: str
) -> Iterable[tuple[dict, Office | None, str]]:
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        unknown = set(item) - OFFICE_KEYS
        if unknown:
            raise SeedError(f"{here}: unknown key(s) {sorted(unknown)}")
        yield item, parent, here


def _upsert_office(item: dict, parent: Office | None, here: str) -> Office:
    kind = item.get("kind")
    if kind not in {k.value for k in OfficeKind}:
        raise SeedError(f"{here}.kind: '{kind}' is not an office kind")
    office = db.session.execute(select(Office).where(Office.code == item["code"])).scalar_one_or_none()
    office = office or Office(code=item["code"])
    office.name, office.kind, office.parent = item["name"], kind, parent
    office.path = f"{parent.path if parent else '/'}{item['code']}/"
    office.segments = " ".join(item.get("segments", []))
    office.function = item.get("function")
    office.owner_code = item.get("owner")
    office.city = item.get("city")
    office.active = True
    db.session.add(office)
    return office


def load_offices(items: list[dict], parent: Office | None = None, where: str = "offices") -> int:
    """Create or update offices (and their children) from seed data; returns the count."""
    count = 0
    for item, parent_office, here in _walk(items, parent, where):
        office = _upsert_office(item, parent_office, here)
        count += 1 + load_offices(item.get("children", []), office, f"{here}.children")
    return count


def load_masters(path: str | Path) -> int:
    """Create or update master-list items from seed/masters.yaml (checked whole first); returns the count."""
    try:
        return load_master_file(path, catalogue.definitions().masters)
    except MasterListErrors as errors:
        raise SeedError(f"Nothing was loaded from the master lists:\n{errors}") from None


def _ensure_user(sm, entry: dict[str, Any], offices: dict[str, Office], password: str) -> DemoUser:
    unknown = set(entry) - USER_KEYS
    if unknown:
        raise SeedError(f"user {entry.get('username')}: unknown key(s) {sorted(unknown)}")
    if "office" not in entry and str(entry.get("role", "")).startswith(FEED_PREFIX):
        return _ensure_system_account(sm, entry, password)
    office = offices.get(entry.get("office"))
    role = sm.find_role(entry["role"])
    if office is None or role is None:
        raise SeedError(
            f"user {entry['username']}: unknown office or role ({entry['office']}, {entry['role']})"
        )
    user = sm.find_user(username=entry["username"])
    if user is None:
        first, _, last = entry.get("name", entry["username"]).rpartition(" ")
        user = sm.add_user(
            entry["username"],
            first or last,
            last,
            entry.get("email") or f"{entry['username']}@cbic.example.org",
            role,
            password=password,
        )
        if not user:
            raise SeedError(f"user {entry['username']}: could not be created")
    profile = db.session.get(UserProfile, user.id) or UserProfile(user_id=user.id)
    profile.office_id, profile.is_demo = office.id, True
    profile.designation, profile.mobile = entry.get("designation"), entry.get("mobile")
    db.session.add(profile)
    return DemoUser(entry["username"], password, entry["role"], office.code)


def _ensure_system_account(sm, entry: dict[str, Any], password: str) -> DemoUser:
    """A source's system account (role "Feed <source>"): no office, no profile, only the feed API."""
    role = sm.find_role(entry["role"])
    if role is None:
        raise SeedError(f"user {entry['username']}: unknown role {entry['role']}")
    if sm.find_user(username=entry["username"]) is None:
        email = entry.get("email") or f"{entry['username']}@cbic.example.org"
        name = entry.get("name", entry["username"])
        if not sm.add_user(entry["username"], name, "system", email, role, password=password):
            raise SeedError(f"user {entry['username']}: could not be created")
    return DemoUser(entry["username"], password, entry["role"], SYSTEM_ACCOUNT_OFFICE)


def seed_demo(organisation_path: str | Path, masters_path: str | Path) -> dict[str, int]:
    """Load offices, master lists and demo users; safe to run again."""
    data = yaml.safe_load(Path(organisation_path).read_text())
    counts = {"offices": load_offices(data["offices"]), "master items": load_masters(masters_path)}
    db.session.flush()
    offices = {o.code: o for o in db.session.execute(select(Office)).scalars()}
    sm = current_app.appbuilder.sm
    users = [_ensure_user(sm, entry, offices, demo_password()) for entry in data.get("users", [])]
    db.session.commit()
    counts["users"] = len(users)
    return counts


def demo_users() -> list[DemoUser]:
    """Every demo account with its role and office."""
    rows = db.session.execute(select(UserProfile).where(UserProfile.is_demo.is_(True))).scalars()
    sm = current_app.appbuilder.sm
    found = []
    for profile in rows:
        user = sm.get_user_by_id(profile.user_id)
        role = user.roles[0].name if user.roles else ""
        found.append(DemoUser(user.username, demo_password(), role, profile.office.code))
    for role in sm.get_all_roles():
        if role.name.startswith(FEED_PREFIX):
            password = demo_password()
            found += [DemoUser(u.username, password, role.name, SYSTEM_ACCOUNT_OFFICE) for u in role.user]
    return sorted(found, key=lambda u: (u.role, u.username))
