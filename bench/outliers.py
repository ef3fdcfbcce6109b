"""Recall and false alarms of the outlier detector on synthetic history with planted outliers.

A fresh SQLite database gets the demo seed and a national organisation (app/demo/national.py's
offices), then twelve months of history and the month under review for two formats: DDM-CUS-1A
(Customs revenue, amounts in Rs. crore) and DPM-GST-ADJ-2 (GST adjudication, counts and amounts).
Every office has its own size (log-normal across offices), every cell its own level, a gentle
trend, a seasonal swing and month-to-month noise (log-normal, 15%); counts are rounded. One office
in five is new: only four months of history, so its peers' limits judge it. In the month under
review about 10% of the checked cells (only where the usual figure is at least 20, so that the
planted error is a real one) get one of: x 10, / 10, or a typo with an extra digit (1234 -> 12344).

The detector (app/services/reports/outliers.py: one SQL query per format over every office) then
flags the month; recall = planted cells flagged / planted; false-alarm rate = unplanted cells
flagged / unplanted cells. Run alone: `.venv/bin/python -m bench.outliers [--zones N]`.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("DDM-CUS-1A", "DPM-GST-ADJ-2")
KINDS = ("x10", "/10", "extra digit")
PLANT_SHARE, NEW_SHARE, NOISE, NEW_MONTHS = 0.1, 0.2, 0.15, 4


@dataclass
class Tally:
    """Counts of one group of checked cells."""

    cells: int = 0
    planted: Counter = None
    caught: Counter = None
    false_alarms: int = 0

    def __post_init__(self) -> None:
        self.planted, self.caught = Counter(), Counter()


def _say(text: str) -> None:
    print(f"[bench outliers] {text}", file=sys.stderr, flush=True)


def _typed(column, value: float):
    if column.type == "count":
        return max(int(round(value)), 0)
    return Decimal(f"{max(value, 0):.2f}")


def _plant(kind: str, value, column):
    if kind == "x10":
        return _typed(column, float(value) * 10)
    if kind == "/10":
        return _typed(column, float(value) / 10)
    whole = str(int(value))  # a typo: the last digit of the whole part typed twice
    typo = float(whole + whole[-1]) + (float(value) - int(value))
    return _typed(column, typo)


def _series(
    rng: random.Random, size: float, month_index: int, level: float, trend: float, phase: float
) -> float:
    season = 1 + 0.12 * math.sin(2 * math.pi * (month_index + phase) / 12)
    return size * level * (1 + trend) ** month_index * season * rng.lognormvariate(0, NOISE)


def generate(months, rng: random.Random) -> tuple[dict, dict]:
    """Write the returns; {(format, office id, row, column): planted kind} and the group of each office."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models.org import Office
    from app.models.returns import MprReturn
    from app.security.policy import applies_to
    from app.services.engine import calculation, catalogue
    from app.services.reports.outlier_sql import checked_columns

    planted, groups = {}, {}
    stamp = __import__("datetime").datetime(2026, 1, 1)
    offices = db.session.execute(select(Office).where(Office.code.like("NZ%"))).scalars().all()
    current = months[-1]
    for code in FORMATS:
        fmt = catalogue.definitions().format(code)
        table = catalogue.table_of(fmt)
        columns = checked_columns(fmt, current)
        for office in (o for o in offices if applies_to(fmt, o)):
            new = rng.random() < NEW_SHARE
            groups[office.id] = "peers" if new else "own"
            size = rng.lognormvariate(0, 0.8)
            shape = {
                c.code: (rng.uniform(20, 200), rng.uniform(-0.01, 0.02), rng.uniform(0, 12)) for c in columns
            }
            span = months[-(NEW_MONTHS + 1) :] if new else months
            for index, month in enumerate(span):
                cells = {c.code: _typed(c, _series(rng, size, index, *shape[c.code])) for c in columns}
                if month == current:
                    for column in columns:
                        if float(cells[column.code]) >= 20 and rng.random() < PLANT_SHARE:
                            kind = rng.choice(KINDS)
                            cells[column.code] = _plant(kind, cells[column.code], column)
                            planted[(code, office.id, "_", column.code)] = kind
                status = "submitted" if month == current else "validated"
                ret = MprReturn(
                    format_code=code,
                    office_id=office.id,
                    period=month.first_day,
                    status=status,
                    created_at=stamp,
                    updated_at=stamp,
                )
                db.session.add(ret)
                db.session.flush()
                computed = calculation.compute_row(fmt, month, cells)
                record = {"return_id": ret.id, "row_key": "_", "position": 0}
                record.update({c.db_name: computed.get(c.code) for c in fmt.columns})
                db.session.execute(insert(table), [record])
        db.session.commit()
    return planted, groups


