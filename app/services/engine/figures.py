"""Whether a return's figures may be shown: the READ_FIGURES rule applied to one return.

Every path that shows figures (grid, API, revisions, history, corrections) asks here,
so a draft is read only by the office that enters it, submitted figures also by their
validator, and everyone else waits for validation (app/security/policy.py says who).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import Forbidden, NotFound
from app.models.org import Office
from app.models.returns import MprReturn
from app.presenters.display import month_name
from app.security.policy import Action, Actor, may
from app.services.engine.grid import find_return


class FiguresNotYetReadable(Forbidden):
    """The caller sees the return's status, but its figures only once it is validated."""

    code = "figures_not_validated"


def state_of(fmt: FormatDef, office: Office, month: Month) -> str | None:
    """The return's status, or None when nobody has saved it yet."""
    ret = find_return(fmt.code, office, month)
    return ret.status if ret is not None else None


def may_read_figures(actor: Actor | None, fmt: FormatDef, office: Office, month: Month) -> bool:
    """Whether `actor` may read the figures of this return in the state it is in now."""
    return may_read_loaded(actor, fmt, office, find_return(fmt.code, office, month))


def may_read_loaded(actor: Actor | None, fmt: FormatDef, office: Office, ret: MprReturn | None) -> bool:
    """may_read_figures for a return a page has loaded already (None: nobody has saved it yet)."""
    return may(actor, Action.READ_FIGURES, office, fmt, state=ret.status if ret is not None else None)


def require_figures(
    actor: Actor | None, fmt: FormatDef, office: Office, month: Month, today: dt.date | None = None
) -> None:
    """Refuse (403 to those who see the status, else 404) unless the figures may be read."""
    state = state_of(fmt, office, month)
    if may(actor, Action.READ_FIGURES, office, fmt, today, state=state):
        return
    if not may(actor, Action.VIEW, office, fmt, today):
        raise NotFound()
    raise FiguresNotYetReadable(
        _(
            "%(format)s of %(office)s for %(month)s is %(status)s: its figures are shown "
            "once it is validated.",
            format=fmt.code,
            office=office.name,
            month=month_name(month),
            status=state or _("not started"),
        )
    )
