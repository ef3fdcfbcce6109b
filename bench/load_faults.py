"""Fault tests on the load test's server and database (they would disturb a shared CI database).

1. `kill -9` of the workers while one is inside a submit, then inside a validation: the worker is
   caught mid-transaction (it has written the return's new status and waits to write its audit
   event, held by a table lock this script takes), every worker is killed, and the database must
   show nothing of it; gunicorn's master starts new workers and the same step then succeeds.
2. PostgreSQL restarted (`pg_ctlcluster ... restart`) while users keep reading and saving:
   requests fail cleanly (503, or no answer while the server is down), never a 500; the app
   recovers without a restart; no accepted save is lost.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
import time
from collections import Counter

import httpx
from sqlalchemy import create_engine, text

from bench.load_data import PASSWORD, Work
from bench.load_server import Server
from bench.load_users import CSRF, REFUSED, AcceptedSave, GridForm

PG_CLUSTER = os.environ.get("LOAD_PG_CLUSTER", "15 main").split()
WAITING_ON_AUDIT = text(
    "SELECT a.pid FROM pg_stat_activity a WHERE a.datname = current_database() "
    "AND a.wait_event_type = 'Lock' AND a.query ILIKE 'INSERT INTO mpr_audit_event%'"
)
HAS_WRITTEN_RETURN = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
    "WHERE l.pid = :pid AND c.relname = 'mpr_return' AND l.mode = 'RowExclusiveLock'"
)


def _client(server: Server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, headers={"X-Forwarded-For": "10.250.0.1"}, timeout=30)
    token = CSRF.search(client.get("/login/").text).group(1)
    answer = client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not log in ({answer.status_code})")
    return client


def _status_and_events(engine, fmt: str, office: str, month: str, action: str, since: dt.datetime):
    with engine.connect() as connection:
        status = connection.execute(
            text(
                "SELECT r.status FROM mpr_return r JOIN mpr_office o ON o.id = r.office_id "
                "WHERE r.format_code = :f AND o.code = :o AND r.period = :p"
            ),
            {"f": fmt, "o": office, "p": dt.date.fromisoformat(month + "-01")},
        ).scalar_one()
        events = connection.execute(
            text("SELECT count(*) FROM mpr_audit_event WHERE object_key = :k AND action = :a AND at >= :s"),
            {"k": f"return:{fmt}:{office}:{month}", "a": action, "s": since},
        ).scalar_one()
    return status, events


def _caught_mid_transaction(engine, server: Server, post) -> tuple[bool, list[int], float]:
    """Hold audit inserts, start `post`, wait until its worker waits inside its transaction, kill -9 all."""
    holder = engine.connect()
    transaction = holder.begin()
    holder.execute(text("LOCK TABLE mpr_audit_event IN SHARE MODE"))
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(_quietly(post)), daemon=True)
    thread.start()
    written, deadline = False, time.monotonic() + 20
    with engine.connect() as probe:
        while time.monotonic() < deadline and not written:
            for pid in probe.execute(WAITING_ON_AUDIT).scalars().all():
                written = written or probe.execute(HAS_WRITTEN_RETURN, {"pid": pid}).scalar_one() > 0
            probe.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one
            time.sleep(0.05)
    killed = server.kill_workers()
    transaction.rollback()
    holder.close()
    thread.join(30)
    recovery = server.wait_healthy()
    return written, killed, recovery


def _quietly(post):
    try:
        return post()
    except httpx.HTTPError as failed:
        return failed


def kill_during_submit(server: Server, engine, work: Work) -> tuple[str, str, str, str]:
    """kill -9 while a submit has written the new status and waits to write its audit event."""
    office, ret = work.office_of[work.reserved], work.reserved_returns[0]
    url = f"/mpr/f/{ret.slug}/{office}/{work.month}"
    client = _client(server, work.reserved)
    form = GridForm(client.get(url).text)
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    data = dict(form.fields)
    written, killed, recovery = _caught_mid_transaction(
        engine, server, lambda: client.post(f"{url}/submit", data=data)
    )
    after_kill = _status_and_events(engine, ret.format_code, office, work.month, "submit", since)
    again = client.post(f"{url}/submit", data=dict(GridForm(client.get(url).text).fields))
    page = client.get(again.headers.get("location", url))
    retried = _status_and_events(engine, ret.format_code, office, work.month, "submit", since)
    ok = written and after_kill == ("draft", 0) and retried == ("submitted", 1) and REFUSED not in page.text
    value = (
        f"caught mid-transaction: {'yes' if written else 'NO'}; {len(killed)} workers killed; after: "
        f"{after_kill[0]}, {after_kill[1]} submit events; workers back in {recovery:.1f} s; "
        f"submitted again: {retried[0]}, {retried[1]} event"
    )
    return ("fault: kill -9 during submit", value, "all or nothing; recovers", "yes" if ok else "NO")


def kill_during_validation(server: Server, engine, work: Work) -> tuple[str, str, str, str]:
    """Submit the reserved office's other drafts; kill -9 while its Zone validates one owner's formats."""
    office = work.office_of[work.reserved]
    client = _client(server, work.reserved)
    for ret in work.reserved_returns[1:]:
        url = f"/mpr/f/{ret.slug}/{office}/{work.month}"
        client.post(f"{url}/submit", data=dict(GridForm(client.get(url).text).fields))
    owners = [ret.owner for ret in work.reserved_returns]
    owner = max(sorted(set(owners)), key=owners.count)  # the owner with the most formats: several returns
    codes = {ret.format_code for ret in work.reserved_returns if ret.owner == owner}
    link = f"/mpr/validation/{owner}/{office}/{work.month}"
    zone = _client(server, work.reserved_zone)
    token = CSRF.search(zone.get(link).text).group(1)
    before = _statuses(engine, codes, office, work.month)
    written, killed, recovery = _caught_mid_transaction(
        engine, server, lambda: zone.post(link, data={"csrf_token": token})
    )
    after_kill = _statuses(engine, codes, office, work.month)
    token = CSRF.search(zone.get(link).text).group(1)
    zone.post(link, data={"csrf_token": token})
    retried = _statuses(engine, codes, office, work.month)
    ok = (
        written and after_kill == before == {"submitted": len(codes)} and retried == {"validated": len(codes)}
    )
    value = (
        f"{owner} of {office}, {len(codes)} formats; caught mid-transaction: {'yes' if written else 'NO'}; "
        f"{len(killed)} workers killed; after: {_counted(after_kill)}; workers back in {recovery:.1f} s; "
        f"validated again: {_counted(retried)}"
    )
    return ("fault: kill -9 during validation", value, "all or nothing; recovers", "yes" if ok else "NO")


def _statuses(engine, codes: set[str], office: str, month: str) -> dict[str, int]:
    """How many of these formats of the office are in each status."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT r.format_code, r.status FROM mpr_return r JOIN mpr_office o ON o.id = r.office_id "
                "WHERE o.code = :o AND r.period = :p"
            ),
            {"o": office, "p": dt.date.fromisoformat(month + "-01")},
        ).all()
    return dict(Counter(status for fmt, status in rows if fmt in codes))


