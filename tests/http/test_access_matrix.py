"""The access matrix: every endpoint of the URL map x every role x own office / foreign office.

The endpoint list comes from `app.url_map`; each endpoint's expected answer comes from
the one rule in access_expectations.py that matches it (the privilege table). An
endpoint without a rule fails `test_every_endpoint_has_an_expectation` with the list of
such endpoints, so nothing new can slip in unguarded. Requests are real HTTP requests:
pages with a session cookie and a valid CSRF token, the API with a JWT.

The size of the matrix and its results are printed and written to access_matrix_stats.txt in the
session's pytest base temporary directory (its own per run and per xdist worker).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass, field

import pytest
import yaml
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from app.config_paths import SEED_DIR
from app.definitions import load_definitions
from app.definitions.months import Month
from config import Config
from tests.http.access_expectations import (
    DRAFT,
    EXCLUDED,
    STATES,
    SUBMITTED,
    VALIDATED,
    Answer,
    Case,
    Role,
    Rule,
    Side,
    Target,
    rules_for,
)

REFERENCE_FORMAT = "DPM-GST-ADJ-2"  # API, validation and correction requests name this format
FED_FORMAT = "DPM-GST-15A"  # the feed API names this format, fed from GSTN
TARGET_FORMAT = "DDM-GST-1-TARGET"  # the Targets pages and API name this format, set by its owner
ABSENT = {
    "pk": "999999",
    "username": "no-such-user",
    "filename": "nothing.txt",
    "locale": "en",
    "version": "v1",
    "code": "NO_SUCH_LIST",  # master lists
    "key": "NO_SUCH_ITEM",
}
SEED_USERS = yaml.safe_load((SEED_DIR / "organisation.yaml").read_text())["users"]
DEFINITIONS = load_definitions(Config.MPR_DEFINITIONS)
OFFICE_SCOPED = set(Target) - {Target.NONE, Target.FORMAT_ONLY}


@dataclass(frozen=True)
class Subject:
    """One column of the matrix: a role, played by a demo user (chosen per format for Office and Zone)."""

    label: str
    role: Role
    username: str | None = None
    owner: str | None = None


def _first_user(role: str) -> str:
    return next(u["username"] for u in SEED_USERS if u["role"] == role)


SUBJECTS = [
    Subject("Admin", Role.ADMIN, _first_user("Admin")),
    Subject("Board", Role.BOARD, _first_user("Board")),
    *(Subject(f"Owner {o}", Role.OWNER, _first_user(f"Owner {o}"), o) for o in sorted(DEFINITIONS.owners)),
    Subject("Zone", Role.ZONE),
    Subject("Office", Role.OFFICE),
    *(Subject(u["username"], Role.FIELD, u["username"]) for u in SEED_USERS if u["role"] == "Division/Range"),
    *(Subject(u["username"], Role.FEED, u["username"]) for u in SEED_USERS if u["role"].startswith("Feed ")),
    Subject("anonymous", Role.ANONYMOUS),
]


# ----------------------------------------------------------------- the organisation, as targets


@dataclass
class World:
    """Offices, which of them file each format, and the month each format is tested for."""

    parent: dict[str, str | None]
    path: dict[str, str]
    kind: dict[str, str]
    owner: dict[str, str | None]  # office -> the Functional Owner it is, if any
    filing: dict[str, list[str]]
    month: dict[str, Month]
    corrections: dict[str, int] = field(default_factory=dict)  # office -> number (reference format)
    state: str = DRAFT  # the status every return of the world is in

    def within(self, code: str, root: str) -> bool:
        """Whether office `code` is `root` or lies under it."""
        return self.path[code].startswith(self.path[root])

    def commissionerate_of(self, code: str) -> str | None:
        """The Commissionerate a Division or Range belongs to."""
        while code is not None and self.kind[code] != "commissionerate":
            code = self.parent[code]
        return code


def _month_for(fmt, last_open: Month) -> Month:
    """The first month from January 2024 the format is filed for (an annual format: an April), else
    its last month."""
    months, month = [], fmt.valid_from or Month(2010, 4)
    while month <= last_open:
        if fmt.keyed_in(month):  # a format set by its owner too: its returns are keyed like the others
            months.append(month)
        month = month.next()
    later = [m for m in months if m >= Month(2024, 1)]
    return later[0] if later else months[-1]


def build_world(app, state: str = DRAFT) -> World:
    """Read the seeded organisation; create one return in `state` per format and filing office."""
    from app.extensions import db
    from app.models.corrections import CorrectionRequest, CorrectionStatus
    from app.models.org import Office
    from app.models.returns import MprReturn
    from app.security.policy import applies_to
    from app.services.engine.grid import last_open_month

    with app.app_context():
        query = select(Office).where(Office.active).order_by(Office.path)
        offices, formats = list(db.session.execute(query).scalars()), DEFINITIONS.formats.values()
        codes = {o.id: o.code for o in offices}
        world = World(
            parent={o.code: codes.get(o.parent_id) for o in offices},
            path={o.code: o.path for o in offices},
            kind={o.code: o.kind for o in offices},
            owner={o.code: o.owner_code for o in offices},
            filing={f.code: [o.code for o in offices if applies_to(f, o)] for f in formats},
            month={f.code: _month_for(f, last_open_month()) for f in formats},
            state=state,
        )
        stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        by_code = {o.code: o for o in offices}
        for code, filers in world.filing.items():
            for office in filers:
                db.session.add(
                    MprReturn(
                        format_code=code,
                        office_id=by_code[office].id,
                        period=world.month[code].first_day,
                        status=state,
                        created_at=stamp,
                        updated_at=stamp,
                        submitted_at=stamp if state in (SUBMITTED, VALIDATED) else None,
                        validated_at=stamp if state == VALIDATED else None,
                    )
                )
        for number, office in enumerate(world.filing[REFERENCE_FORMAT], start=90001):
            db.session.add(
                CorrectionRequest(
                    number=number,
                    format_code=REFERENCE_FORMAT,
                    office_id=by_code[office].id,
                    status=CorrectionStatus.REJECTED,  # decisions are refused after the permission check
                    justification="access matrix",
                    requested_at=stamp,
                )
            )
            world.corrections[office] = number
        db.session.commit()
    return world


def _demo(role: str) -> list[dict]:
    return [u for u in SEED_USERS if u["role"] == role]


def placements(world: World, subject: Subject, fmt: str) -> tuple[str | None, str | None, str | None]:
    """(username, own office, foreign office) of `subject` for format `fmt`; None where there is none."""
    filing = world.filing[fmt]
    if subject.role in (Role.OFFICE, Role.ANONYMOUS):
        user = next((u for u in _demo("Office") if u["office"] in filing), None)
        if user is None:
            return None, None, None
        own = user["office"]
        foreign = next((c for c in filing if world.parent[c] != world.parent[own]), None)
        foreign = foreign or next((c for c in filing if c != own), None)
        return (None if subject.role is Role.ANONYMOUS else user["username"]), own, foreign
    if subject.role is Role.ZONE:
        for user in _demo("Zone"):
            under = [c for c in filing if world.parent[c] == user["office"]]
            if under:
                outside = [c for c in filing if not world.within(c, user["office"])]
                return user["username"], under[0], (outside[0] if outside else None)
        return None, None, None
    if subject.role is Role.FEED:  # a national system: any two offices filing the format are its own
        return subject.username, (filing[0] if filing else None), (filing[1] if len(filing) > 1 else None)
    if subject.role is Role.FIELD:
        office = next(u["office"] for u in SEED_USERS if u["username"] == subject.username)
        commissionerate = world.commissionerate_of(office)
        own = commissionerate if commissionerate in filing else None
        foreign = next((c for c in filing if c != commissionerate), None)
        return subject.username, own, foreign
    _user, reference, _foreign = placements(world, Subject("Office", Role.OFFICE), fmt)
    return subject.username, None, reference  # Board, FOs, Admin: no office of theirs files returns


# ----------------------------------------------------------------- sending one request


def session_csrf(app, client) -> str:
    """A valid CSRF token for the client's session (what any of its pages would carry)."""
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def classify(response) -> str:
    """The answer class of a response (Answer values, or 'csrf' / 'limited' / 'error <code>')."""
    code = response.status_code
    location = response.headers.get("Location", "")
    if code == 401 or (code in (301, 302, 303) and "/login/" in location):
        return Answer.LOGIN
    if code == 403:
        return Answer.DENY
    if code == 404:
        return Answer.HIDE
    if code == 400 and "form expired or was sent from elsewhere" in response.get_data(as_text=True):
        return "csrf"
    if code == 429:
        return "limited"
    if code >= 500 or code == 405:
        return f"error {code}"
    return Answer.ALLOW


