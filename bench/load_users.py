"""The load test's virtual users: browsers that log in, open, save, submit, validate and read, as
people do on deadline day, through the real pages (forms, CSRF tokens, redirects followed).

Each user has its own connection, cookies and client address (`X-Forwarded-For`, which the
server trusts from its one proxy hop), so per-address login limits count per user as they would
behind the reverse proxy. Every request is timed and kept with its kind and status; a save or
submit the server accepted (its redirect leads to a page with no error) is kept as an accepted
save with the cell and value it carried, for the lost-save check afterwards.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

import httpx

from bench.load_data import PASSWORD, Return, Work

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
READY = re.compile(r'class="btn btn-xs btn-primary mpr-validate"\s+href="([^"]+)"')
REFUSED = 'class="alert alert-danger"'
ALERT = re.compile(r'class="alert alert-danger"[^>]*>(.*?)</div>', re.S)
TAGS = re.compile(r"<[^>]+>")
MAX_TRIES = 6


@dataclass(frozen=True)
class Sample:
    """One request: what kind, how long, what status (0: no answer, the connection failed)."""

    kind: str
    ms: float
    status: int
    at: float
    request_id: str = ""  # the server's X-Request-ID: joins the sample to the app's own time for it


@dataclass(frozen=True)
class AcceptedSave:
    """A save (or the save inside a submit) the server said it stored."""

    format_code: str
    office: str
    row: str
    column: str
    value: Decimal
    submit: bool


@dataclass
class Recorder:
    """Everything the users saw."""

    samples: list[Sample] = field(default_factory=list)
    accepted: list[AcceptedSave] = field(default_factory=list)
    conflicts: int = 0
    resent: int = 0  # requests sent again after the server closed or reset an idle connection under them
    no_answer: Counter = field(default_factory=Counter)  # requests that got no answer, by the error seen
    refused: list[str] = field(default_factory=list)
    submitted: set[tuple[str, str]] = field(default_factory=set)
    validated: int = 0
    unfinished: list[str] = field(default_factory=list)


class GridForm(HTMLParser):
    """The grid form's fields as the browser would post them (inputs, selects; not <template>s)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[list[str]] = []
        self._in_form = self._in_template = False
        self._select: list[str] | None = None
        self._option = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs) -> None:
        attr = dict(attrs)
        if tag == "form" and attr.get("id") == "mpr-grid-form":
            self._in_form = True
        elif tag == "template":
            self._in_template = True
        elif not self._in_form or self._in_template:
            return
        elif tag == "input" and attr.get("name") and attr.get("type") not in ("submit", "button"):
            self.fields.append([attr["name"], attr.get("value") or ""])
        elif tag == "select" and attr.get("name"):
            self._select = [attr["name"], ""]
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None and "selected" in attr:
            self._option = "value" not in attr  # an option without value= posts its text
            self._select[1] = attr.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "template":
            self._in_template = False
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = False

    def handle_data(self, data: str) -> None:
        if self._option and self._select is not None:
            self._select[1] += data.strip()

    def number_cell(self) -> tuple[str, Decimal] | None:
        """The first entered cell that holds a number: the one this user changes."""
        for name, value in self.fields:
            if name.startswith("cell|"):
                try:
                    return name, Decimal(value.replace(",", ""))
                except InvalidOperation:
                    continue
        return None

    def posted(self, name: str, value: Decimal) -> dict[str, str]:
        """The form as posted, with one cell set to `value`."""
        data = dict(self.fields)
        data[name] = f"{value}"
        return data


