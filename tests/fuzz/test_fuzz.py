"""Fuzzing (issue 8): generated requests never get a 5xx, and a stored figure is what the parser says.

1. Schemathesis reads the served OpenAPI document (/api/v1/_openapi) and sends generated
   requests (valid and invalid) to every operation, signed in as an office, a Zone and an
   owner, `MPR_FUZZ_EXAMPLES` cases per operation, mode and role.
2. Hypothesis posts every grid form of the office with generated cell texts (grouped,
   mistyped and junk numbers, dates, free text); after a save every stored cell must equal
   `parse_cell` of what was typed, and a refused save must store nothing.

The number of requests sent is printed (run with -s to see it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from decimal import Decimal

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from app.definitions.months import Month
from app.services.engine import catalogue
from app.services.engine.cell_input import CellInputError, parse_cell
from tests.http.conftest import form_data, get_grid, grid_url, stored

EXAMPLES = int(os.environ.get("MPR_FUZZ_EXAMPLES", "25"))
GRID_EXAMPLES = int(os.environ.get("MPR_FUZZ_GRID_EXAMPLES", "8"))
ROLES = ("cgst-mum-e", "gz-mum", "dgcei-fo")  # an office, its Zone, a Functional Owner
OFFICE, PERIOD = "CGST-MUM-E", "2024-01"


def bounded(examples: int) -> settings:
    """Hypothesis settings for one endpoint: a fixed number of cases, reproducible, no shrinking."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


class Tally:
    """Requests sent and what went wrong."""

    def __init__(self) -> None:
        self.sent = 0
        self.failures: list[str] = []

    def failed(self, what: str) -> None:
        """Record a failure (at most a few hundred are kept)."""
        if len(self.failures) < 300:
            self.failures.append(what)


def _token(client, app, username: str) -> dict[str, str]:
    body = {"username": username, "password": app.config["MPR_DEMO_PASSWORD"], "provider": "db"}
    response = client.post("/api/v1/security/login", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _fuzz_operation(operation, mode, headers: dict, tally: Tally) -> None:
    @bounded(EXAMPLES)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        tally.sent += 1
        try:
            response = case.call(headers=headers)
        except Exception as error:  # noqa: BLE001 - an exception through WSGI is a server error
            tally.failed(f"{case.method} {case.formatted_path}: {type(error).__name__}: {error}"[:300])
            return
        if response.status_code >= 500:
            tally.failed(f"{case.method} {case.formatted_path} -> {response.status_code}"[:300])

    with contextlib.suppress(Unsatisfiable):  # no invalid request exists without parameters or body
        run()


def test_every_api_operation_answers_generated_requests_without_a_server_error(app):
    client = app.test_client()
    tally = Tally()
    tokens = {role: _token(client, app, role) for role in ROLES}
    document = client.get("/api/v1/_openapi", headers=tokens[ROLES[0]])
    assert document.status_code == 200
    schema = schemathesis.openapi.from_dict(document.get_json())
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for role in ROLES:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(operation, mode, tokens[role], tally)
    print(f"\nAPI fuzz: {tally.sent} requests to {len(operations)} operations x {len(ROLES)} roles")
    assert tally.sent >= len(operations) * len(ROLES) * 2
    assert not tally.failures, "\n".join(tally.failures)


# ------------------------------------------------------------------ grid forms

GROUPED = st.integers(0, 10**12).map(lambda n: f"{n:,}")
INDIAN = st.sampled_from(["1,23,456.50", "12,34,567", "1,00,000.25", "99,999"])
NEAR_MISS = st.from_regex(r"-?[0-9]{0,4}[, .]?[0-9]{0,4}(\.[0-9]{0,3})?", fullmatch=True)
CELL_TEXT = st.one_of(
    st.just(""),
    st.integers(0, 10**6).map(str),
    st.decimals(0, 10**6, places=2, allow_nan=False).map(str),
    GROUPED,
    INDIAN,
    NEAR_MISS,
    st.dates(dt.date(1940, 1, 1), dt.date(2030, 1, 1)).map(str),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12),
)


def _columns(app, code: str) -> dict:
    with app.app_context():
        fmt = catalogue.definitions().format(code)
        return {c.code: c for c in fmt.columns_in_force(Month.parse(PERIOD))}


def _check_stored(app, code: str, sent: dict, tally: Tally) -> None:
    columns = _columns(app, code)
    saved = stored(app, code, OFFICE, PERIOD) or {}
    for (row, column), text in sent.items():
        col = columns.get(column)
        if col is None or row not in saved or column not in saved[row]:
            continue
        try:
            meant = parse_cell(col, text, dt.date.today())
        except CellInputError:
            tally.failed(f"{code} {row}/{column}: {text!r} was refused by the parser but stored")
            continue
        value = saved[row][column]
        if isinstance(meant, Decimal | int) and value is not None:
            same = Decimal(str(value)) == Decimal(str(meant))
        else:
            same = value == meant
        if not same and not (meant is None and value is None):
            tally.failed(f"{code} {row}/{column}: typed {text!r}, parser says {meant!r}, stored {value!r}")


def _fuzz_grid(app, client, fmt, tally: Tally) -> None:
    slug = fmt.code.lower().replace("-", "_")
    page = get_grid(client, slug, OFFICE, PERIOD)
    cells = sorted(page.inputs)
    if not cells:
        return

    @bounded(GRID_EXAMPLES)
    @given(texts=st.lists(CELL_TEXT, min_size=len(cells), max_size=len(cells)))
    def run(texts) -> None:
        current = get_grid(client, slug, OFFICE, PERIOD)
        typed = dict(zip(cells, texts, strict=True))
        before = stored(app, fmt.code, OFFICE, PERIOD)
        tally.sent += 2
        try:
            response = client.post(grid_url(slug, OFFICE, PERIOD), data=form_data(current, typed))
        except Exception as error:  # noqa: BLE001
            tally.failed(f"grid {fmt.code}: {type(error).__name__}: {error}"[:300])
            return
        if response.status_code >= 500:
            tally.failed(f"grid {fmt.code} -> {response.status_code}")
        elif response.status_code == 302:
            _check_stored(app, fmt.code, typed, tally)
        elif stored(app, fmt.code, OFFICE, PERIOD) != before:
            tally.failed(f"grid {fmt.code}: refused ({response.status_code}) but the stored figures changed")

    run()


def test_every_grid_form_stores_exactly_what_the_parser_says_or_refuses(app, login_as):
    client = login_as("cgst-mum-e")
    tally = Tally()
    index = client.get(f"/mpr/?period={PERIOD}").get_data(as_text=True)
    with app.app_context():
        every = list(catalogue.definitions().formats.values())
    formats = [f for f in every if f'data-format="{f.code}"' in index]
    assert len(formats) >= 3
    for fmt in formats:
        _fuzz_grid(app, client, fmt, tally)
    print(f"\nGrid fuzz: {tally.sent} requests to {len(formats)} grid forms")
    assert not tally.failures, "\n".join(tally.failures)
