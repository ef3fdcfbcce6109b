"""The benchmark table: start-up, permission sync, grid timings and queries per request.

Run `.venv/bin/python -m bench.run` (or `make bench`); `--full` uses the national data
set (300 commissionerates, 24 months). Everything is measured in the same run and
printed as ONE table (measure | value | target | ok). The exit code is always 0: this
is a report; missed targets are listed under the table.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "mpr_definitions.yaml"
SMALL = {"zones": 6, "months": 12}  # 72 commissionerates: finishes in about a minute
FULL = {"zones": 25, "months": 24}  # 300 commissionerates, 1,000 divisions, 4,000 ranges
SYNTHETIC_FORMATS = 150
BENCH_USER, BENCH_PASSWORD = "bench-office", "bench-password-2026-long"  # noqa: S105 - bench DB only
BENCH_ROLE = "Bench FAB page"  # can_bare only: the bare FAB page for the same user
BARE_PAGE = "/bench/bare"
FEW, MANY = "DPM-GST-ADJ-2", "DPM-GST-ADJ-1"  # single row / 3x4 product with subtotals
FREE = "GI-GST-5"
STARTUP_TARGET, SYNC_TARGET, RATIO_TARGET = 3.0, 10.0, 2.0


class BenchError(RuntimeError):
    """A request in the benchmark did not do what it should."""


@dataclass
class Row:
    """One line of the table; `ok` is None when the row has no target."""

    measure: str
    value: str
    target: str = ""
    ok: bool | None = None


def _say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _quiet() -> None:
    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)
    logging.getLogger("app").setLevel(logging.ERROR)


# ------------------------------------------------------------------ fresh-process probes


def _clock() -> tuple[float, float]:
    """(wall, cpu) now: wall-clock time and this process's CPU time."""
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall, cpu) seconds since `start`."""
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


def _probe_startup() -> dict:
    start = _clock()
    from app import create_app
    from config import Config

    application = create_app(Config)
    wall, cpu = _since(start)
    return {"wall": wall, "cpu": cpu, "formats": len(application.extensions["mpr_definitions"].formats)}


def _probe_sync() -> dict:
    from app import create_app
    from config import Config

    application = create_app(Config)
    with application.app_context():
        from app.services.sync.sync_all import sync_all

        start = _clock()
        _lines, ok_first = sync_all()
        first = _since(start)
        start = _clock()
        _lines, ok_second = sync_all()
        second = _since(start)
        from sqlalchemy import func, select

        from app.extensions import db

        model = application.appbuilder.sm.permissionview_model
        pvs = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    return {"first": first, "second": second, "ok": ok_first and ok_second, "permissions": pvs}


def _run_probe(name: str, definitions: Path, database: Path) -> dict:
    env = {**os.environ, "MPR_DEFINITIONS": str(definitions), "DATABASE_URL": f"sqlite:///{database}"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--probe", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"probe {name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _target(seconds: float, limit: float, applies: bool, ok: bool = True) -> tuple[str, bool | None]:
    return (f"<= {limit:.0f} s", seconds <= limit and ok) if applies else ("", None)


def measure_startup_and_sync(workdir: Path, synthetic: Path, repeat: int = 3) -> list[Row]:
    """Permission sync (empty DB, second run) and start-up, each in fresh processes, medians."""
    rows: list[Row] = []
    startup: list[Row] = []
    for label, definitions, has_target in (("shipped", SHIPPED, False), ("150-format", synthetic, True)):
        _say(f"permission sync, {label} definitions ({repeat} fresh databases) ...")
        syncs = [_run_probe("sync", definitions, workdir / f"sync-{label}-{n}.sqlite") for n in range(repeat)]
        synced = all(s["ok"] for s in syncs)
        for run, key in (("empty DB", "first"), ("second run", "second")):
            median = _median_pair([tuple(s[key]) for s in syncs])
            target, ok = _target(median[0], SYNC_TARGET, has_target, synced)
            measure = f"permission sync, {label} definitions, {run} (median of {repeat})"
            rows.append(Row(measure, _s(median), target, ok))
        pvs = str(syncs[0]["permissions"])
        rows.append(Row(f"  permissions (permission x view) after sync, {label}", pvs))
        _say(f"start-up, {label} definitions ({repeat} fresh processes) ...")
        database = workdir / f"sync-{label}-0.sqlite"
        probes = [_run_probe("startup", definitions, database) for _ in range(repeat)]
        median = _median_pair([(p["wall"], p["cpu"]) for p in probes])
        target, ok = _target(median[0], STARTUP_TARGET, has_target)
        measure = f"start-up (import + create_app), {probes[0]['formats']} formats (median of {repeat})"
        startup.append(Row(measure, _s(median), target, ok))
    return startup + rows


# ------------------------------------------------------------------ grid requests


INPUT_RE = re.compile(r'<input[^>]*\bname="(cell\|[^"]+)"[^>]*\bvalue="([^"]*)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _bench_config(database_url: str) -> type:
    from config import Config

    overrides = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MPR_DEFINITIONS": str(SHIPPED),
        "AUTH_RATE_LIMITED": False,
        "RATELIMIT_ENABLED": False,
    }
    return type("BenchConfig", (Config,), overrides)


def _bare_view_class():
    """A FAB view that renders the base layout (navbar, menu, footer) behind @has_access, nothing else."""
    from flask_appbuilder import BaseView, expose, has_access

    class BenchBareView(BaseView):
        route_base = "/bench"
        default_view = "bare"

        @expose("/bare")
        @has_access
        def bare(self):
            return self.render_template(self.appbuilder.base_template)

    return BenchBareView


def _bench_user(application, office) -> None:
    """An Office user of `office` that may also open the bare FAB page."""
    from app.extensions import db
    from app.models.org import UserProfile
    from app.security import roles

    sm = application.appbuilder.sm
    view = application.appbuilder.add_view_no_menu(_bare_view_class())
    page_role = sm.find_role(BENCH_ROLE) or sm.add_role(BENCH_ROLE)
    page_role.permissions = [sm.add_permission_view_menu("can_bare", view.class_permission_name)]
    user = sm.add_user(
        BENCH_USER,
        "Bench",
        "Office",
        "bench-office@example.gov.in",
        [sm.find_role(roles.OFFICE), page_role],
        password=BENCH_PASSWORD,
    )
    db.session.add(UserProfile(user_id=user.id, office_id=office.id, designation="Benchmark user"))
    db.session.commit()


def _set_free_rows(office, month, count: int) -> None:
    """Give the office's free-row return of `month` exactly `count` rows, as an open draft."""
    from app.demo.synthetic_values import RowMaker
    from app.extensions import db
    from app.models.returns import ReturnStatus
    from app.services.engine import catalogue, rowstore
    from app.services.engine.grid import find_return

    fmt = catalogue.definitions().format(FREE)
    ret = find_return(FREE, office, month)
    maker, rng = RowMaker.of(fmt, month), random.Random(count)
    rowstore.replace(
        fmt, ret.id, {f"R{i}": (i, maker.make(rng, 1.0, None, True)) for i in range(1, count + 1)}
    )
    ret.status = ReturnStatus.DRAFT
    db.session.commit()


