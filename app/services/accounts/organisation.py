"""Look up offices and the offices a user may see."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.org import Office
from app.security.policy import Actor, visible_offices


def office_by_code(code: str) -> Office | None:
    """The active office with this code, or None."""
    return db.session.execute(
        select(Office).where(Office.code == code, Office.active.is_(True))
    ).scalar_one_or_none()


def offices_visible_to(
    actor: Actor | None, kinds: tuple[str, ...] | None = None, within: Office | None = None
) -> list[Office]:
    """Offices `actor` may see (of `kinds`, under `within`), ordered by their place in the hierarchy."""
    query = select(Office).where(visible_offices(actor), Office.active.is_(True))
    if kinds:
        query = query.where(Office.kind.in_(kinds))
    if within is not None:
        query = query.where(Office.path.startswith(within.path, autoescape=True))
    return list(db.session.execute(query.order_by(Office.path)).scalars())
