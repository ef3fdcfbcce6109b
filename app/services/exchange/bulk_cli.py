"""`flask mpr bulk-load`: check a bulk-load file (and load it with --apply), printing the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.errors import InvalidInput, NotFound
from app.security.actor import actor_for
from app.security.policy import Actor, may_bulk_load
from app.services.engine import catalogue
from app.services.exchange import bulk
from app.services.exchange.bulk_plan import Progress

Echo = Callable[..., None]


def _loader(username: str) -> Actor:
    user = current_app.appbuilder.sm.find_user(username=username)
    actor = actor_for(user) if user is not None and user.active else None
    if actor is None:
        raise NotFound(_("No active user %(name)s.", name=username))
    return actor


def _printer(echo: Echo) -> Callable[[Progress], None]:
    def show(step: Progress) -> None:
        verb = _("stored") if step.phase == "load" else _("checked")
        echo(f"{verb} {step.done}/{step.total}", err=True)

    return show


def run(format_code: str, path: str, username: str, apply_load: bool, status: str, echo: Echo) -> int:
    """Plan (and apply) the load; print the report; the exit code: 0 done, 1 problems found."""
    actor = _loader(username)
    fmt = catalogue.definitions().formats.get(format_code)
    if fmt is None:
        raise NotFound(_("There is no format %(code)s.", code=format_code))
    if not may_bulk_load(actor, fmt):
        raise InvalidInput(_("%(user)s may not bulk load %(format)s.", user=username, format=fmt.code))
    file = Path(path)
    upload = bulk.open_upload(file.name, file.read_bytes())
    plan = bulk.plan_load(actor, fmt, upload, progress=_printer(echo))
    for line in bulk.report_lines(plan):
        echo(line)
    if not plan.ok:
        return 1
    if not apply_load:
        echo(_("Dry run: nothing was stored. Run again with --apply to load."))
        return 0
    result = bulk.apply_load(actor, plan, status, progress=_printer(echo))
    echo(
        _(
            "Loaded %(returns)d return(s) of %(offices)d office(s) as %(status)s "
            "(%(drafts)d draft(s) replaced, %(followed)d later month(s) followed).",
            returns=result.returns,
            offices=result.offices,
            status=result.status,
            drafts=result.replaced_drafts,
            followed=result.later_months_followed,
        )
    )
    return 0