def build_dataset(workdir: Path, size: dict) -> tuple[object, dict, object, object]:
    """A seeded SQLite file database with the national data set and the bench user."""
    from sqlalchemy import select

    from app import create_app
    from app.config_paths import SEED_DIR
    from app.demo.national import NationalPlan, generate_national, plan_months
    from app.extensions import db
    from app.models.org import Office
    from app.services.accounts.seeding import seed_demo
    from app.services.sync.sync_all import sync_all

    application = create_app(_bench_config(f"sqlite:///{workdir / 'national.sqlite'}"))
    with application.app_context():
        sync_all()
        seed_demo(SEED_DIR / "organisation.yaml", application.config["MPR_MASTERS"])
        plan = NationalPlan(zones=size["zones"], months=size["months"])
        start = time.perf_counter()
        counts = generate_national(plan)
        counts["seconds"] = time.perf_counter() - start
        office = (
            db.session.execute(
                select(Office)
                .where(
                    Office.code.like("NZ%"), Office.function == "executive", Office.segments.contains("GST")
                )
                .order_by(Office.code)
            )
            .scalars()
            .first()
        )
        months = plan_months(plan)
        _bench_user(application, office)
        _set_free_rows(office, months[-1], 5)
        _set_free_rows(office, months[-2], 200)
        return application, counts, office.code, months