class Requester:
    """Signed-in test clients and API tokens per user, reused for a whole row of the matrix."""

    def __init__(self, app) -> None:
        self.app = app
        self.password = app.config["MPR_DEMO_PASSWORD"]
        self.pages: dict[str | None, object] = {}
        self.tokens: dict[str, dict] = {}

    def page_client(self, username: str | None):
        """A cookie-carrying client signed in as `username` (anonymous for None)."""
        if username not in self.pages:
            client = self.app.test_client()
            if username:
                response = client.post(
                    "/login/",
                    data={
                        "username": username,
                        "password": self.password,
                        "csrf_token": session_csrf(self.app, client),
                    },
                )
                assert response.status_code == 302 and "/login/" not in response.location, username
            self.pages[username] = client
        return self.pages[username]

    def forget(self, username: str | None) -> None:
        """Drop the user's client and tokens (after a logout ended every session of the user)."""
        self.pages.pop(username, None)
        self.tokens.pop(username, None)

    def token(self, username: str) -> dict:
        """{'access_token', 'refresh_token'} from FAB's API login."""
        if username not in self.tokens:
            client = self.app.test_client(use_cookies=False)
            response = client.post(
                "/api/v1/security/login",
                json={"username": username, "password": self.password, "provider": "db", "refresh": True},
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            self.tokens[username] = response.get_json()
        return self.tokens[username]


def _api_body(endpoint: str, username: str | None, office: str | None, world: World):
    if endpoint == "MprFeedApi.put_fed":
        return {"rows": {}}
    if endpoint in ("MprApi.put_return", "MprTargetsApi.put_target"):
        return {"version": 0, "rows": {}}
    if endpoint == "MprCycleApi.submit_return":
        return {"version": 0}
    if endpoint == "MprCycleApi.send_back":
        return {"remarks": "m", "cells": []}
    if endpoint == "MprCycleApi.raise_correction":
        period = str(world.month[REFERENCE_FORMAT])
        return {
            "format": REFERENCE_FORMAT,
            "office": office,
            "period": period,
            "rows": {},
            "justification": "m",
        }
    if endpoint == "MprCycleApi.reject":
        return {"reason": ""}
    if endpoint == "SecurityApi.login":
        return {"username": username or "no-such-user", "password": "wrong password!", "provider": "db"}
    return None


def _form(endpoint: str) -> dict:
    method = endpoint.rpartition(".")[2]
    if endpoint.startswith("Format_") and method in {"save", "submit", "correct"}:
        return {"version": "0", "justification": ""}
    if endpoint == "CorrectionsView.reject":
        return {"reason": ""}
    if endpoint == "ValidationView.send_back":
        return {"remarks": "m"}
    if endpoint == "AuthDBView.login":
        return {"username": "no-such-user", "password": "wrong password!"}
    if endpoint == "AccountsView.reissue_named":
        return {"username": "no-such-user"}
    if method == "action_post":
        return {"action": "no-such-action", "rowid": ABSENT["pk"]}
    return {}


def _action_name(app, endpoint: str) -> str:
    view_name = endpoint.rpartition(".")[0]
    view = next((v for v in app.appbuilder.baseviews if type(v).__name__ == view_name), None)
    return next(iter(getattr(view, "actions", {}) or {}), "no-such-action")


@dataclass(frozen=True)
class Cell:
    """One request of the matrix."""

    endpoint: str
    rule: Rule
    url_rule: object  # werkzeug Rule
    method: str
    side: Side
    username: str | None
    office: str | None
    fmt: str


def cell_path(app, world: World, cell: Cell, **overrides: str) -> str:
    """The URL path of one cell: its office, its format's month, absent records (unless overridden)."""
    values = dict(ABSENT)
    month = world.month[cell.fmt]
    values.update(office_code=cell.office, period=str(month), format_code=cell.fmt, group_by="0")
    values["unit_code"] = cell.office  # reports name the office as their unit
    values.update(owner=DEFINITIONS.format(cell.fmt).owner, name=_action_name(app, cell.endpoint))
    values["number"] = world.corrections.get(cell.office, 1) if cell.rule.target is Target.CORRECTION else 1
    values.update(overrides)
    return app.url_map.bind("localhost").build(
        cell.endpoint, {k: v for k, v in values.items() if k in cell.url_rule.arguments}
    )


def send(app, requester: Requester, world: World, cell: Cell):
    """Send the request of one cell; returns the response."""
    path = cell_path(app, world, cell)
    if path.startswith("/api/"):
        client = app.test_client(use_cookies=False)
        headers = {}
        if cell.username:
            tokens = requester.token(cell.username)
            refresh = cell.endpoint == "SecurityApi.refresh"
            headers["Authorization"] = f"Bearer {tokens['refresh_token' if refresh else 'access_token']}"
        body = _api_body(cell.endpoint, cell.username, cell.office, world)
        if cell.endpoint == "SecurityApi.login" and cell.username:
            body["password"] = requester.password
        return client.open(path, method=cell.method, headers=headers, json=body)
    client = requester.page_client(cell.username)
    if cell.endpoint == "AuthDBView.logout":
        requester.forget(cell.username)  # logging out ends every session and token of the user
    if cell.method == "GET":
        return client.get(path)
    data = {**_form(cell.endpoint), "csrf_token": session_csrf(app, client)}
    if cell.endpoint.endswith(".action_post"):
        data["action"] = _action_name(app, cell.endpoint)
    return client.open(path, method=cell.method, data=data)


# ----------------------------------------------------------------- the matrix


def endpoint_rules(app) -> list[tuple[str, object, str]]:
    """(endpoint, werkzeug rule, method) for every rule and method of the URL map, static files excluded."""
    found = []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if url_rule.endpoint in EXCLUDED:
            continue
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            found.append((url_rule.endpoint, url_rule, method))
    return found


def _format_of(endpoint: str) -> str:
    if endpoint.startswith("Format_"):
        slug = endpoint.partition(".")[0].removeprefix("Format_")
        return next(f.code for f in DEFINITIONS.formats.values() if f.slug == slug)
    if endpoint.startswith("MprFeedApi."):
        return FED_FORMAT
    if endpoint.startswith(("TargetsView.", "MprTargetsApi.")):
        return TARGET_FORMAT
    return REFERENCE_FORMAT


def cells_for(app, world: World, subject: Subject, office_scoped_only: bool = False):
    """Every (Cell, Case) of one subject's row; n/a cells (no such office) are yielded with case None."""
    for endpoint, url_rule, method in endpoint_rules(app):
        (rule,) = rules_for(endpoint)
        fmt = _format_of(endpoint)
        username, own, foreign = placements(world, subject, fmt)
        office = next((u.get("office") for u in SEED_USERS if u["username"] == username), None)
        owns = office is not None and world.owner[office] == DEFINITIONS.format(fmt).owner
        if rule.target in OFFICE_SCOPED:
            sides = [(Side.OWN, own), (Side.FOREIGN, foreign)]
        elif office_scoped_only:
            continue
        else:
            sides = [(Side.NONE, None)]
        for side, office in sides:
            cell = Cell(endpoint, rule, url_rule, method, side, username, office, fmt)
            missing = side is not Side.NONE and office is None
            yield cell, None if missing else Case(subject.role, side, method, owns)


STATS: dict[str, Counter] = {}

# FAB's own admin pages (users, roles, groups, statistics) use WTForms features that
# WTForms deprecates; with warnings as errors they would crash in the tests only.
FAB_DEPRECATIONS = [
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
]


def _stats(app, run: str) -> Counter:
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    return STATS.setdefault(f"{backend}, {run}", Counter())


def run_row(
    app, world: World, subject: Subject, run: str = "matrix", office_scoped_only: bool = False, **switches
) -> list[str]:
    """Send one subject's row of the matrix; the mismatches, one line each."""
    requester, mismatches = Requester(app), []
    stats = _stats(app, run)
    scoped = office_scoped_only or bool(switches)
    for cell, case in cells_for(app, world, subject, office_scoped_only=scoped):
        if case is None:
            stats["n/a"] += 1
            continue
        case = Case(case.role, case.side, case.method, case.owns_format, state=world.state, **switches)
        expected = cell.rule.expected(case)
        allowed = expected if isinstance(expected, frozenset) else frozenset({expected})
        try:
            response = send(app, requester, world, cell)
            actual = classify(response)
        except Exception as error:  # noqa: BLE001 - a crash is a result of the matrix too
            actual, response = f"error {type(error).__name__}: {error}", None
        stats["cells"] += 1
        stats[f"answer {actual}"] += 1
        if actual not in allowed:
            stats["mismatches"] += 1
            shown = "|".join(sorted(allowed))
            status = response.status_code if response is not None else "-"
            mismatches.append(
                f"{cell.method:6} {cell.endpoint:42} {cell.side:7} office={cell.office} ({world.state}) "
                f"as {cell.username}: "
                f"expected {shown}, got {actual} ({status})"
            )
    return mismatches


@pytest.fixture
def world(app, request) -> World:
    """The organisation as targets, with a return per format and filing office (draft unless parametrised)."""
    return build_world(app, getattr(request, "param", DRAFT))


@pytest.fixture(scope="module", autouse=True)
def _write_stats(request, tmp_path_factory):
    """After the module: the matrix size and results, per backend, printed and written to a file."""
    yield
    if not STATS:
        return
    lines = [f"access matrix subjects ({len(SUBJECTS)}): {', '.join(s.label for s in SUBJECTS)}"]
    for key, counts in sorted(STATS.items()):
        answers = {k.removeprefix("answer "): v for k, v in counts.items() if k.startswith("answer ")}
        size = (
            f"{counts['endpoints']} endpoints ({counts['excluded']} static excluded), "
            f"{counts['requests']} (URL rule, method) pairs x subjects x own/foreign office; "
            if counts["endpoints"]
            else ""
        )
        lines.append(
            f"{key}: {size}{counts['cells']} requests sent, {counts['n/a']} cells n/a "
            f"(the role has no such office), {counts['mismatches']} mismatches; answers {answers}"
        )
    stats = tmp_path_factory.getbasetemp() / "access_matrix_stats.txt"
    stats.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines) + f"\n(also in {stats})")


