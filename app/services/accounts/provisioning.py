"""Create users for many offices at once, each with a one-time password to hand over.

A one-time password is random, single-use and expires; re-issuing one replaces the
old (which stops working at once) and ends the user's sessions. The hand-over sheet
is an Excel workbook per Zone; user text never becomes a formula or a link.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from dataclasses import dataclass

import xlsxwriter
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.errors import InvalidInput
from app.extensions import db
from app.models.org import Office, OfficeKind, UserProfile
from app.presenters.display import moment
from app.security import roles, sessions
from app.services import audit

OTP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ROLE_FOR_KIND = {
    OfficeKind.COMMISSIONERATE: roles.OFFICE,
    OfficeKind.DG_UNIT: roles.OFFICE,
    OfficeKind.ZONE: roles.ZONE,
    OfficeKind.DIVISION: roles.FIELD,
    OfficeKind.RANGE: roles.FIELD,
}


class ProvisioningError(InvalidInput):
    """A row cannot be provisioned; the message names the row."""

    code = "provisioning_refused"

    def page_text(self) -> str:
        """Pages say that nothing was created, then why."""
        return _("Nothing was created: %(why)s", why=self.message)


@dataclass(frozen=True)
class Issued:
    """A user id with the one-time password to hand over."""

    username: str
    password: str
    role: str
    office: str
    office_name: str
    zone: str
    expires: dt.datetime


def one_time_password() -> str:
    """A random password of 4 groups of 4 easy-to-read characters."""
    raw = "".join(secrets.choice(OTP_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _zone_code(office: Office) -> str:
    node = office
    while node is not None and node.kind not in (OfficeKind.ZONE, OfficeKind.DG_HQ):
        node = node.parent
    return node.code if node is not None else office.code


def _expiry() -> dt.datetime:
    return sessions.now() + dt.timedelta(days=current_app.config["MPR_OTP_DAYS"])


def _hash(password: str) -> str:
    config = current_app.config
    return generate_password_hash(
        password,
        method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def _issue(user, profile: UserProfile, actor: str, action: str) -> Issued:
    password = one_time_password()
    user.password = _hash(password)  # not FAB's reset_password: it commits, and a batch is all or nothing
    profile.must_change_password, profile.is_demo = True, False
    profile.otp_expires_at, profile.otp_used_at, profile.locked_until = _expiry(), None, None
    sessions.bump_epoch(user.id)
    audit.record(
        None,
        actor,
        action,
        "user",
        f"user:{user.username}",
        None,
        {"office": profile.office.code, "expires": profile.otp_expires_at},
    )
    return Issued(
        user.username,
        password,
        user.roles[0].name if user.roles else "",
        profile.office.code,
        profile.office.name,
        _zone_code(profile.office),
        profile.otp_expires_at,
    )


def provision(username: str, role_name: str, office_code: str, actor: str) -> Issued:
    """Create one user (or re-issue if it exists for the same office) with a one-time password."""
    sm = current_app.appbuilder.sm
    office = db.session.execute(select(Office).where(Office.code == office_code)).scalar_one_or_none()
    role = sm.find_role(role_name)
    if not USERNAME_RE.match(username):
        raise ProvisioningError(
            _("'%(user)s' is not a valid user id (letters, digits, . _ -; at most 64)", user=username)
        )
    if office is None:
        raise ProvisioningError(
            _("%(user)s: office '%(office)s' does not exist", user=username, office=office_code)
        )
    if role is None:
        raise ProvisioningError(_("%(user)s: role '%(role)s' does not exist", user=username, role=role_name))
    user = sm.find_user(username=username)
    if user is not None:
        profile = sessions.profile_of(user.id)
        if profile is None or profile.office_id != office.id:
            raise ProvisioningError(
                _("%(user)s: the user id already exists for another office", user=username)
            )
        return _issue(user, profile, actor, "otp-reissued")
    # Not FAB's add_user, which commits: the whole batch is one transaction.
    user = sm.user_model(
        first_name=username,
        last_name=office.code,
        username=username,
        email=f"{username}@users.invalid",
        active=True,
        roles=[role],
    )
    db.session.add(user)
    db.session.flush()
    profile = UserProfile(user_id=user.id, office_id=office.id)
    db.session.add(profile)
    db.session.flush()
    return _issue(user, profile, actor, "user-provisioned")


def reissue(username: str, actor: str) -> Issued:
    """A new one-time password for an existing user; the old one stops working."""
    user = current_app.appbuilder.sm.find_user(username=username)
    profile = sessions.profile_of(user.id) if user is not None else None
    if profile is None:
        raise ProvisioningError(_("%(user)s: no such user", user=username))
    issued = _issue(user, profile, actor, "otp-reissued")
    db.session.commit()
    return issued


def from_csv(text: str, actor: str) -> list[Issued]:
    """Provision every row of a CSV with columns username, role, office; all or nothing."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"username", "role", "office"} - set(reader.fieldnames or [])
    if missing:
        raise ProvisioningError(
            _(
                "the CSV needs the columns username, role, office (missing: %(missing)s)",
                missing=sorted(missing),
            )
        )
    issued = []
    try:
        for line, row in enumerate(reader, start=2):
            try:
                issued.append(
                    provision(row["username"].strip(), row["role"].strip(), row["office"].strip(), actor)
                )
            except ProvisioningError as error:
                raise ProvisioningError(_("line %(line)s: %(error)s", line=line, error=error)) from None
        db.session.commit()
    except ProvisioningError:
        db.session.rollback()
        raise
    return issued


