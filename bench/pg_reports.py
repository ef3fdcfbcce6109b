"""Report and Monthly Summary Report rows on PostgreSQL with the national data set.

Run `.venv/bin/python -m bench.pg_reports` (also part of `make bench`; `--no-pg-reports` leaves
it out). On a scratch PostgreSQL database (bench/pg_scratch.py) holding the demo seed and the
national data set (25 Zones, 300 commissionerates; 24 months, or `--months`), the all-India
report and the MSR are measured against hand-written SQL computing the same sums, interleaved,
exactly as the SQLite rows of bench/reports.py are; then the dashboard with every indicator
(bench/dashboard.py), and a Zone's outlier list with the last month submitted (bench/pg_flags.py).
If PostgreSQL is unreachable, one note row says so.
"""

from __future__ import annotations

import argparse
import time

from bench.pg_scratch import PostgresUnreachable, scratch_database
from bench.run import CSRF_RE, FULL, Row, _bench_config, _say, print_table


def _csrf(page: str) -> str:
    """The CSRF token of a page's form (the dashboard rows sign in through the login page)."""
    return CSRF_RE.search(page).group(1)


def _build(url: str, zones: int, months: int):
    """The app on the scratch database: synced, seeded, the national set; (app, months, seconds)."""
    from app import create_app
    from app.config_paths import SEED_DIR
    from app.demo.national import NationalPlan, generate_national, plan_months
    from app.services.accounts.seeding import seed_demo
    from app.services.sync.sync_all import sync_all

    application = create_app(_bench_config(url))
    with application.app_context():
        lines, ok = sync_all()
        if not ok:
            raise RuntimeError(lines)
        seed_demo(SEED_DIR / "organisation.yaml", application.config["MPR_MASTERS"])
        plan = NationalPlan(zones=zones, months=months)
        start = time.perf_counter()
        generate_national(plan)
        return application, plan_months(plan), time.perf_counter() - start


def measure(row=Row, zones: int = FULL["zones"], months: int = FULL["months"], repeat: int = 9) -> list:
    """The rows: the all-India report and the MSR against hand-written SQL, on PostgreSQL."""
    from bench.dashboard import measure_dashboard
    from bench.pg_flags import measure_zone_flags
    from bench.reports import measure_report, measure_summary

    try:
        with scratch_database("mpr_bench_reports") as url:
            _say(f"PostgreSQL reports: national set, {zones} zones, {months} months ...")
            application, plan, seconds = _build(url, zones, months)
            try:
                month = plan[-2]  # the last month whose returns are validated
                rows = [
                    row(
                        f"PostgreSQL: data set {zones} zones x {months} months, generated", f"{seconds:.0f} s"
                    )
                ]
                measured_rows = measure_report(application, month, repeat, row) + measure_summary(
                    application, month, repeat, row
                )
                measured_rows += measure_dashboard(application, month, repeat, row, _csrf)  # issue 13
                measured_rows += measure_zone_flags(application, plan[-1], repeat, row)  # last: it submits
                for measured in measured_rows:
                    measured.measure = f"PostgreSQL: {measured.measure.strip()}"
                    rows.append(measured)
                return rows
            finally:
                with application.app_context():
                    from app.extensions import db

                    db.session.remove()
                    db.engine.dispose()
    except PostgresUnreachable as error:
        return [row("reports on PostgreSQL", f"skipped: PostgreSQL unreachable ({error})")]


def main() -> int:
    """Print the rows as the bench table (always exit 0: a report, not a test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=FULL["zones"])
    parser.add_argument("--months", type=int, default=FULL["months"])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print_table(measure(Row, args.zones, args.months, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
