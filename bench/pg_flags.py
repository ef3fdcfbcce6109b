"""A Zone's outlier list before it validates, on the national set (issue 13; deadline day, issue 15).

Run from bench/pg_reports.py once its rows are measured: the last month's returns are put to
"submitted" (as on the 15th), then one Zone's list (app/services/cycle/outlier_review.py) is timed
the first time (the peers' bands worked out) and again (kept, as on every later page).
"""

from __future__ import annotations

import statistics
import time


def measure_zone_flags(application, month, repeat: int, row) -> list:
    """Rows: the first and the usual time of one Zone's outlier list, and how many figures it flags."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models.org import Office, OfficeKind
    from app.models.returns import MprReturn, ReturnStatus
    from app.security import roles
    from app.security.policy import Actor
    from app.services.cycle.outlier_review import zone_flags

    with application.test_request_context():
        db.session.execute(
            update(MprReturn)
            .where(MprReturn.period == month.first_day)
            .values(status=ReturnStatus.SUBMITTED.value)
        )
        db.session.commit()
        zone = (
            db.session.execute(
                select(Office)
                .where(Office.kind == OfficeKind.ZONE, Office.code.like("NZ%"))
                .order_by(Office.code)
            )
            .scalars()
            .first()
        )
        actor = Actor(0, "bench-zone", frozenset({roles.ZONE}), zone)
        start = time.perf_counter()
        found = zone_flags(actor, month)
        first = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            zone_flags(actor, month)
            times.append((time.perf_counter() - start) * 1000)
    flagged = sum(len(lines) for lines in found.values())
    return [
        row(f"Zone {zone.code}: outlier list before validating {month}, first time", f"{first:.0f} ms"),
        row(
            f"Zone {zone.code}: outlier list again (peers' bands kept), median of {repeat}",
            f"{statistics.median(times):.0f} ms ({flagged} figures flagged)",
        ),
    ]
