"""The demo's story from the first start: two financial years of returns for every demo office.

Every entering office of the demo organisation gets its returns from April two financial
years back up to the month just ended, drawn by the national generator (plausible figures
that pass every check, openings equal to last month's closings). Most months are validated
on time; some were submitted or validated after the due date; some months of formats
without a carried balance were never reported, and a few offices have not reported the
month before last (so they cannot start the last one either). The month just ended is
partly filled: not started, drafts, submitted and validated returns side by side. Each
return gets the audit events its save, submission and validation would have written, and
one correction goes through the real correction services and is approved (another waits
for its owner). The cells of formats fed by another system (`fed:`) were fed by that source's
system account shortly before the office first saved the return: each such return records the
feed and its audit event. Seeding is skipped once the demo offices have any return.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.demo import history_corrections as corrections
from app.demo.national import NationalPlan, Written, generate_returns
from app.extensions import db
from app.models.feeds import ReturnFeed
from app.models.org import Office, UserProfile
from app.models.returns import MprReturn, ReturnStatus
from app.security import roles
from app.security.policy import ENTERING_KINDS
from app.services import audit
from app.services.cycle.saving import save_payloads
from app.services.cycle.targets import SET_ACTION
from app.services.cycle.workflow import Step, return_key
from app.services.engine import catalogue
from app.services.engine.grid import last_open_month

HISTORY_SEED = 2024
FINANCIAL_YEARS = 2  # complete financial years before the current one
LATE_SHARE = 0.12  # returns submitted or validated after the due date
MISSING_SHARE = 0.03  # months of formats without a carried balance never reported
SILENT_EVERY = 7  # one office in seven has not reported the month before last
CURRENT_MIX = (("none", 0.25), (ReturnStatus.DRAFT, 0.3), (ReturnStatus.SUBMITTED, 0.25))
STORY_ACTOR = "demo-history"
FEED_LEAD = dt.timedelta(hours=2)  # a source feeds a return this long before the office first saves it


def history_months(today: dt.date | None = None) -> list[Month]:
    """April of the financial year two years back up to the month just ended, oldest first."""
    last = last_open_month(today)
    start = last.fy_start.shift(-12 * FINANCIAL_YEARS)
    months, month = [], start
    while month <= last:
        months.append(month)
        month = month.next()
    return months


def _clamp(stamp: dt.datetime, now: dt.datetime) -> dt.datetime:
    return min(stamp, now)


@dataclass
class DemoStory:
    """Decides for each return whether it was filed, when, and how far it got."""

    months: list[Month]
    due_day: int
    now: dt.datetime
    silent: frozenset[str] = frozenset()  # offices that have not reported the month before last
    seed: int = HISTORY_SEED
    broken: set[tuple[str, str]] = field(default_factory=set)  # carried chains that stopped

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))  # noqa: S311 - demo data

    def fate(self, office: Office, fmt: FormatDef, month: Month) -> dict[str, Any] | None:
        """Status and time stamps of one return, or None when it was never filed."""
        chain = (office.code, fmt.replaces or fmt.code)
        if chain in self.broken:
            return None
        rng = self._rng(office.code, fmt.code, month)
        last, before_last = self.months[-1], self.months[-2]
        if (
            month == before_last
            and office.code in self.silent
            or (month < before_last and not fmt.has_carry and rng.random() < MISSING_SHARE)
        ):
            if fmt.has_carry:
                self.broken.add(chain)
            return None
        status = ReturnStatus.VALIDATED
        if month == last:
            status = self._current_status(rng)
            if status is None:
                return None
        return self._stamps(month, status, rng, late=rng.random() < LATE_SHARE)

    @staticmethod
    def _current_status(rng: random.Random) -> ReturnStatus | None:
        draw = rng.random()
        for status, share in CURRENT_MIX:
            if draw < share:
                return None if status == "none" else status
            draw -= share
        return ReturnStatus.VALIDATED

    def _stamps(self, month: Month, status: ReturnStatus, rng: random.Random, late: bool) -> dict[str, Any]:
        following = month.next()
        created = dt.datetime(following.year, following.month, rng.randint(1, 4), rng.randint(9, 17))
        late_day = rng.randint(self.due_day + 1, max(self.due_day + 1, 28))  # 28: every month has it
        submitted_day = min(late_day, 28) if late else rng.randint(4, min(11, self.due_day))
        submitted = dt.datetime(following.year, following.month, submitted_day, rng.randint(10, 18))
        validated = submitted + dt.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
        created = _clamp(created, self.now)
        stamps: dict[str, Any] = {"status": str(status), "created_at": created, "updated_at": created}
        stamps.update(submitted_at=None, validated_at=None)
        if status in (ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED):
            stamps["submitted_at"] = stamps["updated_at"] = max(created, _clamp(submitted, self.now))
        if status == ReturnStatus.VALIDATED:
            stamps["validated_at"] = stamps["updated_at"] = max(
                stamps["submitted_at"], _clamp(validated, self.now)
            )
        return stamps


@dataclass(frozen=True)
class DemoPeople:
    """Who entered and who validated each office's returns (the demo users)."""

    enterers: dict[int, tuple[int, str]]  # office id -> (user id, username)
    validators: dict[int, tuple[int, str]]  # office id -> the user who validates its returns
    feeders: dict[str, tuple[int, str]] = field(default_factory=dict)  # source -> its system account
    owners: dict[str, tuple[int, str]] = field(default_factory=dict)  # owner code -> who sets its targets

    @classmethod
    def load(cls) -> "DemoPeople":
        """The demo users by office: an Office user enters, a Zone user of the parent validates."""
        sm = current_app.appbuilder.sm
        by_role: dict[tuple[str, int], tuple[int, str]] = {}
        for profile in db.session.execute(select(UserProfile)).scalars():
            user = sm.get_user_by_id(profile.user_id)
            for role in user.roles:
                by_role.setdefault((role.name, profile.office_id), (user.id, user.username))
        enterers, validators = {}, {}
        for office in db.session.execute(select(Office)).scalars():
            if (roles.OFFICE, office.id) in by_role:
                enterers[office.id] = by_role[(roles.OFFICE, office.id)]
            if office.parent_id is not None and (roles.ZONE, office.parent_id) in by_role:
                validators[office.id] = by_role[(roles.ZONE, office.parent_id)]
        feeders = {
            role.name.removeprefix(roles.FEED_PREFIX): (user.id, user.username)
            for role in sm.get_all_roles()
            if role.name.startswith(roles.FEED_PREFIX)
            for user in role.user[:1]
        }
        owners = {
            role.name.removeprefix(roles.OWNER_PREFIX): (user.id, user.username)
            for role in sm.get_all_roles()
            if role.name.startswith(roles.OWNER_PREFIX)
            for user in role.user[:1]
        }
        return cls(enterers, validators, feeders, owners)

    def feeds(self, written: Written, offices: dict[int, Office]) -> list[audit.PendingEvent]:
        """Record the feed of every written return of a fed format; the feed's audit events."""
        found: list[audit.PendingEvent] = []
        feeds: list[dict[str, Any]] = []
        for return_id, header, fmt, _rows in written:
            month = Month.of(header["period"])
            key = return_key(fmt.code, offices[header["office_id"]], month)
            at = header["created_at"] - FEED_LEAD
            for source in fmt.sources_in_force(month):
                user_id, username = self.feeders.get(source, (None, STORY_ACTOR))
                feeds.append(
                    {"return_id": return_id, "source": source, "fed_at": at}
                    | {"fed_by_id": user_id, "fed_by_name": username}
                )
                reason = f"demo history: fed from {source} on {at:%Y-%m-%d %H:%M}"
                event = (Step.FEED.value, "return", key, None, {"sources": [source]}, reason)
                found.append(audit.PendingEvent(user_id, username, *event))
        if feeds:
            db.session.execute(insert(ReturnFeed), feeds)
        return found

    def events(self, written: Written, offices: dict[int, Office]) -> list[audit.PendingEvent]:
        """The events a save, a submission and a validation of each written return would record."""
        found: list[audit.PendingEvent] = []
        for _return_id, header, fmt, rows in written:
            office, month = offices[header["office_id"]], Month.of(header["period"])
            key = return_key(fmt.code, office, month)
            if fmt.set_by_owner:  # a target: set by its owner, no save, submission or validation
                found.append(self._target_set(header, fmt, rows, key))
                continue
            enterer = self.enterers.get(office.id, (None, STORY_ACTOR))
            validator = self.validators.get(office.id, (None, STORY_ACTOR))
            carried = [] if header["opening_entered"] else [c.code for c in fmt.columns if c.carry]
            before = {
                k: {c: cells[c] for c in carried if cells.get(c) is not None}
                for k, (_p, cells) in rows.items()
            }
            payloads = save_payloads(fmt, before, rows)
            found.append(audit.PendingEvent(*enterer, Step.SAVE.value, "return", key, *payloads))
            steps = [
                (header["submitted_at"], enterer, Step.SUBMIT, ReturnStatus.DRAFT, ReturnStatus.SUBMITTED)
            ]
            steps.append(
                (
                    header["validated_at"],
                    validator,
                    Step.VALIDATE,
                    ReturnStatus.SUBMITTED,
                    ReturnStatus.VALIDATED,
                )
            )
            for at, (user_id, username), step, old, new in steps:
                if at is None:
                    break
                reason = f"demo history: {step.value} on {at:%Y-%m-%d %H:%M}"
                found.append(
                    audit.PendingEvent(
                        user_id, username, step.value, "return", key, {"status": old}, {"status": new}, reason
                    )
                )
        return found

    def _target_set(self, header: dict, fmt: FormatDef, rows, key: str) -> audit.PendingEvent:
        """The event setting a target writes (app/services/cycle/targets.py), by the format's owner."""
        user_id, username = self.owners.get(fmt.owner, (None, STORY_ACTOR))
        after = {"status": header["status"], "revision": 1, "cells": save_payloads(fmt, {}, rows)[1]}
        reason = f"demo history: target set on {header['validated_at']:%Y-%m-%d %H:%M}"
        return audit.PendingEvent(
            user_id, username, SET_ACTION, "return", key, None, after | {"set_by": username}, reason
        )


