"""Lists that grow are drawn a page at a time: the mailbox, the helpdesk and the correction requests.

Each list is walked through its rel="next" links on the real pages; every item must appear
exactly once, in the order of the one-page listing, and the pages must keep the list's
own filters.
"""

from __future__ import annotations

import html
import re

from tests.http.test_cycle import CGST, JAN, signed_in
from tests.http.test_status_todo import actor, correct, file_all

NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
MESSAGES, QUERIES = 60, 55


def walk(client, url: str, item: re.Pattern) -> tuple[list[str], int]:
    """Every item id drawn, following rel="next" from `url`; and how many pages that took."""
    found, pages = [], 0
    while url:
        text = client.get(url).get_data(as_text=True)
        found.extend(item.findall(text))
        url = next((html.unescape(href) for href in NEXT.findall(text)), None)
        pages += 1
        assert pages < 50, "pagination does not end"
    return found, pages


def test_the_mailbox_shows_fifty_messages_a_page_and_every_one_once(app):
    from app.services.messaging import mailbox

    with app.test_request_context():
        zone = actor("gz-mum")
        sent = [mailbox.send(zone, ["cgst-mum-e"], f"Note {n}", "body").id for n in range(MESSAGES)]
    office = signed_in(app, "cgst-mum-e")
    first = office.get("/mpr/mailbox/").get_data(as_text=True)
    assert "Showing 1–50 of 60" in html.unescape(first) and 'aria-current="page">1</a>' in first
    received, pages = walk(office, "/mpr/mailbox/", re.compile(r'class="mpr-message[^"]*" data-id="(\d+)"'))
    assert pages == 2 and [int(i) for i in received] == sorted(sent, reverse=True)
    zone = signed_in(app, "gz-mum")
    outgoing, pages = walk(zone, "/mpr/mailbox/?box=sent", re.compile(r'data-id="(\d+)"'))
    assert pages == 2 and sorted(int(i) for i in outgoing) == sorted(sent)
    second = zone.get("/mpr/mailbox/?box=sent&page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and "box=sent" in html.unescape(second.split('rel="prev"')[0][-120:])


def test_the_helpdesk_index_pages_through_every_query_and_keeps_the_search(app):
    from app.services.messaging import helpdesk

    with app.test_request_context():
        numbers = [
            helpdesk.raise_query(actor("cgst-mum-e"), "GI-GST-2", JAN, "", f"Question {n}", "Why?").number
            for n in range(QUERIES)
        ]
    office = signed_in(app, "cgst-mum-e")
    row = re.compile(r'data-number="(\d+)" class="mpr-query"')
    listed, pages = walk(office, "/mpr/helpdesk/?q=GI-GST-2&state=open", row)
    assert pages == 2 and [int(n) for n in listed] == sorted(numbers, reverse=True)
    second = html.unescape(office.get("/mpr/helpdesk/?q=GI-GST-2&state=open&page=2").get_data(as_text=True))
    assert "Showing 51–55 of 55" in second
    prev = re.search(r'<a href="([^"]+)" rel="prev">', second).group(1)
    assert "q=GI-GST-2" in prev and "state=open" in prev
    assert row.findall(signed_in(app, "cgst-del-n").get("/mpr/helpdesk/").get_data(as_text=True)) == []


def test_correction_requests_are_listed_to_those_who_see_the_return_only(app):
    with app.test_request_context():
        file_all()
        approved = correct("GI-GST-2", JAN, CGST.change)
        rejected = correct("GI-GST-4", JAN, {"AE_1_NO": {"FOR_MONTH": "9"}}, reason="per the register")
    row = re.compile(r'<tr data-number="(\d+)">')
    for user, expected in (
        ("cgst-mum-e", [rejected, approved]),
        ("gz-mum", [rejected, approved]),
        ("dgcei-fo", [rejected, approved]),
        ("member-customs", [rejected, approved]),
        ("admin", [rejected, approved]),
        ("cgst-mum-w", []),
        ("gz-del", []),
        ("dgicce", []),  # an owner of other formats, with no office under it
    ):
        page = signed_in(app, user).get("/mpr/corrections/").get_data(as_text=True)
        assert [int(n) for n in row.findall(page)] == expected, user