def _login(client) -> None:
    page = client.get("/login/").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post(
        "/login/", data={"username": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise BenchError(f"bench user could not log in ({response.status_code})")


class Poster:
    """Saves the draft of one grid again and again (every save bumps the version)."""

    def __init__(self, client, url: str) -> None:
        page = client.get(url).get_data(as_text=True)
        self.client, self.url = client, url
        self.version = int(VERSION_RE.search(page).group(1))
        self.form = {
            name: html.unescape(value) for name, value in INPUT_RE.findall(page) if "__KEY__" not in name
        }
        self.form["csrf_token"] = CSRF_RE.search(page).group(1)
        if not any(name.startswith("cell|") for name in self.form):
            raise BenchError(f"{url}: the grid has no editable cells")
        # A save that changes nothing stores no new version: each post moves one whole-number cell.
        self.moved = next((n for n, v in self.form.items() if n.startswith("cell|") and v.isdigit()), None)
        self.posts = 0

    def __call__(self):
        data = {**self.form, "version": str(self.version)}
        self.posts += 1
        if self.moved is not None:
            data[self.moved] = str(int(self.form[self.moved]) + self.posts % 2)
        response = self.client.post(self.url, data=data)
        if response.status_code != 302:
            raise BenchError(f"POST {self.url} -> {response.status_code}")
        self.version += 1
        return response


def _getter(client, url: str) -> Callable:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} -> {response.status_code}")
        return response

    return get


class QueryCounter:
    """Counts SQL statements sent to the database (BEGIN/COMMIT/PRAGMA left out)."""

    SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith(self.SKIP):
            self.count += 1

    def during(self, call: Callable) -> int:
        """Statements issued while `call` runs."""
        self.count = 0
        call()
        return self.count


def _medians(calls: dict[str, Callable], requests: int) -> dict[str, tuple[float, float]]:
    """Median (wall, cpu) seconds of each call, the calls interleaved request by request."""
    for call in calls.values():  # warm-up: templates compiled, caches filled
        call()
        call()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    for _ in range(requests):
        for name, call in calls.items():  # interleaved, so drift hits every measure alike
            start = _clock()
            call()
            samples[name].append(_since(start))
    return {name: _median_pair(values) for name, values in samples.items()}


def _median_pair(values: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)


def _ms(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 1000:.1f} ms (cpu {pair[1] * 1000:.1f})"


def _s(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.2f} s (cpu {pair[1]:.2f})"


def measure_grid(application, office_code: str, months, requests: int) -> list[Row]:
    """Grid GET/POST against the bare FAB page, and statements per request."""
    from app.definitions.schema import slug
    from app.extensions import db

    last, before = months[-1], months[-2]

    def url(code: str, month) -> str:
        return f"/mpr/f/{slug(code)}/{office_code}/{month}"

    client = application.test_client()
    _login(client)
    calls = {
        "bare": _getter(client, BARE_PAGE),
        "get few": _getter(client, url(FEW, last)),
        "get many": _getter(client, url(MANY, last)),
        "post few": Poster(client, url(FEW, last)),
        "post many": Poster(client, url(MANY, last)),
    }
    _say(f"grid requests: {requests} of each, interleaved ...")
    median = _medians(calls, requests)
    with application.app_context():
        counter = QueryCounter(db.engine)
    queries = {name: counter.during(call) for name, call in calls.items()}
    queries["free 5"] = counter.during(_getter(client, url(FREE, last)))
    queries["free 200"] = counter.during(_getter(client, url(FREE, before)))
    return _grid_rows(median, queries, requests)


def _grid_rows(median: dict[str, tuple[float, float]], queries: dict[str, int], requests: int) -> list[Row]:
    bare = median["bare"]
    labels = {
        "get few": f"grid GET {FEW} (1 row)",
        "get many": f"grid GET {MANY} (12 rows + 4 totals)",
        "post few": f"grid POST save draft {FEW} (1 row)",
        "post many": f"grid POST save draft {MANY} (12 rows)",
    }
    rows = [Row(f"bare FAB page GET {BARE_PAGE}, median of {requests}", _ms(bare))]
    for key, label in labels.items():
        ratio, cpu_ratio = median[key][0] / bare[0], median[key][1] / bare[1]
        rows.append(Row(f"{label}, median of {requests}", _ms(median[key])))
        ratio_text = f"{ratio:.2f}x (cpu {cpu_ratio:.2f}x)"
        rows.append(Row(f"  ratio {label.split(' (')[0]} / bare", ratio_text, "<= 2x", ratio <= RATIO_TARGET))
    rows.append(Row(f"queries: bare FAB page GET {BARE_PAGE}", str(queries["bare"])))
    pairs = (
        ("get few", "get many", f"grid GET {FEW} (1 row)", f"grid GET {MANY} (16 rows)"),
        ("free 5", "free 200", f"grid GET {FREE} (5 free rows)", f"grid GET {FREE} (200 free rows)"),
        ("post few", "post many", f"grid POST {FEW} (1 row)", f"grid POST {MANY} (12 rows)"),
    )
    for few, many, few_label, many_label in pairs:
        rows.append(Row(f"queries: {few_label}", str(queries[few])))
        same = queries[many] == queries[few]
        rows.append(
            Row(f"queries: {many_label}", str(queries[many]), f"= {queries[few]} (row-independent)", same)
        )
    return rows


# ------------------------------------------------------------------ table


def print_table(rows: list[Row]) -> None:
    """The one table, then the list of missed targets."""
    header = Row("measure", "value", "target", None)
    width = [max(len(getattr(r, f)) for r in [header, *rows]) for f in ("measure", "value", "target")]

    def line(row: Row, ok: str) -> str:
        cells = (row.measure.ljust(width[0]), row.value.rjust(width[1]), row.target.ljust(width[2]))
        return " | ".join((*cells, ok)).rstrip()

    print(line(header, "ok"))
    print("-+-".join("-" * w for w in (*width, 6)))
    for row in rows:
        print(line(row, "" if row.ok is None else ("yes" if row.ok else "MISSED")))
    missed = [row.measure.strip() for row in rows if row.ok is False]
    print()
    print("Targets missed:" if missed else "All targets met.")
    for measure in missed:
        print(f"  - {measure}")


def main(argv: list[str] | None = None) -> int:
    """Run every measure and print the table; always exits 0."""
    parser = argparse.ArgumentParser(description="MPR MIS benchmark table")
    parser.add_argument(
        "--full", action="store_true", help="national set: 25 zones, 300 commissionerates, 24 months"
    )
    parser.add_argument("--zones", type=int, help="override the number of zones")
    parser.add_argument("--months", type=int, help="override the number of months")
    parser.add_argument("--requests", type=int, default=30, help="requests per grid measure (median)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory with the databases")
    parser.add_argument("--probe", choices=("startup", "sync", "bulk"), help=argparse.SUPPRESS)
    parser.add_argument("--no-bulk", action="store_true", help="leave out the bulk-load rows (300 x 12)")
    parser.add_argument(
        "--no-load", action="store_true", help="leave out the load test (gunicorn on PostgreSQL)"
    )
    parser.add_argument(
        "--no-audit-chains", action="store_true", help="leave out the concurrent-save rows (PostgreSQL)"
    )
    parser.add_argument(
        "--no-pg-reports", action="store_true", help="leave out the reports on PostgreSQL (national set)"
    )
    args = parser.parse_args(argv)
    _quiet()
    if args.probe:
        print(json.dumps(_probe(args.probe)))
        return 0
    size = dict(FULL if args.full else SMALL)
    size.update({k: v for k, v in (("zones", args.zones), ("months", args.months)) if v})
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="mpr-bench-"))
    try:
        rows = _run_all(workdir, size, args.requests, bulk_rows=not args.no_bulk)
        if not args.no_load:
            rows.extend(measure_load(args.full))
        if not args.no_audit_chains:
            rows.extend(measure_audit_chains())
        if not args.no_pg_reports:
            rows.extend(measure_pg_reports())
    finally:
        if args.keep:
            _say(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    load = f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    rows.append(Row("machine load average (1 min) at start / end", load))
    rows.append(Row("bench runtime (whole run)", f"{time.perf_counter() - began:.0f} s"))
    print_table(rows)
    return 0


def _probe(name: str) -> dict:
    if name == "bulk":
        from bench.bulk import probe

        return probe()
    return _probe_startup() if name == "startup" else _probe_sync()


def measure_bulk(workdir: Path) -> list[Row]:
    """Bulk load of 300 offices x 12 months (bench/bulk.py), in a fresh process on its own database."""
    from bench.bulk import rows

    _say("bulk load: 300 offices x 12 months, plan and apply (fresh process) ...")
    return rows(_run_probe("bulk", SHIPPED, workdir / "bulk.sqlite"), Row)


LOAD_SMALL = ["--zones", "3", "--months", "13", "--minutes", "2", "--board", "5"]
LOAD_FULL = ["--zones", "25", "--months", "13", "--minutes", "10", "--board", "20"]


def measure_load(full: bool) -> list[Row]:
    """The load test (bench/load.py) in its own process: gunicorn on a scratch PostgreSQL database."""
    arguments = LOAD_FULL if full else LOAD_SMALL
    _say(f"load test: python -m bench.load {' '.join(arguments)} (gunicorn, PostgreSQL, Redis) ...")
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.load", *arguments, "--json"], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return [Row("load test (bench/load.py)", f"did not run: {reason}", "runs", False)]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    return [
        Row(measure, value, target, {"yes": True, "NO": False}.get(ok)) for measure, value, target, ok in rows
    ]