# ------------------------------------------------------------------ seeding


def demo_history_present() -> bool:
    """True once any return exists (the story is then never written again)."""
    return db.session.execute(select(MprReturn.id).limit(1)).first() is not None


def seed_demo_history(today: dt.date | None = None) -> dict[str, int]:
    """Write the demo's two financial years of returns and their audit events; {} if present."""
    if demo_history_present():
        return {}
    months = history_months(today)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    offices = {office.id: office for office in db.session.execute(select(Office)).scalars()}
    entering = sorted(o.code for o in offices.values() if o.kind in ENTERING_KINDS)
    walked_through = set(corrections.FIRST_OFFICES)  # the README's offices can fill the last month
    silent = frozenset(code for code in entering[3::SILENT_EVERY] if code not in walked_through)
    story = DemoStory(months, current_app.config["MPR_DUE_DAY"], now, silent)
    people = DemoPeople.load()
    events = 0

    def write_events(written: Written) -> None:
        nonlocal events
        events += audit.record_many(people.feeds(written, offices) + people.events(written, offices))

    plan = NationalPlan(months=len(months), last_month=months[-1], seed=HISTORY_SEED)
    counts = generate_returns(list(offices), plan, story, write_events)
    _targets_set_by(people)
    counts["audit events"] = events
    counts.update(corrections.seed_corrections(months))
    return counts


def _targets_set_by(people: DemoPeople) -> None:
    """Who set each target (set_by: owner): its owner's user (the generator writes no user ids)."""
    for fmt in catalogue.definitions().formats.values():
        if fmt.set_by_owner and fmt.owner in people.owners:
            user_id = people.owners[fmt.owner][0]
            who = dict.fromkeys(
                ("created_by_id", "updated_by_id", "submitted_by_id", "validated_by_id"), user_id
            )
            db.session.execute(update(MprReturn).where(MprReturn.format_code == fmt.code).values(**who))
    db.session.commit()
