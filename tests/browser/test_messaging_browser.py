"""Helpdesk and mailbox in a real browser, one user per browser context.

An office asks the owner from the grid; the owner answers on the helpdesk; the office
sees the answer on the grid and in the thread. A Zone writes to its offices: each sees
the mailbox first at its next login; an office of another Zone does not.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests (fails them with CI=true) and says why
    expect = None

pytestmark = pytest.mark.browser

GRID = "/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2024-01"


@pytest.fixture(autouse=True)
def _clean_messaging(live_server):
    yield
    from app.extensions import db
    from app.models.messaging import HelpdeskQuery, MailMessage, MailRecipient, OutboxItem, QueryPost

    with live_server.app.app_context():
        for model in (QueryPost, HelpdeskQuery, MailRecipient, MailMessage, OutboxItem):
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def press(page, selector: str) -> None:
    """Click a button that submits a form and wait for the page that comes back."""
    with page.expect_navigation():
        page.click(selector)


def test_query_from_the_grid_answered_by_the_owner(open_page, login):
    with open_page() as office:
        login(office, "cgst-mum-e")
        office.goto(GRID)
        press(office, "#mpr-ask-owner")
        expect(office.locator("#mpr-query-format")).to_have_value("DPM-GST-ADJ-2")
        expect(office.locator("#mpr-query-period")).to_have_value("2024-01")
        office.fill("#mpr-query-cell", "Opening balance — No.")
        office.fill("#mpr-query-subject", "Opening balance for the first month")
        office.fill("#mpr-query-body", "Do we enter the figure as on 1 April?")
        press(office, "#mpr-raise")
        number = int(re.search(r"/mpr/helpdesk/(\d+)", office.url).group(1))
        expect(office.locator("#mpr-query-state")).to_have_text("open")

    with open_page() as owner:
        login(owner, "dgicce")
        owner.goto("/mpr/helpdesk/?state=open")
        row = owner.locator(f'#mpr-queries tr[data-number="{number}"]')
        expect(row).to_contain_text("CGST-MUM-E")
        expect(row).to_contain_text("to answer")
        with owner.expect_navigation():
            row.locator("a").click()
        owner.fill("#mpr-reply-body", "Yes: the closing balance of March.")
        press(owner, "#mpr-reply-send")
        expect(owner.locator(".mpr-post-reply")).to_contain_text("closing balance of March")

    with open_page() as office:
        login(office, "cgst-mum-e")
        office.goto(GRID)
        expect(office.locator(f'.mpr-grid-query[data-number="{number}"]')).to_contain_text(
            "closing balance of March"
        )
        office.goto(f"/mpr/helpdesk/{number}")
        expect(office.locator(".mpr-post-reply")).to_contain_text("(owner)")


def test_zone_broadcast_is_seen_first_at_login_by_its_offices_only(open_page, login):
    with open_page() as zone:
        login(zone, "gz-mum")
        zone.goto("/mpr/mailbox/")
        zone.check('input[name="group"][value="below:GZ-MUM"]')
        zone.fill("#mpr-subject", "Returns for January by the 10th")
        zone.fill("#mpr-body", "All Commissionerates: file by the 10th, please.")
        press(zone, "#mpr-send")
        expect(zone.locator("div.alert-success")).to_contain_text("Message sent")

    for username in ("cgst-mum-e", "cgst-mum-w"):
        with open_page() as office:
            login(office, username)
            assert office.url.endswith("/mpr/mailbox/"), f"{username} landed on {office.url}"
            expect(office.locator("#mpr-unread-count")).to_have_text("1")
            unread = office.locator("#mpr-messages tr.mpr-unread-row")
            expect(unread).to_contain_text("Returns for January by the 10th")
            with office.expect_navigation():
                unread.locator("a").click()
            expect(office.locator("#mpr-message-body")).to_contain_text("file by the 10th")
            expect(office.locator("#mpr-unread-count")).to_have_count(0)

    with open_page() as other:
        login(other, "cgst-del-n")
        assert not other.url.endswith("/mpr/mailbox/")
        other.goto("/mpr/mailbox/")
        expect(other.locator("#mpr-mailbox-empty")).to_be_visible()
