"""Benchmark rows for the management dashboard: every indicator for the last validated month.

Through the real page and the JSON API as the demo Board user (who reads every indicator),
interleaved request by request, with the statements a request sends: they must not grow with
the number of offices (one report with the Zones as children and one month-by-month series per
format and row, one status query). Nothing is pre-aggregated; this says whether it needs to be.
No target: the figure is reported (measured on the national set, 25 Zones x 24 months, SQLite:
about 0.75 s of CPU a request for 8 indicators, 53 statements; on PostgreSQL 0.3 s of CPU).
"""

from __future__ import annotations

from collections.abc import Callable

from bench.status import _api_headers, _get, _signed_in


def measure_dashboard(application, month, requests: int, row, csrf: Callable[[str], str]) -> list:
    """The dashboard page and `GET /api/v1/mpr/dashboard/<period>`: medians and statements."""
    from app.extensions import db
    from bench.run import QueryCounter, _medians, _ms

    client, api = _signed_in(application, csrf), application.test_client()
    calls = {
        "page": _get(client, f"/mpr/dashboard/?period={month}"),
        "api": _get(api, f"/api/v1/mpr/dashboard/{month}", _api_headers(application, api)),
    }
    median = _medians(calls, requests)
    found = calls["api"]().get_json()
    shown = len(found["indicators"])
    zones = max((len(i["ranking"]) for i in found["indicators"]), default=0)
    with application.app_context():
        counter = QueryCounter(db.engine)
    queries = counter.during(calls["api"])
    return [
        row(
            f"dashboard page (Board), {shown} indicators, {zones} Zones, {month}, median of {requests}",
            _ms(median["page"]),
        ),
        row(f"API GET /api/v1/mpr/dashboard/{month}, median of {requests}", _ms(median["api"])),
        row("  statements per dashboard request (no pre-aggregation)", str(queries)),
    ]
