"""Audit chains under concurrency (PostgreSQL): appends to different offices' chains do not wait for
each other, and two first writers of a new chain do not fork it.

Each test holds one transaction open on its own connection (a thread with its own app context and
session) and acts on another; a `lock_timeout` makes a wait fail the test instead of hanging it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

WAIT = 20  # seconds a held transaction stays open at most


@pytest.fixture
def postgres_app(app, backend):
    if not backend.startswith("postgresql"):
        pytest.skip("row locks only overlap on PostgreSQL (SQLite serialises every writer)")
    return app


def _append(office: str, actor: str = "tester") -> None:
    from app.services import audit

    audit.record(None, actor, "test-append", "test", f"test:{office}:{uuid.uuid4().hex[:6]}", office=office)


class Held:
    """A thread that runs `first` in a transaction of its own and keeps it open until released."""

    def __init__(self, app, first: Callable[[], None], commit: bool = False) -> None:
        self.app, self.first, self.commit = app, first, commit
        self.ready, self.release, self.error = threading.Event(), threading.Event(), None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        from app.extensions import db

        with self.app.app_context():
            try:
                self.first()
                db.session.flush()
                self.ready.set()
                self.release.wait(WAIT)
                db.session.commit() if self.commit else db.session.rollback()
            except Exception as error:  # noqa: BLE001 - handed to the test
                self.error = error
                db.session.rollback()
            finally:
                self.ready.set()
                db.session.remove()

    def __enter__(self) -> Held:
        self.thread.start()
        assert self.ready.wait(WAIT) and self.error is None, self.error
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(WAIT)
        assert self.error is None, self.error


def _append_with_lock_timeout(app, office: str) -> None:
    from app.extensions import db

    with app.app_context():
        try:
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            _append(office)
            db.session.commit()
        finally:
            db.session.rollback()
            db.session.remove()


def test_an_append_to_one_office_chain_does_not_wait_for_another_office(postgres_app):
    first, second = f"TA-{uuid.uuid4().hex[:8]}", f"TB-{uuid.uuid4().hex[:8]}"
    _append_with_lock_timeout(postgres_app, first)  # both chains exist already
    _append_with_lock_timeout(postgres_app, second)
    with Held(postgres_app, lambda: _append(first)):
        _append_with_lock_timeout(postgres_app, second)  # commits while office A's transaction is open
        with pytest.raises(OperationalError, match="lock timeout"):
            _append_with_lock_timeout(postgres_app, first)  # the same chain does wait: the test can tell
    _assert_chain(postgres_app, f"office:{second}", 2)


def test_two_first_writers_of_a_new_chain_do_not_fork_it(postgres_app):
    office = f"TN-{uuid.uuid4().hex[:8]}"
    with Held(postgres_app, lambda: _append(office, "first"), commit=True) as held:
        second = threading.Thread(target=_append_committed, args=(postgres_app, office))
        second.start()
        second.join(1.0)
        assert second.is_alive(), "the second first-writer did not wait for the first one's head"
        held.release.set()
        second.join(WAIT)
    assert [actor for actor, _seq in _assert_chain(postgres_app, f"office:{office}", 2)] == [
        "first",
        "second",
    ]


def _append_committed(app, office: str) -> None:
    from app.extensions import db

    with app.app_context():
        _append(office, "second")
        db.session.commit()
        db.session.remove()


def _assert_chain(app, chain: str, length: int) -> list[tuple[str, int]]:
    """The chain holds `length` events numbered 1.., each chained to the one before, its head on the last."""
    from app.extensions import db
    from app.models.audit import AuditEvent, AuditHead
    from app.services.audit import GENESIS, event_hash

    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
        found = list(db.session.execute(query).scalars())
        assert [e.seq for e in found] == list(range(1, length + 1))
        previous = GENESIS
        for event in found:
            assert (event.prev_hash, event.hash) == (previous, event_hash(event))
            previous = event.hash
        head = db.session.get(AuditHead, chain)
        assert (head.seq, head.hash) == (length, previous)
        result = [(e.actor, e.seq) for e in found]
        db.session.remove()
        return result
