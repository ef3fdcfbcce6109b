"""Deadline day: 300 offices save (some colliding on one return) and submit their formats while
25 Zones validate and 20 Board users read status and reports, on gunicorn as production runs it.

    .venv/bin/python -m bench.load                       # national set, PostgreSQL, 10 minutes
    .venv/bin/python -m bench.load --zones 3 --minutes 2 # a quick look
    .venv/bin/python -m bench.load --sqlite --zones 2    # an SQLite file (the embedded default), demo scale
    .venv/bin/python -m bench.load --faults              # then kill -9 and a PostgreSQL restart

Everything runs against 127.0.0.1 only, on a database of its own (a scratch PostgreSQL database
or a temporary SQLite file), dropped afterwards; requests and time are bounded (`--minutes`,
then a grace period, then whatever is left is reported unfinished). It prints one table,
`measure | value | target | ok`, and exits 0 (a report, not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.load_data import Work, build, scratch_postgres
from bench.load_server import Server
from bench.load_users import Browser, Pace, Recorder, board_user, office_user, second_clerk, zone_user

PG_ADMIN = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
P95_TARGET_MS = 500.0
GRACE_SECONDS = 300


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _address(index: int) -> str:
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 + 1}"


async def run_users(
    server: Server, work: Work, minutes: float, seed: int, think: tuple[float, float]
) -> tuple[Recorder, float]:
    """Every virtual user, start to finish; (what they saw, seconds the office work took)."""
    recorder, rng = Recorder(), random.Random(seed)
    duration = minutes * 60
    pace = Pace(  # Zones look again about every 15 s, the Board every 10 s (sooner in a short run)
        think=think,
        zone_every=min(15.0, duration / 8),
        board_every=min(10.0, duration / 8),
        offices_done=asyncio.Event(),
        rng=rng,
    )
    browsers: list[Browser] = []

    def browser() -> Browser:
        browsers.append(Browser(server.base_url, _address(len(browsers)), recorder, timeout=60))
        return browsers[-1]

    ramp = 0.6 * duration  # office users arrive over the first 60 % of the window
    starts = {name: rng.uniform(0, ramp) for name in work.offices}
    offices = [office_user(browser(), name, work, pace, starts[name]) for name in work.offices]
    offices += [
        second_clerk(browser(), name, work, pace, starts[first] + 0.3)
        for name, first in work.colliding.items()
    ]
    arrive = min(60.0, 0.1 * duration)  # Zones and the Board sign in over the first minute
    readers = [zone_user(browser(), name, work, pace, rng.uniform(0, arrive)) for name in work.zones]
    readers += [board_user(browser(), name, work, pace, rng.uniform(0, arrive)) for name in work.board]
    began = time.monotonic()
    reader_tasks = [asyncio.create_task(coroutine) for coroutine in readers]
    try:
        await asyncio.wait_for(asyncio.gather(*offices), timeout=duration + GRACE_SECONDS)
    except TimeoutError:
        recorder.unfinished.append("office work did not finish within the window and its grace period")
    office_seconds = time.monotonic() - began
    pace.offices_done.set()
    done, pending = await asyncio.wait(reader_tasks, timeout=GRACE_SECONDS)
    for task in pending:
        task.cancel()
        recorder.unfinished.append("a Zone or Board user was still busy after the grace period")
    for item in browsers:
        await item.close()
    return recorder, office_seconds


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def app_times(log_text: str) -> dict[str, tuple[str, float]]:
    """The app's own time per request from its JSON access log: request id -> (method, ms)."""
    times = {}
    for line in log_text.splitlines():
        if '"ms"' not in line or not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "ms" in entry and "method" in entry:
            times[entry.get("request_id", "")] = (entry["method"], float(entry["ms"]))
    return times


def _in_app_part(inside: list[float]) -> str:
    return f" (in the app: p50 {statistics.median(inside):.0f} p95 {_percentile(inside, 0.95):.0f})"


def request_rows(recorder: Recorder, in_app: dict[str, tuple[str, float]]) -> list[tuple[str, str, str, str]]:
    """One row per kind of request: count, p50/p95/p99/max, 5xx and unanswered, and the app's own p95."""
    by_kind: dict[str, list] = defaultdict(list)
    for sample in recorder.samples:
        by_kind[sample.kind].append(sample)
    rows = []
    for kind in sorted(by_kind):
        samples = by_kind[kind]
        times = [s.ms for s in samples]
        inside = [in_app[s.request_id][1] for s in samples if s.request_id in in_app]
        errors = sum(1 for s in samples if s.status >= 500)
        unanswered = sum(1 for s in samples if s.status == 0)
        p95 = _percentile(times, 0.95)
        value = (
            f"n={len(samples)} p50 {statistics.median(times):.0f} p95 {p95:.0f} "
            f"p99 {_percentile(times, 0.99):.0f} max {max(times):.0f} ms"
            + (_in_app_part(inside) if inside else "")
            + f"; 5xx {errors}, no answer {unanswered}"
        )
        ok = p95 < P95_TARGET_MS and errors == 0 and unanswered == 0
        rows.append((f"load: {kind}", value, "p95 < 500 ms, 0 errors", "yes" if ok else "NO"))
    return rows