def _report(mismatches: list[str]) -> str:
    return f"{len(mismatches)} answers differ from the privilege table:\n" + "\n".join(mismatches)


def test_every_endpoint_has_an_expectation(app):
    missing, ambiguous = [], []
    endpoints = sorted({rule.endpoint for rule in app.url_map.iter_rules()})
    for endpoint in endpoints:
        found = [] if endpoint in EXCLUDED else rules_for(endpoint)
        if endpoint not in EXCLUDED and not found:
            missing.append(endpoint)
        elif len(found) > 1:
            ambiguous.append(f"{endpoint}: {[r.pattern for r in found]}")
    assert not missing, "endpoints without a rule in access_expectations.RULES:\n" + "\n".join(missing)
    assert not ambiguous, "endpoints matched by several rules:\n" + "\n".join(ambiguous)
    assert set(EXCLUDED) <= set(endpoints), "stale exclusions"
    stats = _stats(app, "matrix")
    stats["endpoints"] = len([e for e in endpoints if e not in EXCLUDED])
    stats["requests"] = len(endpoint_rules(app))
    stats["excluded"] = len(EXCLUDED)


def test_every_role_is_in_the_matrix(app):
    from app.security.roles import OWNER_PREFIX, all_role_names

    covered = {s.role.value for s in SUBJECTS} | {f"{OWNER_PREFIX}{s.owner}" for s in SUBJECTS if s.owner}
    covered |= {u["role"] for u in SEED_USERS for s in SUBJECTS if s.username == u["username"]}
    assert set(all_role_names(DEFINITIONS)) <= covered


