"""The owners' helpdesk queue: its SQL filter is held equal to the service's Python predicates."""

from __future__ import annotations

from sqlalchemy import select

OWN_FORMAT = "DPM-GST-ADJ-2"  # owned by DGICCE
OTHER_FORMAT = "DDM-CUS-1"  # owned by DDM


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