def detect(month) -> tuple[set, float, int]:
    """{(format, office id, row, column)} flagged over every office, the seconds and cells checked."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.returns import MprReturn
    from app.services.engine import catalogue
    from app.services.reports.outlier_sql import HANDED_IN, checked_columns
    from app.services.reports.outliers import flags
    from app.services.reports.scope import files_format

    found, seconds, cells = set(), 0.0, 0
    for code in FORMATS:
        fmt = catalogue.definitions().format(code)
        start = time.perf_counter()
        for flag in flags(fmt, month, files_format(fmt), HANDED_IN):
            found.add((code, flag.office_id, flag.row, flag.column))
        seconds += time.perf_counter() - start
        returns = db.session.execute(
            select(func.count()).where(MprReturn.format_code == code, MprReturn.period == month.first_day)
        ).scalar_one()
        cells += returns * len(checked_columns(fmt, month))
    return found, seconds, cells


def tally(planted: dict, groups: dict, found: set, month) -> dict[str, Tally]:
    """Per group ('own' history, 'peers' only, 'all'): cells, planted and caught by kind, false alarms."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.returns import MprReturn
    from app.services.engine import catalogue
    from app.services.reports.outlier_sql import checked_columns

    result = {name: Tally() for name in ("own", "peers", "all")}
    for code in FORMATS:
        fmt = catalogue.definitions().format(code)
        columns = checked_columns(fmt, month)
        offices = db.session.execute(
            select(MprReturn.office_id).where(
                MprReturn.format_code == code, MprReturn.period == month.first_day
            )
        ).scalars()
        for office_id in offices:
            for column in columns:
                key = (code, office_id, "_", column.code)
                for name in (groups[office_id], "all"):
                    group = result[name]
                    group.cells += 1
                    if key in planted:
                        group.planted[planted[key]] += 1
                        group.caught[planted[key]] += key in found
                    elif key in found:
                        group.false_alarms += 1
    return result


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a"


def rows(result: dict[str, Tally], seconds: float, cells: int, row_type) -> list:
    """The table rows: recall by kind and group, false-alarm rate, detector time."""
    lines = []
    labels = {"own": "own history (12 months)", "peers": "new offices (peers' limits)", "all": "all offices"}
    for name in ("own", "peers", "all"):
        group = result[name]
        for kind in KINDS:
            planted = group.planted[kind]
            lines.append(
                row_type(f"outliers recall, {kind}, {labels[name]}", _share(group.caught[kind], planted))
            )
        total_planted = sum(group.planted.values())
        lines.append(
            row_type(
                f"outliers recall, every kind, {labels[name]}",
                _share(sum(group.caught.values()), total_planted),
            )
        )
        clean = group.cells - total_planted
        lines.append(
            row_type(f"outliers false-alarm rate, {labels[name]}", _share(group.false_alarms, clean))
        )
    lines.append(
        row_type(
            f"outliers detector, every office, {len(FORMATS)} formats ({cells} cells)",
            f"{seconds * 1000:.0f} ms",
        )
    )
    return lines


def sweep(application, planted: dict, groups: dict, month, row_type, ks=(3, 8)) -> list:
    """The same data judged with other k (own and peers alike): what the threshold trades."""
    lines, saved = [], (application.config["MPR_OUTLIER_K"], application.config["MPR_OUTLIER_PEER_K"])
    try:
        for k in ks:
            application.config["MPR_OUTLIER_K"] = application.config["MPR_OUTLIER_PEER_K"] = k
            every = tally(planted, groups, detect(month)[0], month)["all"]
            planted_count = sum(every.planted.values())
            recall = _share(sum(every.caught.values()), planted_count)
            alarms = _share(every.false_alarms, every.cells - planted_count)
            lines.append(
                row_type(f"outliers with k = {k}: recall / false alarms, all offices", f"{recall} / {alarms}")
            )
    finally:
        application.config["MPR_OUTLIER_K"], application.config["MPR_OUTLIER_PEER_K"] = saved
    return lines


def measure(row_type, zones: int = 25, seed: int = 13) -> list:
    """Build the data set in a temporary directory, run the detector, return the table rows."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.config_paths import SEED_DIR
    from app.demo.national import NationalPlan, insert_offices, national_offices, plan_months
    from app.extensions import db
    from app.services.accounts.seeding import seed_demo
    from app.services.engine import catalogue
    from app.services.sync.sync_all import sync_all
    from bench.run import _bench_config

    workdir = Path(tempfile.mkdtemp(prefix="mpr-bench-outliers-"))
    try:
        application = create_app(_bench_config(f"sqlite:///{workdir / 'outliers.sqlite'}"))
        with application.app_context():
            sync_all()
            seed_demo(SEED_DIR / "organisation.yaml", application.config["MPR_MASTERS"])
            plan = NationalPlan(zones=zones, months=13)
            insert_offices(national_offices(catalogue.definitions(), plan))
            db.session.commit()
            months = plan_months(plan)
            _say(f"{zones} zones, 12 months of history and {months[-1]} for {', '.join(FORMATS)} ...")
            planted, groups = generate(months, random.Random(seed))
            found, seconds, cells = detect(months[-1])
            result = tally(planted, groups, found, months[-1])
            lines = rows(result, seconds, cells, row_type) + sweep(
                application, planted, groups, months[-1], row_type
            )
            db.session.remove()
            db.engine.dispose()
        return lines
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Print the outlier rows as the bench table does."""
    parser = argparse.ArgumentParser(description="outlier detector: recall and false alarms")
    parser.add_argument("--zones", type=int, default=25)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    from bench.run import Row, _quiet, print_table

    _quiet()
    print_table(measure(Row, args.zones, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
