"""Helpers for the HTTP tests: read a rendered grid, post it like a browser, look in the database.

The grid page is parsed with the standard library's HTMLParser into
`{(row, column): value}` maps so that tests assert on what a user actually sees:
which cells have an input, what each cell shows, and the messages under each cell.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

Cell = tuple[str, str]  # (row key, column code)


@dataclass
class GridPage:
    """What a rendered grid page shows."""

    status: int
    html: str
    columns: list[str] = field(default_factory=list)  # leaf header data-col codes, in order
    rows: list[str] = field(default_factory=list)  # data-row keys, in order (totals included)
    labels: dict[str, str] = field(default_factory=dict)  # row key -> row label
    totals: set[str] = field(default_factory=set)  # keys of total rows
    inputs: dict[Cell, str] = field(default_factory=dict)  # editable cells and their value
    shown: dict[Cell, str] = field(default_factory=dict)  # every cell's visible value
    messages: dict[Cell, list[str]] = field(default_factory=dict)
    hidden: dict[str, str] = field(default_factory=dict)  # hidden form fields (version, csrf_token)

    @property
    def text(self) -> str:
        """The page with HTML entities decoded (for flashed messages)."""
        return html.unescape(self.html)

    @property
    def version(self) -> int:
        """The version the form was rendered at."""
        return int(self.hidden["version"])

    @property
    def csrf(self) -> str:
        """The form's CSRF token."""
        return self.hidden["csrf_token"]

    def value(self, row: str, column: str) -> str:
        """What one cell shows ('' when blank)."""
        return self.shown[(row, column)]


class _GridParser(HTMLParser):
    def __init__(self, page: GridPage) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_template = 0
        self.in_thead = False
        self.row: str | None = None
        self.col: str | None = None
        self.capture: str | None = None  # 'value' | 'msg' | 'label' | 'option'
        self.buffer = ""
        self.select_value: str | None = None
        self.option_selected = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        classes = attrs.get("class", "").split()
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        if tag == "thead":
            self.in_thead = True
        elif tag == "th" and self.in_thead and "data-col" in attrs:
            self.page.columns.append(attrs["data-col"])
        elif tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.page.hidden[attrs["name"]] = attrs.get("value", "")
        elif tag == "tr" and "data-row" in attrs:
            self.row = attrs["data-row"]
            self.page.rows.append(self.row)
            if "mpr-total" in classes:
                self.page.totals.add(self.row)
        elif tag == "th" and self.row and "mpr-rowhead" in classes:
            self._start("label")
        elif tag == "td" and self.row and "data-col" in attrs:
            self.col = attrs["data-col"]
            self.page.shown[(self.row, self.col)] = ""
        elif self.row and self.col:
            self._cell_tag(tag, attrs, classes)

    def _cell_tag(self, tag: str, attrs: dict[str, str], classes: list[str]) -> None:
        cell = (self.row, self.col)
        if tag == "input" and attrs.get("name", "").startswith("cell|"):
            self.page.inputs[cell] = attrs.get("value", "")
            self.page.shown[cell] = attrs.get("value", "")
        elif tag == "select" and attrs.get("name", "").startswith("cell|"):
            self.select_value = ""
            self.page.inputs[cell] = ""
        elif tag == "option":
            self.option_selected = "selected" in attrs
            self._start("option")
        elif tag == "span" and "mpr-value" in classes:
            self._start("value")
        elif tag == "small" and "mpr-msg" in classes:
            self._start("msg")

    def _start(self, what: str) -> None:
        self.capture, self.buffer = what, ""

    def handle_data(self, data: str) -> None:
        if self.capture:
            self.buffer += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.in_template -= 1
            return
        if self.in_template:
            return
        if tag == "thead":
            self.in_thead = False
        elif tag == "tr":
            self.row = None
        elif tag == "td":
            self.col = None
        elif tag == "th" and self.capture == "label" and self.row:
            self.page.labels[self.row] = " ".join(self.buffer.split())
            self.capture = None
        elif tag == "span" and self.capture == "value":
            self.page.shown[(self.row, self.col)] = self.buffer.strip()
            self.capture = None
        elif tag == "small" and self.capture == "msg":
            self.page.messages.setdefault((self.row, self.col), []).append(self.buffer.strip())
            self.capture = None
        elif tag == "option" and self.capture == "option":
            if self.option_selected:
                self.page.inputs[(self.row, self.col)] = self.buffer.strip()
                self.page.shown[(self.row, self.col)] = self.buffer.strip()
            self.capture = None


def parse_grid(response) -> GridPage:
    """Parse a grid page response."""
    page = GridPage(response.status_code, response.get_data(as_text=True))
    _GridParser(page).feed(page.html)
    return page


def grid_url(slug: str, office: str, period: str) -> str:
    """The grid page of one format, office and month."""
    return f"/mpr/f/{slug}/{office}/{period}"