def _counted(statuses: dict[str, int]) -> str:
    return ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))


class _Saver:
    """The spare office's user saving one draft again and again, keeping what the server accepted."""

    def __init__(self, server: Server, work: Work) -> None:
        self.client = _client(server, work.spare)
        self.office = work.office_of[work.spare]
        self.ret = work.spare_returns[0]
        self.url = f"/mpr/f/{self.ret.slug}/{self.office}/{work.month}"
        self.accepted: list[AcceptedSave] = []

    def once(self) -> int:
        page = self.client.get(self.url)
        if page.status_code != 200:
            return page.status_code
        form = GridForm(page.text)
        name, value = form.number_cell()
        answer = self.client.post(self.url, data=form.posted(name, value + 1))
        if answer.status_code == 302 and REFUSED not in self.client.get(answer.headers["location"]).text:
            _kind, row, column = name.split("|", 2)
            self.accepted.append(
                AcceptedSave(self.ret.format_code, self.office, row, column, value + 1, False)
            )
        return answer.status_code


def restart_postgres_under_load(
    server: Server, database_url: str, work: Work, seconds: float = 40
) -> tuple[str, str, str, str]:
    """Readers and a saver keep going while PostgreSQL restarts; count what they got, check every save."""
    from bench.load_checks import verify

    stop = threading.Event()
    seen: list[tuple[float, int]] = []
    zone_code = work.zone_of[work.zones[0]]
    board = _client(server, work.board[0])
    saver = _Saver(server, work)

    def read() -> None:
        while not stop.is_set():
            for url in (
                f"/mpr/status/?period={work.month}",
                f"/mpr/status/?period={work.month}&zone={zone_code}",
            ):
                seen.append((time.monotonic(), _status_of(lambda u=url: board.get(u))))

    def save() -> None:
        while not stop.is_set():
            seen.append((time.monotonic(), _status_of(saver.once)))
            time.sleep(0.1)

    since = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    threads = [threading.Thread(target=read, daemon=True), threading.Thread(target=save, daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 4)
    restart_at = time.monotonic()
    subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "restart"], check=True, capture_output=True)  # noqa: S603, S607
    restarted_at = time.monotonic()
    time.sleep(seconds * 3 / 4)
    stop.set()
    for thread in threads:
        thread.join(30)
    verdict = verify(database_url, saver.accepted, set(), work.month, since)
    lost = len(verdict.lost) + len(verdict.stored_mismatch)
    after = [status for at, status in seen if at > restarted_at + 5]
    during = Counter(status for at, status in seen if restart_at <= at <= restarted_at + 5)
    first_ok = next(
        (at - restarted_at for at, status in seen if at > restarted_at and status in (200, 302)), None
    )
    server_errors = sum(1 for _at, status in seen if status >= 500 and status != 503)
    recovered = bool(after) and set(after) <= {200, 302} and first_ok is not None
    ok = server_errors == 0 and recovered and lost == 0
    value = (
        f"restart {restarted_at - restart_at:.1f} s; during it and 5 s after: "
        + ", ".join(f"{'no answer' if s == 0 else s} x{n}" for s, n in sorted(during.items()))
        + f"; first success {first_ok if first_ok is None else round(first_ok, 1)} s after; "
        + f"then {len(after)} requests all answered: {recovered}; 500s {server_errors}; "
        + f"saves accepted {len(saver.accepted)}, lost {lost}"
    )
    return (
        "fault: PostgreSQL restarted under load",
        value,
        "503 not 500; recovers alone; 0 lost",
        "yes" if ok else "NO",
    )


def _status_of(call) -> int:
    try:
        answer = call()
    except httpx.HTTPError:
        return 0
    return answer if isinstance(answer, int) else answer.status_code


def fault_rows(
    server: Server, database_url: str, work: Work, restart: bool
) -> list[tuple[str, str, str, str]]:
    """Every fault test, each a row of the table."""
    engine = create_engine(database_url)
    try:
        rows = [kill_during_submit(server, engine, work), kill_during_validation(server, engine, work)]
    finally:
        engine.dispose()
    if restart:
        rows.append(restart_postgres_under_load(server, database_url, work))
    return rows