def measure_pg_reports() -> list[Row]:
    """The all-India report and the MSR against hand-written SQL on PostgreSQL (bench/pg_reports.py)."""
    from bench.pg_reports import measure

    return measure(Row)


def measure_audit_chains() -> list[Row]:
    """Concurrent saves, single audit head vs per-office chains (bench/audit_chains.py, PostgreSQL)."""
    from bench.audit_chains import measure

    return measure(Row)


def _run_all(workdir: Path, size: dict, requests: int, bulk_rows: bool = True) -> list[Row]:
    sys.path.insert(0, str(ROOT))
    from app.demo.synthetic_formats import write_synthetic_definitions

    synthetic = write_synthetic_definitions(workdir / "synthetic.yaml", SYNTHETIC_FORMATS)
    rows = measure_startup_and_sync(workdir, synthetic)
    _say(f"national data set: {size['zones']} zones, {size['months']} months ...")
    application, counts, office_code, months = build_dataset(workdir, size)
    offices = "/".join(
        str(counts[f"{kind} offices"]) for kind in ("zone", "commissionerate", "division", "range")
    )
    rows.append(Row("data set: zones/commissionerates/divisions/ranges", offices))
    rows.append(
        Row(f"data set: returns/rows over {size['months']} months", f"{counts['returns']}/{counts['rows']}")
    )
    rows.append(Row("data set: generation time (bulk insert, SQLite file)", f"{counts['seconds']:.1f} s"))
    rows.extend(measure_grid(application, office_code, months, requests))
    rows.extend(measure_reports(application, months[-2], max(requests // 3, 5)))
    rows.extend(measure_status_page(application, months[-1], requests))
    rows.extend(measure_dashboard_page(application, months[-2], max(requests // 3, 5)))
    rows.extend(measure_exchange(application, office_code, months[-1], max(requests // 5, 3)))
    if bulk_rows:
        rows.extend(measure_bulk(workdir))
    rows.extend(measure_outliers(size["zones"]))
    return rows


def measure_exchange(application, office_code: str, month, repeat: int) -> list[Row]:
    """Excel upload rows (bench/exchange.py), for the bench office's draft month."""
    from bench.exchange import measure_upload

    _say(f"exchange: template upload of the largest format for {month} ...")
    client = application.test_client()
    _login(client)
    return measure_upload(
        application, client, office_code, month, repeat, Row, lambda page: CSRF_RE.search(page).group(1)
    )


def measure_status_page(application, month, requests: int) -> list[Row]:
    """Status rows (bench/status.py): the Board's summary by Zone and one Zone's first page."""
    from bench.status import measure_status

    _say(f"status: summary by Zone and one Zone's page for {month} ...")
    return measure_status(application, month, requests, Row, lambda page: CSRF_RE.search(page).group(1))


def measure_dashboard_page(application, month, requests: int) -> list[Row]:
    """Dashboard rows (bench/dashboard.py): every indicator, page and API, for the last validated month."""
    from bench.dashboard import measure_dashboard

    _say(f"dashboard: every indicator, page and API, for {month} ...")
    return measure_dashboard(application, month, requests, Row, lambda page: CSRF_RE.search(page).group(1))


def measure_reports(application, month, repeat: int) -> list[Row]:
    """Report and Excel rows (bench/reports.py), for the last validated month."""
    from bench.reports import measure_excel, measure_report, measure_summary
    from bench.scorecards import measure_scorecards

    _say(f"reports: all-India report, Monthly Summary Report and Excel for {month} ...")
    return (
        measure_report(application, month, repeat, Row)
        + measure_summary(application, month, repeat, Row)
        + measure_excel(application, month, repeat, Row)
        + measure_scorecards(application, month, repeat, Row)  # bench/scorecards.py
    )


def measure_outliers(zones: int) -> list[Row]:
    """Outlier detector rows (bench/outliers.py): recall and false alarms on planted outliers."""
    from bench.outliers import measure

    _say(f"outliers: planted outliers on synthetic history, {zones} zones ...")
    return measure(Row, zones)


if __name__ == "__main__":
    raise SystemExit(main())