def server_time_rows(in_app: dict[str, tuple[str, float]]) -> list[tuple[str, str, str, str]]:
    """The app's own time per request, GET and POST: the part spent in the app."""
    by_method: dict[str, list[float]] = defaultdict(list)
    for method, ms in in_app.values():
        by_method[method].append(ms)
    rows = []
    for method in sorted(by_method):
        times = by_method[method]
        value = (
            f"n={len(times)} p50 {statistics.median(times):.0f} p95 {_percentile(times, 0.95):.0f} "
            f"p99 {_percentile(times, 0.99):.0f} ms"
        )
        rows.append((f"load: time inside the app (access log), {method}", value, "", ""))
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    """The report: one line per measure."""
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("measure", "value", "target", "ok")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    missed = [row[0] for row in rows if row[3] == "NO"]
    print("\nmissed targets: " + (", ".join(missed) if missed else "none"))


def summary_rows(recorder, verdict, office_seconds: float, log_text: str, label: str, minutes: float) -> list:
    """Lost saves, errors, the chain, and how the run went."""
    from bench.load_checks import Verdict

    assert isinstance(verdict, Verdict)
    errors = sum(1 for s in recorder.samples if s.status >= 500)
    locked = log_text.count("database is locked")
    tracebacks = log_text.count("Traceback (most recent call last)")
    window = f"{office_seconds / 60:.1f} min"
    rows = [
        ("load: set-up", label, "", ""),
        (
            "load: office work finished in",
            window,
            f"<= {minutes:g} min + grace",
            _ok(office_seconds <= minutes * 60 + GRACE_SECONDS),
        ),
        (
            "load: requests",
            f"{len(recorder.samples)} ({len(recorder.samples) / max(office_seconds, 1):.1f}/s)",
            "",
            "",
        ),
        ("load: responses 5xx", str(errors), "0", _ok(errors == 0)),
        ("load: accepted saves (incl. the save in a submit)", str(verdict.accepted), "", ""),
        (
            "load: lost saves",
            str(len(verdict.lost) + len(verdict.stored_mismatch)),
            "0",
            _ok(not verdict.lost and not verdict.stored_mismatch),
        ),
        (
            "load: save conflicts (409, reloaded and saved again)",
            str(recorder.conflicts),
            "> 0 (collisions happen)",
            _ok(recorder.conflicts > 0),
        ),
        (
            "load: submitted as the users saw / missing in the database",
            f"{len(recorder.submitted)} / {len(verdict.not_submitted)}",
            "0 missing",
            _ok(not verdict.not_submitted),
        ),
        ("load: validations (one owner's formats of one office)", str(recorder.validated), "", ""),
        ("load: requests sent again (idle connection closed or reset)", str(recorder.resent), "", ""),
        ("load: requests with no answer, by error", _counted(recorder.no_answer) or "none", "", ""),
        (
            "load: returns of the month by status",
            ", ".join(f"{k} {v}" for k, v in verdict.statuses.items()),
            "",
            "",
        ),
        (
            "load: refused or unfinished steps",
            str(len(recorder.refused) + len(recorder.unfinished)),
            "0",
            _ok(not recorder.refused and not recorder.unfinished),
        ),
        (
            "load: audit chain after the run",
            f"{verdict.audit_events} events, {len(verdict.audit_problems)} problems",
            "0 problems",
            _ok(not verdict.audit_problems),
        ),
        (
            "load: server log: 'database is locked' / tracebacks",
            f"{locked} / {tracebacks}",
            "0 / 0",
            _ok(locked == 0 and tracebacks == 0),
        ),
    ]
    return rows


def _ok(condition: bool) -> str:
    return "yes" if condition else "NO"


def _details(recorder, verdict) -> None:
    for title, items in (
        ("lost", verdict.lost),
        ("stored figure differs from the audit trail", verdict.stored_mismatch),
        ("submitted but not in the database", verdict.not_submitted),
        ("refused", recorder.refused),
        ("unfinished", recorder.unfinished),
        ("audit chain", verdict.audit_problems),
    ):
        for item in items[:10]:
            _say(f"  {title}: {item}")


