"""What assistive technology reads on the pages: grid inputs named row — group — column, errors
tied to their cell, the page's language, a skip link and landmarks (WCAG 2.1 AA, issue 14).

Every shipped format's grid is rendered for a demo office that files it; the names are read
from the HTML as a screen reader gets them (aria-label, aria-describedby -> element ids).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.http.conftest import ADJ2_FIRST_MONTH, grid_url, post_grid, save_grid, single
from tests.http.test_cycle import signed_in
from tests.http.test_exchange_upload import _entering_user, _shipped_cases

ADJ2, OFFICE = "dpm_gst_adj_2", "CGST-MUM-E"
FOCUSABLE = {"a", "button", "input", "select", "textarea"}


@dataclass
class GridInput:
    """One input or select of the grid as a screen reader sees it."""

    name: str
    label: str
    invalid: str | None
    described_by: list[str]
    in_error_cell: bool


@dataclass
class Page:
    """The accessibility facts of one page."""

    lang: str | None = None
    ids: dict[str, str] = field(default_factory=dict)  # element id -> its text (messages only)
    roles: list[str] = field(default_factory=list)
    first_focusable: dict[str, str] | None = None
    inputs: list[GridInput] = field(default_factory=list)  # in the grid, outside <template>
    new_row_inputs: list[GridInput] = field(default_factory=list)  # in the <template> of a new row
    landmarks: list[str] = field(default_factory=list)
    header_scopes: list[str | None] = field(default_factory=list)  # every <th> of the grid
    main_id: str | None = None


class _Reader(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_grid = self.in_template = 0
        self.cell_error = False
        self.text_of: str | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        page = self.page
        if tag == "html":
            page.lang = attrs.get("lang")
        if "role" in attrs:
            page.roles.append(attrs["role"])
        if "id" in attrs:
            page.ids[attrs["id"]] = ""
            self.text_of = attrs["id"] if tag == "small" else None
        if tag in {"main", "nav", "header", "footer"}:
            page.landmarks.append(tag)
            if tag == "main":
                page.main_id = attrs.get("id")
        focusable = tag in FOCUSABLE and attrs.get("type") != "hidden" and (tag != "a" or "href" in attrs)
        if page.first_focusable is None and focusable and not self.in_template:
            page.first_focusable = {"tag": tag, **attrs}
        if tag == "table" and attrs.get("id") == "mpr-grid":
            self.in_grid = 1
        elif tag == "template":
            self.in_template += 1
        elif tag == "th" and self.in_grid:
            page.header_scopes.append(attrs.get("scope"))
        elif tag == "td" and "data-col" in attrs:
            self.cell_error = "has-error" in attrs.get("class", "").split()
        elif tag in {"input", "select"} and attrs.get("name", "").startswith("cell|"):
            found = GridInput(
                attrs["name"],
                attrs.get("aria-label", ""),
                attrs.get("aria-invalid"),
                attrs.get("aria-describedby", "").split(),
                self.cell_error,
            )
            (page.new_row_inputs if self.in_template else page.inputs).append(found)

    def handle_data(self, data: str) -> None:
        if self.text_of:
            self.page.ids[self.text_of] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.in_grid:
            self.in_grid = 0
        elif tag == "template":
            self.in_template -= 1
        elif tag == "small":
            self.text_of = None


def read(response) -> Page:
    """The accessibility facts of a page response."""
    page = Page()
    _Reader(page).feed(response.get_data(as_text=True))
    return page


@pytest.fixture(scope="module")
def clients() -> dict:
    """Signed-in clients by (app, username), reused across the formats of this module."""
    return {}


@pytest.mark.parametrize(("code", "period"), _shipped_cases())
def test_every_grid_input_of_every_shipped_format_has_a_unique_spoken_name(app, clients, code, period):
    office, user = _entering_user(app, code)
    if (app, user) not in clients:  # by app too: the suite may run on several databases
        clients[(app, user)] = signed_in(app, user)
    response = clients[(app, user)].get(grid_url(code.lower().replace("-", "_"), office, period))
    assert response.status_code == 200
    page = read(response)
    assert page.inputs or page.new_row_inputs, "no input to name"
    labels = [i.label for i in page.inputs]
    assert all(label.strip() for label in labels), [i.name for i in page.inputs if not i.label.strip()]
    assert len(set(labels)) == len(labels), sorted(label for label in labels if labels.count(label) > 1)
    assert all(i.label.strip() for i in page.new_row_inputs)
    assert len({i.label for i in page.new_row_inputs}) == len(page.new_row_inputs)
    assert page.header_scopes
    assert all(scope in {"col", "colgroup", "row", "rowgroup"} for scope in page.header_scopes)


def test_a_name_says_row_group_column_and_unit(app, office_client):
    page = read(office_client.get(grid_url("dpm_gst_adj_1", OFFICE, "2024-05")))
    names = {i.name: i.label for i in page.inputs}
    assert names["cell|ADC.COMMISSIONERATE|OPENING_AMT"] == (
        "ADC/JC — Commissionerate level cases — Opening balance — Amount (Rs. lakh)"
    )
    assert names["cell|ADC.COMMISSIONERATE|OPENING_NO"] == (
        "ADC/JC — Commissionerate level cases — Opening balance — No."
    )
    single_row = read(office_client.get(grid_url(ADJ2, OFFICE, "2024-01")))
    assert {i.name: i.label for i in single_row.inputs}["cell|_|RECEIPT_AMT"].endswith("Amount (Rs. lakh)")


def _error_inputs_are_tied_to_their_messages(page: Page) -> list[GridInput]:
    erring = [i for i in page.inputs if i.in_error_cell]
    for found in erring:
        assert found.invalid == "true", found.name
        assert found.described_by, found.name
        for target in found.described_by:
            assert page.ids.get(target, "").strip(), f"{found.name}: {target} names no message"
    assert all(i.invalid is None for i in page.inputs if not i.in_error_cell)
    return erring


def test_a_refused_cell_is_invalid_and_described_by_its_message(app, office_client):
    save_grid(office_client, ADJ2, OFFICE, "2024-01", single(ADJ2_FIRST_MONTH))
    response = post_grid(office_client, ADJ2, OFFICE, "2024-01", single({"RECEIPT_NO": "12a"}))
    assert response.status_code == 422
    page = read(response)
    (erring,) = _error_inputs_are_tied_to_their_messages(page)
    assert erring.name == "cell|_|RECEIPT_NO"
    assert html.unescape(page.ids[erring.described_by[0]]) == "'12a' is not a whole number"


def test_failing_checks_mark_every_cell_they_name(app, office_client):
    cells = single({**ADJ2_FIRST_MONTH, "AGE_UPTO_6M_NO": "1", "AGE_6_12M_NO": "0"})
    save_grid(office_client, ADJ2, OFFICE, "2024-01", cells)
    page = read(office_client.get(grid_url(ADJ2, OFFICE, "2024-01")))
    erring = _error_inputs_are_tied_to_their_messages(page)
    ages = ("AGE_UPTO_6M_NO", "AGE_6_12M_NO", "AGE_GT_1Y_NO")
    assert {i.name for i in erring} == {f"cell|_|{code}" for code in ages}


@pytest.mark.parametrize("path", ["/", "/mpr/?period=2024-05", f"/mpr/f/{ADJ2}/{OFFICE}/2024-01"])
def test_pages_have_a_language_a_skip_link_first_and_landmarks(office_client, path):
    response = office_client.get(path)
    assert response.status_code == 200
    page = read(response)
    assert page.lang == "en"
    assert "header" not in page.roles  # FAB's baselayout has role="header", which ARIA does not know
    assert page.first_focusable is not None and page.first_focusable.get("href") == f"#{page.main_id}"
    assert page.first_focusable.get("class") == "mpr-skip-link"
    assert {"main", "header", "footer"} <= set(page.landmarks) and "navigation" in page.roles
    assert page.landmarks.count("main") == 1


def test_the_login_page_too_has_its_language_and_no_header_role(client):
    page = read(client.get("/login/"))
    assert page.lang == "en" and "header" not in page.roles and page.main_id == "mpr-main"


def test_html_lang_follows_the_chosen_language(office_client):
    assert office_client.get("/lang/hi").status_code == 302
    page = read(office_client.get("/"))
    assert page.lang == "hi"
    assert "मुख्य सामग्री पर जाएँ" in office_client.get("/").get_data(as_text=True)  # the skip link
    office_client.get("/lang/en")
    assert read(office_client.get("/")).lang == "en"
