"""The owners' helpdesk queue over HTTP: bulk Close and Assign, jurisdiction on every selected row.

FAB's action endpoint takes row ids straight from the form; these tests craft such posts
with ids of other owners' queries and check that the whole batch is refused and nothing
changes. The SQL filter of the queue is held equal to the service's Python predicates.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, log_out

OWN_FORMAT = "DPM-GST-ADJ-2"  # owned by DGICCE
OTHER_FORMAT = "DDM-CUS-1"  # owned by DDM
LIST = "/mpr/helpdesk/queue/list/"
ACTION = "/mpr/helpdesk/queue/action_post"
ASSIGN = "/mpr/helpdesk/queue/assign"
ROW_RE = re.compile(r'name="rowid" value="(\d+)".*?class="mpr-query-link">(\d+)<', re.S)


def _raise(
    client, api_token, fmt: str = OWN_FORMAT, asker: str = "cgst-mum-e", subject: str = "Which?"
) -> int:
    body = {"format": fmt, "subject": subject, "body": "Which figure goes here?"}
    response = client.post("/api/v1/mpr/queries", json=body, headers=api_token(asker))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def _rows(page: str) -> dict[int, str]:
    """{query number: row id} of the queue's list page."""
    return {int(number): rowid for rowid, number in ROW_RE.findall(page)}


def _listed(page: str) -> set[int]:
    """The query numbers a list page links to (rows without a checkbox too)."""
    return {int(n) for n in re.findall(r'class="mpr-query-link">(\d+)<', page)}


def _id_of(app, number: int) -> str:
    from app.extensions import db
    from app.models.messaging import HelpdeskQuery

    with app.app_context():
        return str(
            db.session.execute(select(HelpdeskQuery.id).where(HelpdeskQuery.number == number)).scalar()
        )


def _states(app, *numbers: int) -> dict[int, tuple[str, int | None]]:
    """{number: (state, assignee id)}."""
    from app.extensions import db
    from app.models.messaging import HelpdeskQuery

    with app.app_context():
        rows = db.session.execute(
            select(HelpdeskQuery.number, HelpdeskQuery.state, HelpdeskQuery.assigned_to_id).where(
                HelpdeskQuery.number.in_(numbers)
            )
        )
        return {number: (state, assignee) for number, state, assignee in rows}


def _audit(app, action: str, number: int) -> int:
    from sqlalchemy import func

    from app.extensions import db
    from app.models.audit import AuditEvent

    with app.app_context():
        query = select(func.count()).where(
            AuditEvent.action == action,
            AuditEvent.object_type == "query",
            AuditEvent.object_key == str(number),
        )
        return db.session.execute(query).scalar_one()


def _outbox(app, username: str, kind: str) -> list[str]:
    """Subjects of the e-mails queued for `username` of `kind`."""
    from app.extensions import db
    from app.models.messaging import OutboxItem

    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username=username).id
        query = select(OutboxItem.subject).where(
            OutboxItem.user_id == user_id, OutboxItem.kind == kind, OutboxItem.channel == "email"
        )
        return list(db.session.execute(query).scalars())


