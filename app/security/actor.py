"""Who is asking: the signed-in user (session or JWT) as a policy Actor."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from app.security.policy import Actor
from app.security.sessions import profile_of


def actor_for(user) -> Actor | None:
    """Build the Actor of a FAB user (None for anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    profile = profile_of(user.id)
    return Actor(
        user_id=user.id,
        username=user.username,
        role_names=frozenset(role.name for role in user.roles),
        office=profile.office if profile is not None else None,
    )


def request_user():
    """The user of this request: session login, or the JWT user FAB put on `g.user`."""
    user = getattr(g, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return current_user if current_user.is_authenticated else None


def current_actor() -> Actor | None:
    """The Actor of the current request, looked up once per request."""
    if "mpr_actor" not in g:
        g.mpr_actor = actor_for(request_user())
    return g.mpr_actor
