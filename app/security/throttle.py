"""A login throttle attackers cannot aim at someone else.

Failures are counted per (user id, client address). The first `MPR_THROTTLE_FREE_FAILURES`
cost nothing; each further one doubles the wait before that address may try that user id
again (1 s, 2 s, 4 s ... at most `MPR_THROTTLE_MAX_SECONDS`). A wait blocks only that
pair: the real user, signing in from their own computer, is not held up by an attacker
elsewhere, and an attacker trying one password after another gets a few per hour. The
account itself locks only after `MPR_LOCKOUT_FAILURES` failures in a row from anywhere
(FAB's `fail_login_count`), a number the throttle makes slow to reach.
Unknown user ids are throttled the same way, so the answers reveal nothing.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, request
from sqlalchemy import delete, select

from app.extensions import db
from app.models.throttle import LoginThrottle
from app.security.sessions import now

FORGET_AFTER = dt.timedelta(days=1)


def _key(username: str | None) -> tuple[str, str]:
    account = str(username or "").strip().lower()[:120]
    source = (request.remote_addr if has_request_context() else None) or "unknown"
    return account, source[:64]


def _row(account: str, source: str) -> LoginThrottle | None:
    return db.session.execute(
        select(LoginThrottle).where(LoginThrottle.account == account, LoginThrottle.source == source)
    ).scalar_one_or_none()


def wait_seconds(username: str | None) -> int:
    """Seconds this address must still wait before trying `username` again (0 = may try now)."""
    row = _row(*_key(username))
    if row is None:
        return 0
    left = (row.blocked_until - now()).total_seconds()
    return max(0, int(left + 0.999))


def delay_after(failures: int) -> int:
    """The wait (seconds) after `failures` consecutive failures of one user id from one address."""
    free = current_app.config["MPR_THROTTLE_FREE_FAILURES"]
    if failures <= free:
        return 0
    return min(2 ** (failures - free - 1), current_app.config["MPR_THROTTLE_MAX_SECONDS"])


def record_failure(username: str | None) -> int:
    """Count a failed sign-in of `username` from this address; returns the wait it now has."""
    account, source = _key(username)
    moment = now()
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < moment - FORGET_AFTER))
    row = _row(account, source)
    if row is None:
        row = LoginThrottle(account=account, source=source, failures=0, blocked_until=moment)
        db.session.add(row)
    row.failures += 1
    row.last_failure_at = moment
    wait = delay_after(row.failures)
    row.blocked_until = moment + dt.timedelta(seconds=wait)
    return wait


def record_success(username: str | None) -> None:
    """A successful sign-in clears the count of that user id from this address."""
    account, source = _key(username)
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.account == account, LoginThrottle.source == source)
    )
