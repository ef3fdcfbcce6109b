"""Helpdesk over HTTP: raise from page and API, routed to the owner, thread, close, reopen, jurisdiction."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import csrf_token

FORMAT = "DPM-GST-ADJ-2"  # owned by DGICCE, filed by GST executive commissionerates


def _raise(client, headers, **extra):
    body = {
        "format": FORMAT,
        "period": "2025-10",
        "subject": "Opening balance",
        "body": "Which figure?",
        **extra,
    }
    return client.post("/api/v1/mpr/queries", json=body, headers=headers)


def test_query_goes_to_the_owner_and_the_reply_reaches_the_asker(app, client, api_token):
    office, owner = api_token("cgst-mum-e"), api_token("dgicce")
    raised = _raise(client, office, cell="Opening — No.")
    assert raised.status_code == 201, raised.get_json()
    number = raised.get_json()["number"]
    assert raised.get_json()["owner"] == "DGICCE" and raised.get_json()["office"] == "CGST-MUM-E"
    assert _raise(client, office).get_json()["number"] == number + 1  # running number

    open_for_owner = client.get("/api/v1/mpr/queries?state=open", headers=owner).get_json()["result"]
    assert number in [q["number"] for q in open_for_owner]
    reply = client.post(
        f"/api/v1/mpr/queries/{number}/replies", json={"body": "Use last month's closing."}, headers=owner
    )
    assert reply.status_code == 200
    thread = client.get(f"/api/v1/mpr/queries/{number}", headers=office).get_json()["thread"]
    assert [(p["kind"], p["by_owner"]) for p in thread] == [("question", False), ("reply", True)]
    assert thread[1]["body"] == "Use last month's closing."

    closed = client.post(f"/api/v1/mpr/queries/{number}/replies", json={"close": True}, headers=owner)
    assert closed.get_json()["state"] == "closed"
    refused = client.post(f"/api/v1/mpr/queries/{number}/replies", json={"body": "more"}, headers=office)
    assert refused.status_code == 409
    reopened = client.post(f"/api/v1/mpr/queries/{number}/replies", json={"reopen": True}, headers=office)
    assert reopened.get_json()["state"] == "open"
    assert number in [
        q["number"] for q in client.get("/api/v1/mpr/queries?state=open", headers=owner).get_json()["result"]
    ]


def test_jurisdiction_office_owner_board(app, client, api_token):
    number = _raise(client, api_token("cgst-mum-e")).get_json()["number"]
    for outsider in (
        "cgst-del-n",
        "gz-mum",
        "ddm",
        "cgst-mum-w-d2",
    ):  # another office, its Zone, another FO, a Division
        headers = api_token(outsider)
        assert client.get(f"/api/v1/mpr/queries/{number}", headers=headers).status_code == 404, outsider
        assert number not in [
            q["number"] for q in client.get("/api/v1/mpr/queries", headers=headers).get_json()["result"]
        ]
        answer = client.post(f"/api/v1/mpr/queries/{number}/replies", json={"body": "x"}, headers=headers)
        assert answer.status_code == 404, outsider
    board = api_token("member-customs")
    assert client.get(f"/api/v1/mpr/queries/{number}", headers=board).status_code == 200
    assert (
        client.post(f"/api/v1/mpr/queries/{number}/replies", json={"body": "x"}, headers=board).status_code
        == 403
    )


def test_bad_query_input_is_listed(app, client, api_token):
    office = api_token("cgst-mum-e")
    response = client.post(
        "/api/v1/mpr/queries",
        json={"format": "NO-SUCH", "period": "October", "subject": "", "body": "x" * 6000},
        headers=office,
    )
    assert response.status_code == 422
    codes = {(e["column"], e["code"]) for e in response.get_json()["errors"]}
    assert codes == {("format", "unknown_format"), ("period", "bad_period")}
    response = client.post(
        "/api/v1/mpr/queries", json={"format": FORMAT, "subject": "", "body": "x" * 6000}, headers=office
    )
    assert {(e["column"], e["code"]) for e in response.get_json()["errors"]} == {
        ("subject", "required"),
        ("body", "too_long"),
    }
    owner_asks = client.post(
        "/api/v1/mpr/queries",
        json={"format": FORMAT, "subject": "s", "body": "b"},
        headers=api_token("dgicce"),
    )
    assert owner_asks.status_code == 403


def test_query_from_the_grid_page_and_search(app, login_as):
    client = login_as("cgst-mum-e")
    grid = client.get("/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2025-10").get_data(as_text=True)
    link = re.search(r'id="mpr-ask-owner" href="([^"]+)"', grid).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert f'<option value="{FORMAT}" selected>' in form and 'value="2025-10"' in form
    response = client.post(
        "/mpr/helpdesk/raise",
        data={
            "format": FORMAT,
            "period": "2025-10",
            "cell": "",
            "subject": "<b>Bold?</b>",
            "body": "<script>x</script>",
            "csrf_token": csrf_token(form),
        },
    )
    assert response.status_code == 302
    thread = client.get(response.location).get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in thread and "<script>x</script>" not in thread
    grid = client.get("/mpr/f/dpm_gst_adj_2/CGST-MUM-E/2025-10").get_data(as_text=True)
    assert "&lt;b&gt;Bold?&lt;/b&gt;" in grid  # the office sees its query on the grid
    number = int(re.search(r"/mpr/helpdesk/(\d+)", response.location).group(1))
    for words in (str(number), "adj-2", "CGST-MUM-E", "Mumbai East"):
        listing = client.get("/mpr/helpdesk/", query_string={"q": words}).get_data(as_text=True)
        assert f'data-number="{number}"' in listing, words
    assert f'data-number="{number}"' not in client.get("/mpr/helpdesk/?q=DDM-CUS-1").get_data(as_text=True)


def test_owner_answers_and_closes_on_the_page_with_audit(app, client, api_token, login_as):
    number = _raise(client, api_token("cgst-mum-e")).get_json()["number"]
    owner = login_as("dgicce")
    listing = owner.get("/mpr/helpdesk/?state=open").get_data(as_text=True)
    assert f'data-number="{number}"' in listing and "to answer" in listing
    page = owner.get(f"/mpr/helpdesk/{number}").get_data(as_text=True)
    response = owner.post(
        f"/mpr/helpdesk/{number}/respond",
        data={"body": "Answered.", "action": "close", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    from app.extensions import db
    from app.models.audit import AuditEvent

    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "query", AuditEvent.object_key == str(number))
            .order_by(AuditEvent.seq.desc())
            .limit(3)
        ).scalars()
        assert list(actions) == ["query_closed", "query_reply", "query_raised"]
