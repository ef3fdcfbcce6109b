"""Browser fixtures: one live server on a SQLite file, one Chromium, a clean page per test.

The app is built once per session with `build_app` and served by werkzeug on a random
port in a daemon thread. Playwright drives the Debian Chromium (`playwright install`
cannot download browsers here). Without Chromium or Playwright the tests are skipped,
except with CI=true, where that is a failure.

Every page records console errors, uncaught exceptions and Content-Security-Policy
violations; a test fails at teardown if there were any.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import build_app, clear_returns

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("MPR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1400, "height": 900}
SHOTS_DIR = Path(os.environ.get("MPR_SHOTS_DIR") or Path(tempfile.gettempdir()) / "shots")

# Reports CSP violations to the test through a CDP binding (not subject to the page's CSP).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__mprCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr for every asset request."""

    def log_request(self, code="-", size="-") -> None:
        pass


@dataclass
class LiveServer:
    """The running app and where to reach it."""

    app: object
    url: str
    handler: type = _QuietHandler  # the request handler class serving it (tests may patch its logging)

    @property
    def password(self) -> str:
        """The demo users' password."""
        return self.app.config["MPR_DEMO_PASSWORD"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The seeded app on a SQLite file, served on 127.0.0.1 in a daemon thread."""
    folder = tmp_path_factory.mktemp("browser")
    app = build_app(f"sqlite:///{folder}/browser.sqlite")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_live_returns(request) -> Iterator[None]:
    """Remove every return saved through the browser so tests never see each other's data."""
    yield
    if "live_server" not in request.fixturenames:
        return
    app = request.getfixturevalue("live_server").app
    with app.app_context():
        from app.extensions import db

        clear_returns(app)
        db.session.remove()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as missing:
        _unavailable(f"playwright is not installed ({missing})")
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (set MPR_CHROMIUM)")
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Error as failed:
            _unavailable(f"Chromium at {CHROMIUM} does not start: {failed}")
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by one page."""

    found: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (e.g. the status of a deliberately refused save)."""
        self.allowed.append(re.compile(pattern))

    def console(self, message) -> None:
        """Keep console messages of type error (CSP violations are logged so too)."""
        if message.type == "error":
            location = message.location or {}
            text = f"console error: {message.text} ({location.get('url', '?')})"
            if not any(pattern.search(text) for pattern in self.allowed):
                self.found.append(text)

    def page_error(self, error) -> None:
        """Keep uncaught exceptions."""
        self.found.append(f"page error: {error}")

    def csp(self, _source, text: str) -> None:
        """Keep Content-Security-Policy violations."""
        self.found.append(f"CSP violation: {text}")


@pytest.fixture(scope="session")
def open_page(browser, live_server) -> Callable[..., AbstractContextManager]:
    """Open a fresh browser context (no cookies) and page; on leaving, fail if it logged any error.

    `bypass_csp=True` lets a test inject its own script (axe-core) into the app's pages; the app
    still sends its Content-Security-Policy, the browser ignores it in that context only.
    """

    @contextmanager
    def _open(problems: PageProblems | None = None, bypass_csp: bool = False) -> Iterator[object]:
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, bypass_csp=bypass_csp)
        problems = problems or PageProblems()
        try:
            context.expose_binding("__mprCspViolation", problems.csp)
            context.add_init_script(CSP_LISTENER)
            context.set_default_timeout(10_000)
            tab = context.new_page()
            tab.on("console", problems.console)
            tab.on("pageerror", problems.page_error)
            yield tab
        finally:
            context.close()
        assert not problems.found, "the browser reported:\n" + "\n".join(problems.found)

    return _open


@pytest.fixture
def page_problems() -> PageProblems:
    """What the test's page reported; `page_problems.allow(...)` accepts an expected message."""
    return PageProblems()


@pytest.fixture
def page(open_page, page_problems) -> Iterator[object]:
    """A page of its own for one test."""
    with open_page(page_problems) as tab:
        yield tab


@pytest.fixture(scope="session")
def login(live_server) -> Callable[[object, str], None]:
    """Sign a page in through the real login form."""

    def _login(tab, username: str) -> None:
        tab.goto("/login/")
        tab.fill("#username", username)
        tab.fill("#password", live_server.password)
        with tab.expect_navigation():
            tab.click("input[type=submit]")
        assert "/login" not in tab.url, f"login of {username} failed"

    return _login


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    """Where screenshots go (MPR_SHOTS_DIR, default /tmp/shots)."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SHOTS_DIR
