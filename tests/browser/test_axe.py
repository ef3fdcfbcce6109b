"""Accessibility: no critical or serious axe-core violation (WCAG 2.0/2.1, A and AA) on any page of any role.

The pages come from the app's URL map as in tests/http/test_access_matrix.py: every GET endpoint
outside the API, one URL each, built with sample arguments (the role's own office, the format's
month, real records where there are some). Each demo role signs in once, in a browser context of
its own; a URL that answers the role 200 with HTML is a page of that role and is scanned, the
rest (redirects, refusals, downloads, scripts) are counted. The returns are in the state that
shows the role most: a draft to its office (and, in a second pass, validated returns, whose pages
are read-only and offer a correction request), submitted to its Zone, validated to everyone else.

axe-core (tests/browser/vendor/axe-core) is injected by Playwright, as an init script of a context
that bypasses the Content-Security-Policy; the app's policy is unchanged. A page that fails (5xx)
for a role fails the test too. The figures of every page scanned are
written to $MPR_AXE_REPORT, else to axe_report.md in the pytest base temporary directory.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.http.access_expectations import DRAFT, SUBMITTED, VALIDATED, Role, Side, Target, rules_for
from tests.http.test_access_matrix import (
    DEFINITIONS,
    FAB_DEPRECATIONS,
    OFFICE_SCOPED,
    REFERENCE_FORMAT,
    SEED_USERS,
    Cell,
    World,
    _format_of,
    build_world,
    cell_path,
    endpoint_rules,
)

pytestmark = pytest.mark.browser

AXE_DIR = Path(__file__).parent / "vendor" / "axe-core"
AXE_JS = AXE_DIR / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")
RUN_AXE = """async (tags) => {
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
  const results = await axe.run(document, options);
  return results.violations.map((v) => ({id: v.id, impact: v.impact,
    nodes: v.nodes.map((n) => ({impact: n.impact, target: n.target.map(String).join(" ")}))}));
}"""

DEMO_OFFICE = "CGST-MUM-E"  # the office others look at (Board, owner, administrator)
DEMO_OFFICE_USER = "cgst-mum-e"  # a real account for the administrator's user pages
# GETs that change the session rather than show a page
NOT_PAGES = {
    "AuthDBView.logout": "signs the user out",
    "LocaleView.index": "switches the session's language",
}


@dataclass(frozen=True)
class AxeUser:
    """A demo user whose pages are scanned, and the state of the returns meanwhile."""

    label: str
    role: Role
    username: str | None
    state: str

    @property
    def home(self) -> str | None:
        """The user's own office code."""
        return next((u["office"] for u in SEED_USERS if u["username"] == self.username), None)


USERS = [
    AxeUser("office", Role.OFFICE, "cgst-mum-e", DRAFT),
    AxeUser("office, validated", Role.OFFICE, "cgst-mum-e", VALIDATED),  # read-only grids, correction forms
    AxeUser("zone", Role.ZONE, "gz-mum", SUBMITTED),
    AxeUser("format owner", Role.OWNER, "dgcei-fo", VALIDATED),
    AxeUser("board", Role.BOARD, "member-customs", VALIDATED),
    AxeUser("admin", Role.ADMIN, "admin", VALIDATED),
    AxeUser("anonymous", Role.ANONYMOUS, None, DRAFT),
]


@dataclass
class PageResult:
    """What axe found on one page."""

    user: str
    endpoint: str
    url: str
    violations: list[dict]

    def count(self, impact: str) -> int:
        """Elements with a violation of this impact."""
        return sum(1 for v in self.violations for n in v["nodes"] if n["impact"] == impact)

    def blocking(self) -> list[str]:
        """One line per critical or serious violation: rule, impact, the first elements."""
        return [
            f"{self.user} {self.url}: {v['id']} ({v['impact']}) at "
            + ", ".join(n["target"] for n in v["nodes"][:3])
            + (f" and {len(v['nodes']) - 3} more" if len(v["nodes"]) > 3 else "")
            for v in self.violations
            if v["impact"] in BLOCKING
        ]


RESULTS: list[PageResult] = []
UNSCANNED: dict[str, Counter] = {}


def _reference_format(world: World, user: AxeUser) -> str:
    """The format non-format pages name: an owner's own format, else the access matrix's."""
    if user.role is not Role.OWNER:
        return REFERENCE_FORMAT
    owner = world.owner[user.home]
    return next(c for c in sorted(world.filing) if DEFINITIONS.format(c).owner == owner and world.filing[c])


def _office_for(world: World, user: AxeUser, fmt: str) -> str | None:
    """The office a page names for the user: its own, one under its Zone, else the demo office."""
    filing = world.filing[fmt]
    if user.role is Role.OFFICE:
        return user.home if user.home in filing else None
    if user.role is Role.ZONE:
        return next((c for c in filing if c != user.home and world.within(c, user.home)), None)
    return DEMO_OFFICE if DEMO_OFFICE in filing else next(iter(filing), None)


