"""What the caller may do with each format: enter, validate, own (decide corrections), read."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.definitions.schema import FormatDef
from app.models.org import Office
from app.security.policy import Action, Actor, applies_to, may, may_set

ENTER, VALIDATE, OWN, READ = "enter", "validate", "own", "read"
SET = "set"  # the owner sets the returns of a format set by its owner (annual targets)

LABELS = {
    ENTER: _l("enter"),
    VALIDATE: _l("validate"),
    OWN: _l("own (decide corrections)"),
    SET: _l("set the targets"),
    READ: _l("read"),
}


def for_office(actor: Actor | None, fmt: FormatDef, office: Office) -> list[str]:
    """What `actor` may do with `fmt` for one office's returns (the format is readable)."""
    found = []
    if may(actor, Action.ENTER, office, fmt):
        found.append(ENTER)
    if applies_to(fmt, office) and may(actor, Action.VALIDATE, office, fmt):
        found.append(VALIDATE)
    if may(actor, Action.APPROVE, office, fmt):
        found.append(OWN)
    if may(actor, Action.SET, office, fmt):
        found.append(SET)
    return [*found, READ]


def for_caller(actor: Actor | None, fmt: FormatDef, offices: Iterable[Office]) -> list[str]:
    """What `actor` may do with `fmt` anywhere in its jurisdiction (`offices`: the entering ones it sees)."""
    found = []
    own_office = actor.office if actor is not None else None
    if own_office is not None and may(actor, Action.ENTER, own_office, fmt):
        found.append(ENTER)
    if any(applies_to(fmt, o) and may(actor, Action.VALIDATE, o, fmt) for o in offices):
        found.append(VALIDATE)
    if own_office is not None and may(actor, Action.APPROVE, own_office, fmt):
        found.append(OWN)
    if may_set(actor, fmt):
        found.append(SET)
    return [*found, READ]


def labels(found: Iterable[str]) -> list[str]:
    """The translated words for a list of abilities."""
    return [str(LABELS[a]) for a in found]