class Browser:
    """One user's browser: a connection, cookies, a client address; every request recorded."""

    def __init__(self, base_url: str, address: str, recorder: Recorder, timeout: float) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url, headers={"X-Forwarded-For": address}, timeout=timeout, follow_redirects=False
        )
        self.recorder = recorder

    async def request(
        self, kind: str, method: str, url: str, data: dict | None = None
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            try:
                response = await self.client.request(method, url, data=data)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                # The server closed (or, with the request unread in its buffer, reset) an idle kept-alive
                # connection as the request went out (gunicorn's keepalive): nothing was processed.
                # Browsers send it again on a new connection; the audit check proves nothing ran twice.
                self.recorder.resent += 1
                response = await self.client.request(method, url, data=data)
        except httpx.HTTPError as error:
            self.recorder.no_answer[f"{type(error).__name__} {method} {kind}"] += 1
            self.recorder.samples.append(Sample(kind, (time.perf_counter() - start) * 1000, 0, time.time()))
            return None
        self.recorder.samples.append(
            Sample(
                kind,
                (time.perf_counter() - start) * 1000,
                response.status_code,
                time.time(),
                response.headers.get("X-Request-ID", ""),
            )
        )
        return response

    async def follow(self, kind: str, response: httpx.Response | None) -> httpx.Response | None:
        """Follow a redirect as the browser does (one GET of its Location)."""
        if response is None or response.status_code not in (301, 302, 303):
            return response
        return await self.request(kind, "GET", response.headers["location"])

    async def login(self, username: str) -> bool:
        page = await self.request("login page", "GET", "/login/")
        token = _csrf(page)
        if token is None:
            return False
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        answer = await self.request("login", "POST", "/login/", form)
        return answer is not None and answer.status_code == 302

    async def arrive(self, username: str, start_in: float) -> bool:
        """Wait until the user's moment, then sign in; a failed sign-in is kept as unfinished work."""
        await asyncio.sleep(start_in)
        if await self.login(username):
            return True
        self.recorder.unfinished.append(f"{username}: could not log in")
        return False

    async def close(self) -> None:
        await self.client.aclose()


def _csrf(response: httpx.Response | None) -> str | None:
    if response is None or response.status_code != 200:
        return None
    match = CSRF.search(response.text)
    return match.group(1) if match else None


@dataclass
class Pace:
    """Think times (seconds) between a user's steps, and when the run ends."""

    think: tuple[float, float]
    zone_every: float
    board_every: float
    offices_done: asyncio.Event
    rng: random.Random

    async def think_a_moment(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think))


async def office_user(browser: Browser, username: str, work: Work, pace: Pace, start_in: float) -> None:
    """Log in, open the formats page, then open, save and submit every draft of the month."""
    if not await browser.arrive(username, start_in):
        return
    await browser.request("formats index", "GET", f"/mpr/?period={work.month}")
    office = work.office_of[username]
    for ret in work.offices[username]:
        done = await _fill_and_submit(browser, ret, office, work.month, pace)
        if not done:
            browser.recorder.unfinished.append(f"{username}: {ret.format_code}")


async def second_clerk(browser: Browser, username: str, work: Work, pace: Pace, start_in: float) -> None:
    """Another user of the same office saving the same first draft at the same moment (collisions)."""
    if not await browser.arrive(username, start_in):
        return
    first = work.offices[work.colliding[username]][0]
    await _save_with_retries(browser, first, work.office_of[username], work.month, delta=Decimal(2))


async def _open(browser: Browser, url: str) -> GridForm | None:
    page = await browser.request("grid", "GET", url)
    if page is None or page.status_code != 200:
        return None
    return GridForm(page.text)


def _accepted(page: httpx.Response | None) -> bool:
    return page is not None and page.status_code == 200 and REFUSED not in page.text


async def _save_with_retries(
    browser: Browser, ret: Return, office: str, month: str, delta: Decimal, form: GridForm | None = None
) -> GridForm | None:
    """Save one changed cell of the grid as opened; on a conflict reload and enter it again.

    Returns the grid shown after the save (the page the user goes on from), None if not saved.
    """
    url = f"/mpr/f/{ret.slug}/{office}/{month}"
    for _try in range(MAX_TRIES):
        form = form or await _open(browser, url)
        cell = form.number_cell() if form else None
        if cell is None:
            return False
        name, value = cell
        answer = await browser.request("save draft", "POST", url, form.posted(name, value + delta))
        form = None  # a retry reloads the page first
        if answer is not None and answer.status_code == 409:
            browser.recorder.conflicts += 1
            continue
        page = await browser.follow("grid after save", answer)
        if _accepted(page):
            _keep(browser.recorder, ret, office, name, value + delta, submit=False)
            return GridForm(page.text)
        browser.recorder.refused.append(f"save {ret.format_code} {office}: {_status(answer, page)}")
        return None
    return None