@pytest.mark.parametrize("subject", SUBJECTS, ids=[s.label for s in SUBJECTS])
@FAB_DEPRECATIONS[0]
@FAB_DEPRECATIONS[1]
def test_access_matrix(app, world, subject):
    mismatches = run_row(app, world, subject)
    assert not mismatches, _report(mismatches)


@pytest.mark.parametrize("world", [SUBMITTED, VALIDATED], indirect=True)
@pytest.mark.parametrize("subject", SUBJECTS, ids=[s.label for s in SUBJECTS])
def test_access_matrix_by_return_state(app, world, subject):
    """Figures: a draft for its office only, submitted also for its validator, validated as reports."""
    mismatches = run_row(app, world, subject, f"state {world.state}", office_scoped_only=True)
    assert not mismatches, _report(mismatches)


FIELD_AND_OFFICES = [s for s in SUBJECTS if s.role in (Role.OFFICE, Role.ZONE, Role.FIELD)]


@pytest.mark.parametrize("world", STATES, indirect=True)
@pytest.mark.parametrize("notified", ["passed", "ahead"])
@pytest.mark.parametrize("subject", FIELD_AND_OFFICES, ids=[s.label for s in FIELD_AND_OFFICES])
def test_access_matrix_with_report_dates(app, world, subject, notified):
    """Once the dates pass, Divisions/Ranges see their Commissionerate's reports, offices others'."""
    passed = notified == "passed"
    date = dt.date.today() + dt.timedelta(days=-1 if passed else 1)
    app.config.update(MPR_FIELD_REPORTS_FROM=date, MPR_OPEN_REPORTS_FROM=date)
    try:
        mismatches = run_row(
            app, world, subject, f"dates {notified}, {world.state}", field_reports=passed, open_reports=passed
        )
    finally:
        app.config.update(MPR_FIELD_REPORTS_FROM=None, MPR_OPEN_REPORTS_FROM=None)
    assert not mismatches, _report(mismatches)