def get_grid(client, slug: str, office: str, period: str, status: int = 200) -> GridPage:
    """GET a grid page and parse it; asserts the status."""
    response = client.get(grid_url(slug, office, period))
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return parse_grid(response)


def form_data(
    page: GridPage,
    cells: dict[Cell, Any] | None = None,
    *,
    version: int | None = None,
    csrf: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a browser posts: every input of the page, overlaid with `cells` and `extra`."""
    data: dict[str, Any] = dict(page.hidden)  # as a browser does: every hidden field (version, next, ...)
    data.update({f"cell|{row}|{col}": value for (row, col), value in page.inputs.items()})
    for (row, col), value in (cells or {}).items():
        data[f"cell|{row}|{col}"] = value
    data["version"] = str(page.version if version is None else version)
    data["csrf_token"] = page.csrf if csrf is None else csrf
    data.update(extra or {})
    return data


def post_grid(
    client,
    slug: str,
    office: str,
    period: str,
    cells: dict[Cell, Any] | None = None,
    *,
    page: GridPage | None = None,
    **kwargs,
):
    """Load the page (unless given), fill `cells` and post it; returns the raw response."""
    page = page or get_grid(client, slug, office, period)
    return client.post(grid_url(slug, office, period), data=form_data(page, cells, **kwargs))


def save_grid(client, slug: str, office: str, period: str, cells: dict[Cell, Any], **kwargs) -> None:
    """Post the grid and assert it was saved (redirect back to the grid)."""
    response = post_grid(client, slug, office, period, cells, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.location.endswith(grid_url(slug, office, period))


def single(cells: dict[str, Any]) -> dict[Cell, Any]:
    """Cells of a single-row format keyed by column only."""
    return {("_", code): value for code, value in cells.items()}


def flashed(page_html: str) -> str:
    """The text of the flashed alerts on a page."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page_html, re.S)
    return " ".join(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", f)).split()) for f in found)


# ------------------------------------------------------------------ database look-ups


def stored(app, format_code: str, office_code: str, period: str) -> dict[str, dict[str, Any]] | None:
    """The stored cells of one return ({row key: {column: value}}), or None if never saved."""
    from app.definitions.months import Month
    from app.services.accounts.organisation import office_by_code
    from app.services.engine import catalogue, rowstore
    from app.services.engine.grid import find_return

    with app.app_context():
        fmt = catalogue.definitions().format(format_code)
        ret = find_return(format_code, office_by_code(office_code), Month.parse(period))
        if ret is None:
            return None
        return {key: cells for key, (_pos, cells) in rowstore.read(fmt, ret.id).items()}


def return_header(app, format_code: str, office_code: str, period: str) -> dict[str, Any] | None:
    """status and version of one return, or None."""
    from app.definitions.months import Month
    from app.services.accounts.organisation import office_by_code
    from app.services.engine.grid import find_return

    with app.app_context():
        ret = find_return(format_code, office_by_code(office_code), Month.parse(period))
        return None if ret is None else {"status": ret.status, "version": ret.version}


def count_returns(app) -> int:
    """How many returns exist in the database."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.returns import MprReturn

    with app.app_context():
        return db.session.execute(select(func.count(MprReturn.id))).scalar_one()


@pytest.fixture
def office_client(login_as):
    """The client logged in as the Mumbai East commissionerate (CGST-MUM-E)."""
    return login_as("cgst-mum-e")


# DPM-GST-ADJ-2 for an office's first month (opening entered once); every check passes.
ADJ2_FIRST_MONTH = {
    "OPENING_NO": "10",
    "OPENING_AMT": "500.00",
    "RECEIPT_NO": "4",
    "RECEIPT_AMT": "120.50",
    "DISPOSAL_REVENUE_NO": "2",
    "DISPOSAL_REVENUE_AMT": "100.25",
    "DISPOSAL_TAXPAYER_NO": "1",
    "DISPOSAL_TAXPAYER_AMT": "20.00",
    "AGE_UPTO_6M_NO": "5",
    "AGE_6_12M_NO": "4",
    "AGE_GT_1Y_NO": "2",
}


class _FormFields(HTMLParser):
    """Hidden fields of the forms on a page, by the URL each form posts to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, str]] = {}
        self.action: str | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            self.action = attrs.get("action", "")
            self.forms.setdefault(self.action, {})
        elif (
            tag == "input" and self.action is not None and attrs.get("type") == "hidden" and attrs.get("name")
        ):
            self.forms[self.action][attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.action = None


def hidden_fields(client, page: str, action: str) -> dict[str, str] | None:
    """The hidden fields (CSRF token, where to go back) of the form on `page` that posts to `action`;
    None when the user does not get that page or it has no such form."""
    response = client.get(page)
    if response.status_code != 200:
        return None
    parser = _FormFields()
    parser.feed(response.get_data(as_text=True))
    return parser.forms.get(action)
