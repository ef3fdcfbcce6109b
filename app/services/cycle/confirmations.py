"""What an irreversible action is about to do, shown to the user before they confirm it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.security.policy import Action, Actor, may
from app.services.cycle.workflow import NotPermitted, owner_formats, returns_of


@dataclass(frozen=True)
class ValidationPlan:
    """One owner's formats of an office and month, each with the return it would validate."""

    owner: str
    office: Office
    month: Month
    formats: list[tuple[FormatDef, MprReturn | None]]

    @property
    def missing(self) -> list[str]:
        """Codes of formats not yet submitted (validation would be refused)."""
        done = (ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED)
        return [fmt.code for fmt, ret in self.formats if ret is None or ret.status not in done]

    @property
    def pending(self) -> list[FormatDef]:
        """Formats whose submitted return would be validated."""
        return [fmt for fmt, ret in self.formats if ret is not None and ret.status == ReturnStatus.SUBMITTED]

    @property
    def possible(self) -> bool:
        """Whether confirming would validate anything."""
        return bool(self.formats) and not self.missing and bool(self.pending)


def validation_plan(actor: Actor, owner: str, office: Office, month: Month) -> ValidationPlan:
    """What "Validate <owner>" would do for one office and month (nothing is changed)."""
    if not may(actor, Action.VALIDATE, office):
        raise NotPermitted(
            _("%(user)s may not validate for %(office)s", user=actor.username, office=office.code)
        )
    formats = owner_formats(owner, office, month)
    returns = returns_of([f.code for f in formats], office, month)
    return ValidationPlan(owner, office, month, [(fmt, returns.get(fmt.code)) for fmt in formats])
