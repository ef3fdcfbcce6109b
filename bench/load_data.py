"""The load test's database: the national data set, one user per office, Zone and Board seat, and
the work each office user has to do (its draft returns of the month being filed).

Built in this process with the app's own services (sync, seed, `generate_national`), then the
engine is disposed before gunicorn's workers open their own connections.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PASSWORD = "load-test-2026-deadline"  # noqa: S105 - a throw-away database, dropped afterwards
SECOND_CLERK = "-b"  # suffix of the second user of an office whose saves collide with the first's


@dataclass(frozen=True)
class Return:
    """One draft the office user opens, saves and submits."""

    format_code: str
    slug: str
    owner: str


@dataclass
class Work:
    """Who logs in and what they do."""

    month: str  # the month being filed, YYYY-MM
    validated_month: str  # the month before, validated: what the Board reads reports of
    report_format: str
    offices: dict[str, list[Return]] = field(default_factory=dict)  # username -> drafts
    office_of: dict[str, str] = field(default_factory=dict)  # username -> office code
    colliding: dict[str, str] = field(default_factory=dict)  # second clerk -> first clerk
    zones: list[str] = field(default_factory=list)
    zone_of: dict[str, str] = field(default_factory=dict)
    board: list[str] = field(default_factory=list)
    reserved: str = ""  # an office user kept out of the load, for the fault tests
    reserved_returns: list[Return] = field(default_factory=list)
    reserved_zone: str = ""  # the Zone user who validates the reserved office
    spare: str = ""  # another office user kept out of the load: it saves while PostgreSQL restarts
    spare_returns: list[Return] = field(default_factory=list)


@contextmanager
def scratch_postgres(admin_url: str, prefix: str = "mpr_load") -> Iterator[str]:
    """A new PostgreSQL database for one run, dropped (connections and all) afterwards."""
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()  # its pooled connection may not have survived a PostgreSQL restart
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def _config(database_url: str) -> type:
    from config import Config

    return type("LoadDataConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url})


def build(database_url: str, zones: int, months: int, board_users: int, collide_every: int) -> Work:
    """Sync, seed, generate the national data set and create every load-test user."""
    from app import create_app
    from app.config_paths import SEED_DIR
    from app.demo.national import NationalPlan, generate_national
    from app.extensions import db
    from app.services.accounts.seeding import seed_demo
    from app.services.sync.sync_all import sync_all

    application = create_app(_config(database_url))
    with application.app_context():
        lines, ok = sync_all()
        if not ok:
            raise RuntimeError("\n".join(lines))
        seed_demo(SEED_DIR / "organisation.yaml", application.config["MPR_MASTERS"])
        generate_national(NationalPlan(zones=zones, months=months))
        work = _users(application, board_users, collide_every)
        db.session.remove()
        db.engine.dispose()
    return work


def _drafts(month: dt.date) -> dict[str, list[Return]]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn, ReturnStatus
    from app.services.engine import catalogue

    definitions = catalogue.definitions()
    query = (
        select(Office.code, MprReturn.format_code)
        .join(Office, Office.id == MprReturn.office_id)
        .where(MprReturn.period == month, MprReturn.status == ReturnStatus.DRAFT, Office.code.like("NZ%"))
        .order_by(Office.code, MprReturn.format_code)
    )
    drafts: dict[str, list[Return]] = {}
    for office, code in db.session.execute(query):
        fmt = definitions.format(code)
        if fmt.set_by_owner:  # targets: the owner sets them, no office files them
            continue
        drafts.setdefault(office, []).append(Return(code, fmt.slug, fmt.owner))
    return drafts


def _users(application, board_users: int, collide_every: int) -> Work:
    """One Office user per commissionerate with drafts (two where saves collide), one per Zone, the Board."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app.demo.national import plan_months
    from app.extensions import db
    from app.models.org import Office, OfficeKind, UserProfile
    from app.security import roles

    month = plan_months(_plan_for_last_month())[-1]
    drafts = _drafts(month.first_day)
    previous = month.prev()
    work = Work(str(month), str(previous), report_format=_report_format(drafts))
    sm = application.appbuilder.sm
    hashed = generate_password_hash(PASSWORD)
    offices = {o.code: o for o in db.session.execute(select(Office)).scalars()}

    def add(username: str, role: str, office: Office) -> None:
        user = sm.add_user(
            username,
            "Load",
            username,
            f"{username}@load.example.org",
            sm.find_role(role),
            hashed_password=hashed,
            commit=False,
        )
        db.session.flush()
        db.session.add(UserProfile(user_id=user.id, office_id=office.id, designation="Load test user"))

    by_size = sorted(drafts.items(), key=lambda item: (len(item[1]), item[0]))
    *loaded, (spare, spare_returns), (reserved, reserved_returns) = by_size
    work.reserved, work.reserved_returns = f"load-{reserved.lower()}", reserved_returns
    work.spare, work.spare_returns = f"load-{spare.lower()}", spare_returns
    for username, code in ((work.reserved, reserved), (work.spare, spare)):
        add(username, roles.OFFICE, offices[code])
        work.office_of[username] = code
    work.reserved_zone = f"load-{offices[reserved].parent.code.lower()}"
    for index, (code, returns) in enumerate(sorted(loaded)):
        username = f"load-{code.lower()}"
        add(username, roles.OFFICE, offices[code])
        work.offices[username], work.office_of[username] = returns, code
        if collide_every and index % collide_every == 0:
            add(username + SECOND_CLERK, roles.OFFICE, offices[code])
            work.colliding[username + SECOND_CLERK] = username
            work.office_of[username + SECOND_CLERK] = code
    for office in sorted(offices.values(), key=lambda o: o.code):
        if office.kind == OfficeKind.ZONE and office.code.startswith("NZ"):
            username = f"load-{office.code.lower()}"
            add(username, roles.ZONE, office)
            work.zones.append(username)
            work.zone_of[username] = office.code
    for number in range(1, board_users + 1):
        username = f"load-board-{number:02d}"
        add(username, roles.BOARD, offices["CBIC"])
        work.board.append(username)
    db.session.commit()
    return work


def _plan_for_last_month():
    from app.demo.national import NationalPlan

    return NationalPlan(months=1)


def _report_format(drafts: dict[str, list[Return]]) -> str:
    """The format filed by the most offices: the report the Board keeps reading."""
    counts: dict[str, int] = {}
    for returns in drafts.values():
        for ret in returns:
            counts[ret.format_code] = counts.get(ret.format_code, 0) + 1
    return max(sorted(counts), key=lambda code: counts[code])
