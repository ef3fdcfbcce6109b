"""Benchmark rows for the status page: the Board's summary by Zone and one Zone's first page.

Both go through the real page (login, session, @has_access, the menu) as the demo Board
user `member-customs`, for the data set's last month (the one being filed), interleaved
request by request with the JSON API's status list of every return (the whole list the
page used to draw) for comparison. Statements per request are counted for the summary and
the drill-down: they must not grow with the number of offices.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BOARD_USER = "member-customs"
SUMMARY_TARGET_MS = 200.0
ZONE_LINE = re.compile(r'<tr data-zone="')
RETURN_ROW = re.compile(r'<tr data-office="')


def _signed_in(application, csrf: Callable[[str], str]):
    """A test client logged in as the Board user through the login form."""
    from app.services.accounts.seeding import demo_password

    client = application.test_client()
    with application.app_context():
        password = demo_password()
    token = csrf(client.get("/login/").get_data(as_text=True))
    response = client.post(
        "/login/", data={"username": BOARD_USER, "password": password, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"{BOARD_USER} could not log in ({response.status_code})")
    client.get("/")  # the unread-mail redirect, once
    return client


def _api_headers(application, client) -> dict[str, str]:
    from app.services.accounts.seeding import demo_password

    with application.app_context():
        password = demo_password()
    body = {"username": BOARD_USER, "password": password, "provider": "db"}
    response = client.post("/api/v1/security/login", json=body)
    if response.status_code != 200:
        raise RuntimeError(f"API login of {BOARD_USER} -> {response.status_code}")
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _get(client, url: str, headers: dict[str, str] | None = None) -> Callable:
    def call():
        response = client.get(url, headers=headers or {})
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} -> {response.status_code}")
        return response

    return call


def measure_status(application, month, requests: int, row, csrf: Callable[[str], str]) -> list:
    """Summary by Zone, one Zone's page 1 and the API's whole list: medians, drawn rows, statements."""
    from app.extensions import db
    from bench.run import QueryCounter, _medians, _ms

    client, api = _signed_in(application, csrf), application.test_client()
    summary_url = f"/mpr/status/?period={month}"
    zone_url = f"{summary_url}&zone=NZ01"
    calls = {
        "summary": _get(client, summary_url),
        "zone": _get(client, zone_url),
        "api": _get(api, f"/api/v1/mpr/status?period={month}", _api_headers(application, api)),
    }
    median = _medians(calls, requests)
    summary_page = calls["summary"]().get_data(as_text=True)
    zone_page = calls["zone"]().get_data(as_text=True)
    every = len(calls["api"]().get_json()["result"])
    with application.app_context():
        counter = QueryCounter(db.engine)
    queries = {name: counter.during(calls[name]) for name in ("summary", "zone")}
    ms = median["summary"][0] * 1000
    zone_ms = median["zone"][0] * 1000
    target = f"<= {SUMMARY_TARGET_MS:.0f} ms"
    lines, drawn = len(ZONE_LINE.findall(summary_page)), len(RETURN_ROW.findall(zone_page))
    return [
        row(
            f"status summary by Zone (Board), {month}, median of {requests}",
            _ms(median["summary"]),
            target,
            ms <= SUMMARY_TARGET_MS,
        ),
        row(f"  lines drawn: Zones / returns counted ({every} in the API's list)", f"{lines} / {every}"),
        row(
            f"status drill-down one Zone (NZ01), page 1, median of {requests}",
            _ms(median["zone"]),
            target,
            zone_ms <= SUMMARY_TARGET_MS,
        ),
        row("  return rows drawn on that page", str(drawn)),
        row(f"API GET /api/v1/mpr/status, every return ({every}), median of {requests}", _ms(median["api"])),
        row(
            "queries: status summary by Zone / one Zone's page 1", f"{queries['summary']} / {queries['zone']}"
        ),
    ]
