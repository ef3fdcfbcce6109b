"""The demo's corrections: raised and decided through the real correction services.

One correction of a validated month is approved by the format's owner (the return then
reads "Amended" and keeps its old revision), and one more waits for its owner's decision.
Only formats without a carried balance are corrected, so later months stay consistent.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.demo.synthetic_values import RowMaker
from app.errors import Refusal
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn, ReturnStatus
from app.security import roles
from app.security.actor import actor_for
from app.security.policy import Actor, applies_to
from app.services.cycle import corrections
from app.services.engine import catalogue, rowstore

FIRST_OFFICES = ("CGST-MUM-E", "MUM-NCH-IMP1")  # the offices the README walks through
JUSTIFICATIONS = (
    "Figures revised after reconciliation with the accounts of the Pay and Accounts Office.",
    "A disposal order issued on the last working day was left out; the month is re-stated.",
)


def _actor(username: str) -> Actor:
    return actor_for(current_app.appbuilder.sm.find_user(username=username))


def _owner_user(owner: str) -> str | None:
    sm = current_app.appbuilder.sm
    role = sm.find_role(f"{roles.OWNER_PREFIX}{owner}")
    if role is None:
        return None
    user = (
        db.session.execute(
            select(sm.user_model).where(sm.user_model.roles.any(id=role.id)).order_by(sm.user_model.id)
        )
        .scalars()
        .first()
    )
    return user.username if user is not None else None


def _validated(fmt: FormatDef, office: Office, month: Month) -> MprReturn | None:
    return db.session.execute(
        select(MprReturn).where(
            MprReturn.format_code == fmt.code,
            MprReturn.office_id == office.id,
            MprReturn.period == month.first_day,
            MprReturn.status == ReturnStatus.VALIDATED,
        )
    ).scalar_one_or_none()


def _revised(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value + 2)
    return str((Decimal(value) * Decimal("1.04") + Decimal("1.50")).quantize(Decimal("0.01")))


def _proposals(fmt: FormatDef, ret: MprReturn, month: Month) -> Iterator[dict[str, dict[str, str]]]:
    """Changes of one entered figure each, in turn, for the first rows of the return."""
    free = [c for c in RowMaker.of(fmt, month).free if c.is_numeric]
    for key, (_pos, cells) in list(rowstore.read(fmt, ret.id).items())[:3]:
        for column in free:
            revised = _revised(cells.get(column.code))
            if revised is not None:
                yield {key: {column.code: revised}}


def _candidates(months: list[Month]) -> Iterator[tuple[Office, FormatDef, Month, MprReturn, str]]:
    offices = db.session.execute(
        select(Office).where(Office.kind == "commissionerate").order_by(Office.code)
    ).scalars()
    first = {code: index for index, code in enumerate(FIRST_OFFICES)}
    ordered = sorted(offices, key=lambda o: (first.get(o.code, len(first)), o.code))
    formats = sorted(catalogue.definitions().formats.values(), key=lambda f: f.code)
    for office in ordered:
        for fmt in formats:
            owner = _owner_user(fmt.owner)
            if fmt.has_carry or owner is None or not applies_to(fmt, office):
                continue
            for month in (months[-7], months[-10]):
                ret = _validated(fmt, office, month)
                if ret is not None:
                    yield office, fmt, month, ret, owner
                    break


def _raise_one(office: Office, fmt: FormatDef, month: Month, ret: MprReturn, justification: str):
    enterer = _actor(office.code.lower())
    for changes in _proposals(fmt, ret, month):
        try:
            return corrections.raise_correction(enterer, fmt, office, [(month, changes)], justification)
        except Refusal:
            db.session.rollback()  # that figure would fail a check: try another
    return None


def seed_corrections(months: list[Month]) -> dict[str, int]:
    """One approved correction and one pending, in two different offices."""
    approved = pending = 0
    used: set[str] = set()
    for office, fmt, month, ret, owner in _candidates(months):
        if office.code in used or current_app.appbuilder.sm.find_user(username=office.code.lower()) is None:
            continue
        request = _raise_one(office, fmt, month, ret, JUSTIFICATIONS[approved + pending])
        if request is None:
            continue
        used.add(office.code)
        if not approved:
            corrections.approve(_actor(owner), request.number)
            approved += 1
        else:
            pending += 1
            break
    return {"corrections approved": approved, "corrections pending": pending}