async def _fill_and_submit(browser: Browser, ret: Return, office: str, month: str, pace: Pace) -> bool:
    """Open the grid, change a figure and save (with the version opened), then put it back and submit."""
    form = await _open(browser, f"/mpr/f/{ret.slug}/{office}/{month}")
    if form is None:
        return False
    original = form.number_cell()
    await pace.think_a_moment()
    if original is not None:
        form = await _save_with_retries(browser, ret, office, month, Decimal(1), form)
        if form is None:
            return False
    await pace.think_a_moment()
    return await _submit_with_retries(browser, ret, office, month, original, form)


async def _submit_with_retries(
    browser: Browser,
    ret: Return,
    office: str,
    month: str,
    original: tuple[str, Decimal] | None,
    form: GridForm | None,
) -> bool:
    """Put the changed cell back and submit from the page shown; on a conflict reload and do it again.

    A return with no figure to change (a free-row format with no rows this month) is submitted as it is.
    """
    url = f"/mpr/f/{ret.slug}/{office}/{month}"
    for _try in range(MAX_TRIES):
        form = form or await _open(browser, url)
        if form is None:
            return False
        data = form.posted(*original) if original else dict(form.fields)
        answer = await browser.request("submit", "POST", f"{url}/submit", data)
        form = None  # a retry reloads the page first
        if answer is not None and answer.status_code == 409:  # saved by someone else since it was opened
            browser.recorder.conflicts += 1
            continue
        page = await browser.follow("grid after submit", answer)
        if _accepted(page):
            if original:
                _keep(browser.recorder, ret, office, original[0], original[1], submit=True)
            browser.recorder.submitted.add((ret.format_code, office))
            return True
        browser.recorder.refused.append(f"submit {ret.format_code} {office}: {_status(answer, page)}")
        return False
    return False


def _status(answer: httpx.Response | None, followed: httpx.Response | None = None) -> str:
    """The status and, on a refusal, the first error shown (on the page redirected to, if any)."""
    if answer is None:
        return "no answer"
    shown = ALERT.search(answer.text) or (ALERT.search(followed.text) if followed is not None else None)
    return (
        f"{answer.status_code} {TAGS.sub('', shown.group(1)).strip()[:160]}"
        if shown
        else str(answer.status_code)
    )


def _keep(recorder: Recorder, ret: Return, office: str, name: str, value: Decimal, submit: bool) -> None:
    _kind, row, column = name.split("|", 2)
    recorder.accepted.append(AcceptedSave(ret.format_code, office, row, column, value, submit))


async def zone_user(browser: Browser, username: str, work: Work, pace: Pace, start_in: float) -> None:
    """Keep the validation page open; validate each owner's formats of an office once all are submitted."""
    if not await browser.arrive(username, start_in):
        return
    index = f"/mpr/validation/?period={work.month}"
    while True:
        finishing = pace.offices_done.is_set()
        page = await browser.request("validation index", "GET", index)
        ready = READY.findall(page.text) if page is not None and page.status_code == 200 else []
        for link in ready:
            await _validate(browser, link.replace("&amp;", "&"))
        if finishing and not ready:
            return
        if not ready:
            await asyncio.sleep(pace.rng.uniform(0.5, 1.5) * pace.zone_every)


async def _validate(browser: Browser, link: str) -> None:
    confirm = await browser.request("validation confirm", "GET", link)
    token = _csrf(confirm)
    if token is None:
        return
    answer = await browser.request("validate", "POST", link, {"csrf_token": token})
    page = await browser.follow("validation index", answer)
    if _accepted(page):
        browser.recorder.validated += 1
    else:
        browser.recorder.refused.append(f"validate {link}: {_status(answer)}")


async def board_user(browser: Browser, username: str, work: Work, pace: Pace, start_in: float) -> None:
    """Read the status summary, one Zone's returns and an all-India report, again and again."""
    if not await browser.arrive(username, start_in):
        return
    while not pace.offices_done.is_set():
        zone = pace.rng.choice(sorted(set(work.zone_of.values())))
        await browser.request("status summary", "GET", f"/mpr/status/?period={work.month}")
        await browser.request("status one Zone", "GET", f"/mpr/status/?period={work.month}&zone={zone}")
        report = f"/mpr/reports/{work.report_format}/INDIA/{work.validated_month}"
        await browser.request("report all-India", "GET", report)
        await asyncio.sleep(pace.rng.uniform(0.5, 1.5) * pace.board_every)