def _add_correction(app, world: World, fmt: str, office: str) -> None:
    """A correction request for the owner's format, so that its page can be shown."""
    import datetime as dt

    from sqlalchemy import select

    from app.extensions import db
    from app.models.corrections import CorrectionRequest, CorrectionStatus
    from app.models.org import Office

    with app.app_context():
        office_id = db.session.execute(select(Office.id).where(Office.code == office)).scalar_one()
        number = 91001
        db.session.add(
            CorrectionRequest(
                number=number,
                format_code=fmt,
                office_id=office_id,
                status=CorrectionStatus.PENDING,
                justification="accessibility scan",
                requested_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
    world.corrections[office] = number


def page_urls(app, world: World, user: AxeUser) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET endpoint outside the API, with the user's sample arguments."""
    reference, urls = _reference_format(world, user), []
    month = world.month[reference]
    queries = {
        "AccountsView.provision": "zone=GZ-MUM",
        "StatusView.index": f"period={month}",
        "ValidationView.index": f"period={month}",
        "FormatIndexView.index": f"period={month}",
    }
    for endpoint, url_rule, method in endpoint_rules(app):
        if method != "GET" or endpoint in NOT_PAGES:
            continue
        (rule,) = rules_for(endpoint)
        fmt = _format_of(endpoint) if endpoint.startswith("Format_") else reference
        office = _office_for(world, user, fmt) if rule.target in OFFICE_SCOPED else None
        if rule.target in OFFICE_SCOPED and office is None:
            continue  # the role has no such office (a format its office does not file)
        if rule.target is Target.CORRECTION and office not in world.corrections:
            continue
        side = Side.OWN if office else Side.NONE
        cell = Cell(endpoint, rule, url_rule, method, side, user.username, office, fmt)
        path = cell_path(app, world, cell, pk="1", username=DEMO_OFFICE_USER)
        if not path.startswith("/api/"):
            urls.append((endpoint, f"{path}?{queries[endpoint]}" if endpoint in queries else path))
    return urls


def scan(tab, url: str) -> list[dict]:
    """Open the page and run axe-core's WCAG 2.0/2.1 A and AA rules on it; the violations."""
    tab.goto(url)
    return tab.evaluate(RUN_AXE, WCAG_TAGS)


@pytest.fixture(scope="module", autouse=True)
def _write_report(tmp_path_factory):
    """After the module: the per-page table, to $MPR_AXE_REPORT or the pytest base temporary directory."""
    yield
    if not RESULTS and not UNSCANNED:
        return
    with AXE_JS.open() as script:
        version = script.readline().removeprefix("/*! axe").strip()  # "/*! axe v4.14.1"
    lines = [
        f"# axe-core {version}: {', '.join(WCAG_TAGS)}",
        "",
        "Elements per impact; rules as id x elements.",
        "",
        "| role | page (endpoint) | URL | critical | serious | moderate | minor | rules |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for result in RESULTS:
        rules = ", ".join(f"{v['id']} x{len(v['nodes'])}" for v in result.violations)
        counts = " | ".join(str(result.count(i)) for i in IMPACTS)
        lines.append(f"| {result.user} | {result.endpoint} | `{result.url}` | {counts} | {rules} |")
    lines += [
        "",
        "| role | pages | critical | serious | moderate | minor | not pages (answer: URLs) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for user in USERS:
        mine = [r for r in RESULTS if r.user == user.label]
        if not mine and user.label not in UNSCANNED:
            continue
        totals = " | ".join(str(sum(r.count(i) for r in mine)) for i in IMPACTS)
        others = ", ".join(f"{k}: {v}" for k, v in sorted(UNSCANNED.get(user.label, Counter()).items()))
        lines.append(f"| {user.label} | {len(mine)} | {totals} | {others} |")
    report = Path(os.environ.get("MPR_AXE_REPORT") or tmp_path_factory.getbasetemp() / "axe_report.md")
    report.write_text("\n".join(lines) + "\n")
    print(f"\naxe report: {report}")


def _scan_pages(tab, problems, base: str, user: AxeUser, urls: list[tuple[str, str]]) -> list[str]:
    """Scan each URL that is a page of the user's, and the first 403 and 404 pages it sees; the problems."""
    unscanned, found, error_pages = UNSCANNED.setdefault(user.label, Counter()), [], set()
    for endpoint, url in urls:
        answer = tab.context.request.get(base + url, max_redirects=0)
        html = answer.headers.get("content-type", "").startswith("text/html")
        if answer.status >= 500:
            found.append(f"{user.label} {url}: the page fails ({answer.status})")
        if answer.status != 200 or not html:
            unscanned[f"{answer.status} {answer.headers.get('content-type', '').split(';')[0]}".strip()] += 1
            if not html or answer.status not in (403, 404) or answer.status in error_pages:
                continue
            error_pages.add(answer.status)  # the refusal page is a page too
            problems.allow(rf"status of {answer.status} .*\({re.escape(base + url)}\)$")
            endpoint = f"{endpoint} ({answer.status} page)"
        result = PageResult(user.label, endpoint, url, scan(tab, url))
        RESULTS.append(result)
        found += result.blocking()
    return found


@pytest.mark.parametrize("user", USERS, ids=[u.label for u in USERS])
@FAB_DEPRECATIONS[0]
@FAB_DEPRECATIONS[1]
@pytest.mark.filterwarnings("ignore:The Query.get:sqlalchemy.exc.LegacyAPIWarning")  # FAB's role pages
def test_no_critical_or_serious_accessibility_violation(user, live_server, open_page, login, page_problems):
    app, started = live_server.app, time.monotonic()
    world = build_world(app, user.state)
    reference = _reference_format(world, user)
    if reference != REFERENCE_FORMAT:
        _add_correction(app, world, reference, _office_for(world, user, reference))
    with open_page(page_problems, bypass_csp=True) as tab:
        if user.username:
            login(tab, user.username)
        # in every page from now on, before the page's own scripts: no 600 kB sent per page
        tab.context.add_init_script(path=str(AXE_JS))
        found = _scan_pages(tab, page_problems, live_server.url, user, page_urls(app, world, user))
    scanned = sum(1 for r in RESULTS if r.user == user.label)
    print(f"\n{user.label}: {scanned} pages scanned in {time.monotonic() - started:.1f}s")
    assert scanned, f"no page of {user.label} was scanned: {dict(UNSCANNED[user.label])}"
    assert not found, f"{len(found)} critical or serious violations or failing pages:\n" + "\n".join(found)
