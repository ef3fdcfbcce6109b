"""Who did something, by name: user ids as stored on records turned into usernames."""

from __future__ import annotations

from collections.abc import Iterable

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db


def full_name(user: User | None) -> str:
    """'First Last' as the user gave it on the profile ('' for nobody)."""
    return f"{user.first_name} {user.last_name}".strip() if user is not None else ""


def usernames(user_ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: username} for the ids given (one query; unknown ids are left out)."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    found = db.session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all()
    return dict(found)