def _user_id(app, username: str) -> int:
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_owner_bulk_closes_two_of_its_queries(app, client, api_token, login_as):
    first, second, third = (_raise(client, api_token, subject=f"Q{i}") for i in range(3))
    owner = login_as("dgicce")
    page = owner.get(LIST).get_data(as_text=True)
    rows = _rows(page)
    assert {first, second, third} <= rows.keys()
    response = owner.post(
        ACTION, data={"action": "close", "rowid": [rows[first], rows[second]], "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302 and response.location.endswith(LIST)
    assert "2 queries closed." in _text(owner.get(LIST))
    assert _states(app, first, second, third) == {
        first: ("closed", None),
        second: ("closed", None),
        third: ("open", None),
    }
    assert [_audit(app, "query_closed", n) for n in (first, second, third)] == [1, 1, 0]
    told = _outbox(app, "cgst-mum-e", "reply")
    assert sorted(s for s in told if s.endswith(": closed")) == sorted(
        f"Helpdesk query No. {n}: closed" for n in (first, second)
    )
    again = owner.post(
        ACTION, data={"action": "close", "rowid": [rows[first]], "csrf_token": csrf_token(page)}
    )
    assert again.status_code == 302
    assert "1 of the selected queries was already closed." in _text(owner.get(LIST))
    assert _audit(app, "query_closed", first) == 1


def test_a_crafted_action_naming_another_owners_query_changes_nothing(app, client, api_token, login_as):
    mine, theirs = _raise(client, api_token), _raise(client, api_token, OTHER_FORMAT)
    third = _raise(client, api_token, "DRI-CUS-7")  # DGRI's
    owner = login_as("dgicce")
    page = owner.get(LIST).get_data(as_text=True)
    assert mine in _rows(page) and not {theirs, third} & _rows(page).keys()
    for action in ("close", "assign"):
        crafted = {"action": action, "rowid": [_id_of(app, mine), _id_of(app, theirs)]}
        response = owner.post(ACTION, data={**crafted, "csrf_token": csrf_token(page)})
        assert response.status_code == 404, action  # a row outside the list is absent, whole batch
    # The follow-up form and its post check every number themselves.
    form = owner.get(ASSIGN, query_string={"number": [mine, theirs]})
    assert form.status_code == 403 and f"query No. {theirs} is not yours" in _text(form)
    posted = owner.post(
        ASSIGN,
        data={
            "number": [mine, theirs, third],
            "officer": _user_id(app, "dgicce"),
            "csrf_token": csrf_token(page),
        },
        headers={"Referer": f"http://localhost{LIST}"},
    )
    assert posted.status_code == 302
    shown = _text(owner.get(LIST))
    assert f"Nothing was changed: queries No. {theirs}, {third} are not yours to answer." in shown
    assert _states(app, mine, theirs, third) == dict.fromkeys((mine, theirs, third), ("open", None))
    assert _audit(app, "query_closed", mine) == _audit(app, "query_assigned", mine) == 0


def test_an_administrator_sees_the_queue_but_answers_nothing(app, client, api_token, login_as):
    number = _raise(client, api_token)
    admin = login_as("admin")
    page = admin.get(LIST).get_data(as_text=True)
    rowid = _rows(page)[number]
    response = admin.post(
        ACTION,
        data={"action": "close", "rowid": [rowid], "csrf_token": csrf_token(page)},
        headers={"Referer": f"http://localhost{LIST}"},
    )
    assert response.status_code == 302
    assert f"Nothing was changed: query No. {number} is not yours to answer." in _text(admin.get(LIST))
    assert _states(app, number) == {number: ("open", None)}


@pytest.mark.parametrize("username", ["cgst-mum-e", "gz-mum", "cgst-mum-w-d2"])
def test_field_offices_get_403_on_the_queue_and_its_actions(app, client, api_token, login_as, username):
    number = _raise(client, api_token)
    user = login_as(username)
    token = csrf_token(user.get("/mpr/helpdesk/").get_data(as_text=True))
    assert user.get(LIST).status_code == 403
    for action in ("close", "assign"):
        data = {"action": action, "rowid": [_id_of(app, number)], "csrf_token": token}
        assert user.post(ACTION, data=data).status_code == 403, action
    assert user.get(ASSIGN, query_string={"number": number}).status_code == 403
    posted = {"number": number, "officer": _user_id(app, "dgicce"), "csrf_token": token}
    assert user.post(ASSIGN, data=posted).status_code == 403
    assert _states(app, number) == {number: ("open", None)}


@pytest.fixture
def second_officer(app) -> str:
    """Another officer of DGICCE (its office, its owner role)."""
    from app.extensions import db
    from app.services.accounts.provisioning import provision

    with app.test_request_context():
        provision("dgicce-officer2", "Owner DGICCE", "DGICCE", actor="test")
        db.session.commit()
    return "dgicce-officer2"


def test_assign_goes_only_to_an_officer_of_the_directorate(app, client, api_token, login_as, second_officer):
    first, second = _raise(client, api_token), _raise(client, api_token)
    owner = login_as("dgicce")
    page = owner.get(LIST).get_data(as_text=True)
    rows = _rows(page)
    chosen = owner.post(
        ACTION,
        data={"action": "assign", "rowid": [rows[first], rows[second]], "csrf_token": csrf_token(page)},
    )
    assert chosen.status_code == 302 and "/mpr/helpdesk/queue/assign?" in chosen.location
    form = owner.get(chosen.location).get_data(as_text=True)
    offered = set(re.findall(r'<option value="\d+">[^<]*\(([^)]+)\)</option>', form))
    assert offered == {"dgicce", second_officer}  # not another FO, not a Zone user of an FO office
    assert f'name="number" value="{first}"' in form and f'name="number" value="{second}"' in form

    data = {"number": [first, second], "csrf_token": csrf_token(form)}
    back = {"Referer": f"http://localhost{chosen.location}"}
    refused = owner.post(ASSIGN, data={**data, "officer": _user_id(app, "ddm")}, headers=back)
    assert refused.status_code == 302
    assert "Choose an officer of DGICCE; nothing was changed." in _text(owner.get(refused.location))
    assert _states(app, first, second) == {first: ("open", None), second: ("open", None)}

    officer = _user_id(app, second_officer)
    assert owner.post(ASSIGN, data={**data, "officer": officer}).status_code == 302
    assert "2 queries assigned." in _text(owner.get(LIST))
    assert _states(app, first, second) == {first: ("open", officer), second: ("open", officer)}
    assert _audit(app, "query_assigned", first) == _audit(app, "query_assigned", second) == 1
    assigned = [s for s in _outbox(app, second_officer, "query") if "assigned" in s]
    assert assigned == [f"Helpdesk queries assigned to you: No. {first}, {second}"]
    thread = _text(owner.get(f"/mpr/helpdesk/{first}"))
    assert re.search(r'id="mpr-query-assignee">assigned to dgicce-officer2 DGICCE<', thread)
    log_out(app, owner)
    asker = login_as("cgst-mum-e")
    assert "assigned to dgicce-officer2" in _text(asker.get(f"/mpr/helpdesk/{first}"))


def test_the_board_reads_every_query_and_acts_on_none(app, client, api_token, login_as):
    mine, theirs = _raise(client, api_token), _raise(client, api_token, OTHER_FORMAT)
    owner_rows = _rows(login_as("dgicce").get(LIST).get_data(as_text=True))
    assert mine in owner_rows and theirs not in owner_rows
    log_out(app, client)
    board = login_as("member-customs")
    page = board.get(LIST).get_data(as_text=True)
    assert {mine, theirs} <= _listed(page)
    assert "close_menu_item" not in page and 'name="rowid"' not in page  # no actions offered
    token = csrf_token(board.get("/mpr/helpdesk/").get_data(as_text=True))
    for action in ("close", "assign"):
        data = {"action": action, "rowid": [_id_of(app, mine), _id_of(app, theirs)], "csrf_token": token}
        assert board.post(ACTION, data=data).status_code == 403, action
    assert board.get(ASSIGN, query_string={"number": mine}).status_code == 403
    assert _states(app, mine, theirs) == {mine: ("open", None), theirs: ("open", None)}


ASKERS = ["CGST-MUM-E", "CGST-DEL-N", "DRI-MZU", "DGA", "CGST-DEL-S"]  # the last is closed for the test
FORMATS = [OWN_FORMAT, OTHER_FORMAT, "DRI-CUS-7", "DGA-GST-ADT-2"]


def _queries_of_every_kind(app) -> None:
    """A query per asking office and format, one on a format no longer defined, one whose owner moved."""
    import datetime as dt

    from app.extensions import db
    from app.models.messaging import HelpdeskQuery
    from app.models.org import Office

    stamp = dt.datetime(2025, 11, 3, 10, 0)
    with app.app_context():
        offices = {o.code: o for o in db.session.execute(select(Office)).scalars()}
        asker = app.appbuilder.sm.find_user(username="cgst-mum-e").id
        cases = [(o, f, None) for o in ASKERS for f in FORMATS]
        cases += [("CGST-MUM-E", "RETIRED-FORMAT", "DGICCE"), ("CGST-MUM-E", OWN_FORMAT, "DDM")]
        for number, (office, fmt, owner) in enumerate(cases, start=70001):
            db.session.add(
                HelpdeskQuery(
                    number=number,
                    format_code=fmt,
                    owner_code=owner or fmt.split("-")[0],
                    subject="twin",
                    office_id=offices[office].id,
                    raised_by_id=asker,
                    raised_at=stamp,
                    updated_at=stamp,
                    state="open",
                )
            )
        offices["CGST-DEL-S"].active = False
        db.session.commit()


def test_the_sql_twins_select_exactly_what_the_predicates_allow(app):
    """visible_queries / answerable_queries / queue_queries agree with may_see / may_answer / in_queue."""
    from app.extensions import db
    from app.models.messaging import HelpdeskQuery
    from app.models.org import Office
    from app.security.actor import actor_for
    from app.services.messaging import helpdesk

    _queries_of_every_kind(app)
    pairs = [
        (helpdesk.may_see, helpdesk.visible_queries),
        (helpdesk.may_answer, helpdesk.answerable_queries),
        (helpdesk.in_queue, helpdesk.queue_queries),
    ]
    try:
        with app.test_request_context():
            queries = list(db.session.execute(select(HelpdeskQuery)).scalars())
            actors = [actor_for(user) for user in app.appbuilder.sm.get_all_users()]
            for actor in [*actors, None]:
                for predicate, twin in pairs:
                    allowed = {q.number for q in queries if predicate(actor, q)}
                    selected = set(
                        db.session.execute(select(HelpdeskQuery.number).where(twin(actor))).scalars()
                    )
                    assert selected == allowed, (actor and actor.username, predicate.__name__)
            owner = next(a for a in actors if a.username == "dgicce")
            answered = {q.number for q in queries if helpdesk.may_answer(owner, q)}
            # its format from four active askers (not the closed office's 70017), and the query whose
            # format moved to it since (70022); not the one on a retired format (70021)
            assert answered == {70001, 70005, 70009, 70013, 70022}
    finally:
        with app.app_context():
            office = db.session.execute(select(Office).where(Office.code == "CGST-DEL-S")).scalar_one()
            office.active = True
            db.session.commit()