@dataclass(frozen=True)
class ZonePlan:
    """What provisioning a Zone would do, user id by user id (nothing is changed by making it)."""

    zone: Office
    targets: list[tuple[str, str, str]]  # (user id, role, office code) for every office of the tree
    new: list[str]  # user ids to create
    waiting: list[str]  # exist but never set a password: they get a new one-time password
    settled: list[str]  # set their own password: left alone unless asked for


def _has_own_password(username: str) -> bool:
    user = current_app.appbuilder.sm.find_user(username=username)
    profile = sessions.profile_of(user.id) if user is not None else None
    return profile is not None and not profile.must_change_password and not profile.is_demo


def zone_plan(zone_code: str) -> ZonePlan:
    """Which users of a Zone's tree would be created, get a new one-time password, or be left alone."""
    zone = db.session.execute(select(Office).where(Office.code == zone_code)).scalar_one_or_none()
    if zone is None or zone.kind not in (OfficeKind.ZONE, OfficeKind.DG_HQ):
        raise ProvisioningError(_("'%(zone)s' is not a Zone", zone=zone_code))
    offices = db.session.execute(
        select(Office).where(Office.path.startswith(zone.path), Office.active.is_(True)).order_by(Office.path)
    ).scalars()
    targets, new, waiting, settled = [], [], [], []
    sm = current_app.appbuilder.sm
    for office in offices:
        role = ROLE_FOR_KIND.get(office.kind) or (roles.ZONE if office.kind == OfficeKind.DG_HQ else None)
        if role is None:
            continue
        username = office.code.lower()
        targets.append((username, role, office.code))
        if sm.find_user(username=username) is None:
            new.append(username)
        else:
            (settled if _has_own_password(username) else waiting).append(username)
    return ZonePlan(zone, targets, new, waiting, settled)


def for_zone(zone_code: str, actor: str, include_settled: bool = False) -> list[Issued]:
    """One user per office of a Zone's tree (Zone, Commissionerates, Divisions, Ranges); all or nothing.

    Users who already set their own password are left alone unless `include_settled`.
    """
    plan = zone_plan(zone_code)
    skipped = set() if include_settled else set(plan.settled)
    issued = []
    try:
        for username, role, office_code in plan.targets:
            if username not in skipped:
                issued.append(provision(username, role, office_code, actor))
        db.session.commit()
    except ProvisioningError:
        db.session.rollback()
        raise
    return issued


def handover_workbook(issued: list[Issued]) -> bytes:
    """An .xlsx with one sheet per Zone: user id, one-time password, role, office, expiry."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(buffer, options) as workbook:
        bold = workbook.add_format({"bold": True})
        for zone in sorted({i.zone for i in issued}):
            sheet = workbook.add_worksheet(zone[:31])
            sheet.write_row(
                0,
                0,
                [
                    _("User id"),
                    _("One-time password"),
                    _("Role"),
                    _("Office"),
                    _("Office name"),
                    _("Expires (UTC)"),
                ],
                bold,
            )
            rows = [i for i in issued if i.zone == zone]
            for row_number, item in enumerate(rows, start=1):
                sheet.write_row(
                    row_number,
                    0,
                    [
                        item.username,
                        item.password,
                        item.role,
                        item.office,
                        item.office_name,
                        moment(item.expires),
                    ],
                )
            sheet.set_column(0, 5, 22)
    return buffer.getvalue()