def _say_tracebacks(log_text: str, most: int = 3) -> None:
    """The first server tracebacks, to stderr (the table only counts them)."""
    for chunk in log_text.split("Traceback (most recent call last)")[1 : most + 1]:
        lines = [line for line in chunk.splitlines() if line.strip()]
        _say("  server traceback: ... " + " | ".join(lines[-6:])[:1500])


def load_run(database_url: str, args, workdir: Path) -> tuple[list, Server, Work]:
    """Build the data, serve it, run the users, check the database; the table's rows."""
    started = time.monotonic()
    _say(f"building the data set ({args.zones} zones, {args.months} months) ...")
    work = build(database_url, args.zones, args.months, args.board, args.collide_every)
    _say(
        f"  {len(work.offices)} office users ({len(work.colliding)} offices with a second clerk), "
        f"{len(work.zones)} Zones, {len(work.board)} Board; {sum(map(len, work.offices.values()))} drafts "
        f"of {work.month}; {time.monotonic() - started:.0f} s"
    )
    server = Server(database_url, workdir / "gunicorn.log", args.workers, args.threads)
    server.start()
    _say(f"gunicorn on {server.base_url}: {len(server.worker_pids())} workers x {args.threads} threads")
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cpu_before, load_before = time.process_time(), os.getloadavg()[0]
    recorder, office_seconds = asyncio.run(run_users(server, work, args.minutes, args.seed, args.think))
    client_cpu = time.process_time() - cpu_before
    _say(f"users done in {office_seconds:.0f} s; checking the database ...")
    from bench.load_checks import verify

    verdict = verify(database_url, recorder.accepted, recorder.submitted, work.month, since)
    _details(recorder, verdict)
    backend = "SQLite file" if args.sqlite else "PostgreSQL"
    label = (
        f"{backend}, production config, Redis limits; gunicorn {args.workers}x{args.threads}; "
        f"{len(work.offices)} offices, "
        f"{len(work.zones)} Zones, {len(work.board)} Board; {args.minutes:g} min window"
    )
    log_text = server.log_text()
    if args.log:
        args.log.write_text(log_text)
    _say_tracebacks(log_text)
    rows = summary_rows(recorder, verdict, office_seconds, log_text, label, args.minutes)
    load = f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    rows.append(("load: machine load average (1 min) at start / end", load, "", ""))
    rows.append(
        ("load: CPU used by the load client itself", f"{client_cpu:.0f} s of {office_seconds:.0f} s", "", "")
    )
    in_app = app_times(log_text)
    return rows + request_rows(recorder, in_app) + server_time_rows(in_app), server, work


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zones", type=int, default=25, help="zones of 12 commissionerates (25 = national)")
    parser.add_argument("--months", type=int, default=13, help="months of history, ending with the one filed")
    parser.add_argument("--minutes", type=float, default=10.0, help="the window the offices arrive in")
    parser.add_argument("--board", type=int, default=20, help="Board users reading status and reports")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 4.0), help="seconds between steps")
    parser.add_argument("--collide-every", type=int, default=10, help="every Nth office has a second clerk")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true", help="an SQLite file (the embedded default) instead")
    parser.add_argument("--faults", action="store_true", help="then kill -9 workers and restart PostgreSQL")
    parser.add_argument("--no-restart", action="store_true", help="with --faults: leave PostgreSQL running")
    parser.add_argument("--log", type=Path, help="copy the server's log (gunicorn and the app) here")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (for bench.run)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def _counted(counter) -> str:
    """'ReadError POST submit x2, ...' (most first)."""
    return ", ".join(f"{what} x{n}" for what, n in counter.most_common())


def main(argv: list[str] | None = None) -> int:
    """Run the load test (and the fault tests) and print the table."""
    args = parse_args(argv)
    rows: list = []
    with tempfile.TemporaryDirectory(prefix="mpr-load-") as tmp:
        workdir = Path(tmp)
        if args.sqlite:
            rows, server, _work = load_run(f"sqlite:///{workdir / 'load.sqlite'}", args, workdir)
            server.stop()
        else:
            with scratch_postgres(PG_ADMIN) as database_url:
                rows, server, work = load_run(database_url, args, workdir)
                if args.faults:
                    from bench.load_faults import fault_rows

                    rows += fault_rows(server, database_url, work, restart=not args.no_restart)
                    if args.log:
                        args.log.write_text(server.log_text())  # the fault tests' part too
                server.stop()
    if args.json:
        print(json.dumps(rows))
    else:
        print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
