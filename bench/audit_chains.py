"""Benchmark rows for concurrent saves: one hash chain head for everything vs one chain per office.

Run `.venv/bin/python -m bench.audit_chains` (also part of `make bench`, i.e. `bench.run`). On a
PostgreSQL scratch database (created and dropped here; `BENCH_DATABASE_URL`, else
`TEST_DATABASE_URL`, else postgres@127.0.0.1:5432) holding the demo seed and a small national
data set, 1, 8 and 32 clients — processes forked from one app, each with its own connection — save the
draft of a different office's DPM-GST-ADJ-2 return through the saving service (`save_draft`:
plan, store, audit, commit) as fast as they can for a few seconds. Each number of clients runs
twice, interleaved: with `MPR_AUDIT_SINGLE_CHAIN` (every event on the one global head, as before
per-office chains) and with per-office chains. If PostgreSQL is unreachable, one note row says so.
"""

from __future__ import annotations

import multiprocessing
import time

from sqlalchemy import select

from bench.pg_scratch import PostgresUnreachable, scratch_database
from bench.run import Row, _say

CLIENTS = (1, 8, 32)
SECONDS = 4.0
FORMAT = "DPM-GST-ADJ-2"
MOVED = "RECEIPT_NO"  # the whole-number cell each save moves (a save that changes nothing stores nothing)


def _build(url: str):
    """The app on the scratch database: migrated, seeded, a small national set (72 commissionerates)."""
    from app import create_app
    from app.config_paths import SEED_DIR
    from app.demo.national import NationalPlan, generate_national
    from app.services.accounts.seeding import seed_demo
    from app.services.sync.sync_all import sync_all
    from bench.run import _bench_config

    config = _bench_config(url)
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": max(CLIENTS) + 4, "max_overflow": 4}
    application = create_app(config)
    with application.app_context():
        lines, ok = sync_all()
        if not ok:
            raise RuntimeError(lines)
        seed_demo(SEED_DIR / "organisation.yaml", application.config["MPR_MASTERS"])
        generate_national(NationalPlan(zones=6, months=2))
    return application


def _targets(application, count: int) -> list[tuple[int, object]]:
    """(office id, month) of `count` different offices' draft DPM-GST-ADJ-2 returns."""
    from app.definitions.months import Month
    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn

    with application.app_context():
        query = (
            select(MprReturn.office_id, MprReturn.period)
            .join(Office, Office.id == MprReturn.office_id)
            .where(MprReturn.format_code == FORMAT, MprReturn.status == "draft", Office.code.like("NZ%"))
            .order_by(Office.code)
            .limit(count)
        )
        found = [(office_id, Month.of(period)) for office_id, period in db.session.execute(query)]
        db.session.remove()
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} draft {FORMAT} returns of different offices")
    return found


def _client(application, office_id: int, month, gate, start, out) -> None:
    """In a process of its own: save one office's draft again and again for SECONDS; put (saves, errors)."""
    from app.extensions import db
    from app.models.org import Office
    from app.security import roles
    from app.security.policy import Actor
    from app.services.cycle.saving import save_draft
    from app.services.engine import catalogue
    from app.services.engine.grid import open_grid

    saves = errors = 0
    with application.test_request_context():
        fmt, office = catalogue.definitions().format(FORMAT), db.session.get(Office, office_id)
        actor = Actor(None, f"bench-{office.code}", frozenset({roles.OFFICE}), office)
        base = int(next(r for r in open_grid(fmt, office, month).rows if not r.is_total).cells[MOVED] or 0)
        gate.wait(timeout=120)
        stop = start.value + SECONDS
        while time.time() < stop:
            grid = open_grid(fmt, office, month)
            value = base + (saves + errors + 1) % 2
            try:
                result = save_draft(actor, fmt, office, month, grid.version, {"_": {MOVED: str(value)}})
                saves, errors = (saves + 1, errors) if result.saved else (saves, errors + 1)
            except Exception:  # noqa: BLE001 - counted: a bench reports, it does not stop
                db.session.rollback()
                errors += 1
        db.session.remove()
    out.put((saves, errors))


def _measure(application, targets, single: bool) -> tuple[float, int]:
    """Saves per second of len(targets) concurrent clients (forked processes); and the failed saves."""
    from app.extensions import db

    application.config["MPR_AUDIT_SINGLE_CHAIN"] = single
    with application.app_context():
        db.session.remove()
        db.engine.dispose()  # no connection crosses the fork
    context = multiprocessing.get_context("fork")
    gate, start, out = context.Barrier(len(targets) + 1), context.Value("d", 0.0), context.Queue()
    clients = [
        context.Process(target=_client, args=(application, office_id, month, gate, start, out))
        for office_id, month in targets
    ]
    for client in clients:
        client.start()
    start.value = time.time() + 0.2
    gate.wait(timeout=120)
    results = [out.get(timeout=SECONDS + 120) for _client in clients]
    for client in clients:
        client.join(timeout=30)
    return sum(s for s, _e in results) / SECONDS, sum(e for _s, e in results)


def measure(row=Row) -> list:
    """The rows: saves/s at 1, 8 and 32 clients, single global head vs per-office chains."""
    try:
        with scratch_database("mpr_bench_audit") as url:
            return _measure_on(url, row)
    except PostgresUnreachable as error:
        return [row("concurrent saves (PostgreSQL)", f"skipped: PostgreSQL unreachable ({error})")]


def _measure_on(url: str, row) -> list:
    application = None
    try:
        _say("audit chains: scratch PostgreSQL database, seed and a small national set ...")
        application = _build(url)
        targets = _targets(application, max(CLIENTS))
        rows = []
        for clients in CLIENTS:
            figures = {}
            for single in (True, False):
                _say(f"audit chains: {clients} client(s), {'single head' if single else 'per-office'} ...")
                figures[single] = _measure(application, targets[:clients], single)
            (old, old_errors), (new, new_errors) = figures[True], figures[False]
            failed = f" ({old_errors}/{new_errors} failed)" if old_errors or new_errors else ""
            rows.append(
                row(
                    f"saves/s, {clients} client(s) on different offices: single head / per-office chains",
                    f"{old:.1f} / {new:.1f}{failed}",
                    "per-office >= 0.9x single" if clients > 1 else "",
                    (new >= old * 0.9) if clients > 1 else None,
                )
            )
        return rows
    finally:
        if application is not None:
            with application.app_context():
                from app.extensions import db

                db.session.remove()
                db.engine.dispose()
