"""What each role finds in the menu: the navbar of the home page, parsed entry by entry.

A role sees a menu entry only when it holds `menu_access` on the name the entry was
registered with (app/views/__init__.py) — the name the roles are granted (app/security/roles.py).
For one demo user of every role this test lists the exact entries, and opens each of them.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class _NavbarParser(HTMLParser):
    """Collects the links of FAB's main menu (`ul.nav.navbar-nav`, not the right-hand user menu)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[tuple[str, str]] = []  # (label, href); a category's own link has href "#"
        self.depth = 0  # <ul> nesting inside the main menu; 0 = outside it
        self.category: str | None = None
        self.link: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        if tag == "ul" and (self.depth or (attrs.get("class") or "").split() == ["nav", "navbar-nav"]):
            self.depth += 1
        elif tag == "a" and self.depth:
            self.link = ("", attrs.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link = (self.link[0] + data, self.link[1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.link is not None:
            text, href = " ".join(self.link[0].split()), self.link[1]
            self.link = None
            if self.depth == 1:
                self.category = text
                self.entries.append((text, href))
            else:
                if self.entries and self.entries[-1] == (self.category, "#"):
                    self.entries.pop()  # a category is listed through its entries
                self.entries.append((f"{self.category} > {text}", href))


def menu(page_html: str) -> list[tuple[str, str]]:
    """The main menu's links in order; an entry of a category reads "Category > Entry"."""
    parser = _NavbarParser()
    parser.feed(page_html)
    return parser.entries


FAB_SECURITY = [
    "Security > List Users",
    "Security > List Roles",
    "Security > List Groups",
    "Security > Base Permissions",
    "Security > Views/Menus",
    "Security > Permission on Views/Menus",
]
EVERYONE = ["Formats", "Status", "Corrections", "Reports", "Mailbox", "Helpdesk > Queries"]
OFFICES = ["Formats", "Status", "Corrections", "Reports", "Targets", "Mailbox", "Helpdesk > Queries"]
VALIDATORS = [
    *["Formats", "Status", "Validation", "Corrections", "Reports", "Targets"],
    *["Mailbox", "Helpdesk > Queries"],
]
OWNERS = [
    *["Formats", "Status", "Corrections", "Reports", "Summary reports", "Dashboard", "Scorecards"],
    *["Bulk load", "Targets", "Mailbox", "Helpdesk > Queries"],
]
BOARD = [
    *["Formats", "Status", "Corrections", "Reports", "Summary reports", "Dashboard", "Scorecards"],
    *["Targets", "Mailbox", "Helpdesk > Queries"],
]
ADMIN_MENU = [
    *["Formats", "Status", "Validation", "Corrections", "Reports", "Summary reports", "Dashboard"],
    *["Scorecards", "Bulk load", "Targets"],
    *["Mailbox", "Helpdesk > Queries"],
]
QUEUE = "Helpdesk > Queue"  # the helpdesk queue: Functional Owners work it, the Board reads it

MENUS = {
    "admin": [
        *FAB_SECURITY,
        "Security > Provision users",
        "Security > Master lists",
        "Security > Outbox",
        *ADMIN_MENU,
        QUEUE,
    ],  # Admin
    "member-customs": [*BOARD, QUEUE],  # Board
    **dict.fromkeys(["ddm", "dga", "dgicce", "dgst", "dov", "dla", "tar"], [*OWNERS, QUEUE]),  # each Owner
    "dgri-fo": [*OWNERS, QUEUE],  # Owner DGRI (a DG Headquarters as Functional Owner)
    "dgcei-fo": [*OWNERS, QUEUE],  # Owner DGCEI
    "gz-mum": VALIDATORS,  # Zone
    "dgcei-validator": VALIDATORS,  # Zone role of a DG Headquarters: validates its units
    "cgst-mum-e": OFFICES,  # Office (Commissionerate)
    "dri-mzu": OFFICES,  # Office role of a DG unit
    "cgst-mum-w-d2": EVERYONE,  # Division/Range (a Division)
    "cgst-mum-w-d2-r1": EVERYONE,  # Division/Range (a Range)
}
SYSTEM_ACCOUNTS = ["gstn-feed"]  # Feed GSTN: the feed API only, no page and so no menu


def test_every_role_of_the_demo_is_covered(app):
    """A role added to the seed without a menu expectation fails here."""
    with app.app_context():
        role_of = {user.username: {r.name for r in user.roles} for user in app.appbuilder.sm.get_all_users()}
    seeded_roles = {name for names in role_of.values() for name in names}
    covered = {name for username in [*MENUS, *SYSTEM_ACCOUNTS] for name in role_of[username]}
    assert seeded_roles - covered == set()


@pytest.mark.parametrize("username", SYSTEM_ACCOUNTS)
def test_a_system_account_gets_no_page_and_no_menu(login_as, username):
    client = login_as(username)
    home = client.get("/")
    assert home.status_code == 403 and menu(home.get_data(as_text=True)) == []


@pytest.mark.parametrize(("username", "entries"), MENUS.items(), ids=list(MENUS))
def test_each_role_sees_exactly_its_menu_entries_and_each_opens(login_as, username, entries):
    client = login_as(username)
    links = menu(client.get("/").get_data(as_text=True))
    assert [label for label, _href in links] == entries
    for label, href in links:
        if not label.startswith("Security > "):  # FAB's own security lists are FAB's to test
            assert client.get(href).status_code == 200, (label, href)
