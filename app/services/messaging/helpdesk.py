"""Helpdesk queries: an office asks the owner of a format; the owner replies and closes.

Who sees a query is the policy's `Action.QUERY` (the asking office, the format's
owner, the Board); who answers is `Action.ANSWER`. Every look-up by number goes
through `visible_query()`, so a number outside the caller's jurisdiction answers 404.
Lists filter in SQL with the twins `visible_queries()` and `answerable_queries()`, which
tests/messaging/test_helpdesk_queue.py holds equal to `may_see()` and `may_answer()`.
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from app.definitions.months import Month
from app.definitions.schema import FormatDef
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.models.messaging import HelpdeskQuery, QueryPost, QueryState
from app.models.org import Office
from app.security import roles
from app.security.policy import Action, Actor, may
from app.services import audit
from app.services.cycle.corrections import next_number
from app.services.engine import catalogue
from app.services.messaging import outbox, text
from app.services.messaging.mailbox import display_name

CELL_MAX = 120


class QueryInput(InvalidInput):
    """A query's format, month or cell is wrong."""

    code = "invalid_query"


def _fmt_of(query: HelpdeskQuery) -> FormatDef | None:
    return catalogue.definitions().formats.get(query.format_code)


def may_see(actor: Actor | None, query: HelpdeskQuery) -> bool:
    """Whether `actor` may read this query and its thread."""
    return may(actor, Action.QUERY, query.office, _fmt_of(query))


def may_answer(actor: Actor | None, query: HelpdeskQuery) -> bool:
    """Whether `actor` answers for the format's owner."""
    return may(actor, Action.ANSWER, query.office, _fmt_of(query))


def in_queue(actor: Actor | None, query: HelpdeskQuery) -> bool:
    """Whether the query is in the actor's helpdesk queue: the ones it answers; all for Board and Admin."""
    if actor is not None and (actor.is_admin or actor.is_board):
        return may_see(actor, query)
    return may_answer(actor, query)


def _on_active_office() -> ColumnElement[bool]:
    return HelpdeskQuery.office.has(Office.active.is_(True))


def _on_formats_of(owner_code: str) -> ColumnElement[bool]:
    codes = [f.code for f in catalogue.definitions().formats_of_owner(owner_code)]
    return HelpdeskQuery.format_code.in_(codes)


def visible_queries(actor: Actor | None) -> ColumnElement[bool]:
    """The SQL twin of `may_see()`: a condition on HelpdeskQuery."""
    if actor is None:
        return false()
    if actor.is_admin or actor.is_board:
        return _on_active_office()
    clauses = []
    if actor.office is not None:
        clauses.append(HelpdeskQuery.office_id == actor.office.id)
    if actor.owner_code is not None:
        clauses.append(_on_formats_of(actor.owner_code))
    return and_(_on_active_office(), or_(false(), *clauses))


def answerable_queries(actor: Actor | None) -> ColumnElement[bool]:
    """The SQL twin of `may_answer()`: a condition on HelpdeskQuery."""
    if (
        actor is None
        or actor.owner_code is None
        or roles.owner_role(actor.owner_code) not in actor.role_names
    ):
        return false()
    return and_(_on_active_office(), _on_formats_of(actor.owner_code))


def queue_queries(actor: Actor | None) -> ColumnElement[bool]:
    """The SQL twin of `in_queue()`: a condition on HelpdeskQuery."""
    if actor is not None and (actor.is_admin or actor.is_board):
        return visible_queries(actor)
    return answerable_queries(actor)


def is_asker(actor: Actor | None, query: HelpdeskQuery) -> bool:
    """Whether `actor` belongs to the office that raised the query."""
    return actor is not None and actor.office is not None and actor.office.id == query.office_id


def _problem(column: str, code: str, message: str) -> dict:
    return {"row": None, "column": column, "code": code, "message": message}


def _parse(format_code: object, period: object, cell: object) -> tuple[FormatDef, Month | None, str | None]:
    problems = []
    fmt = catalogue.definitions().formats.get(format_code) if isinstance(format_code, str) else None
    if fmt is None:
        problems.append(_problem("format", "unknown_format", _("Choose a format from the list.")))
    month = None
    if period not in (None, ""):
        try:
            month = Month.parse(str(period))
        except ValueError:
            problems.append(_problem("period", "bad_period", _("The month must be written YYYY-MM.")))
    cell_text, cell_problems = text.clean(cell, "cell", CELL_MAX, single_line=True, required=False)
    if problems or cell_problems:
        raise QueryInput(_("The query cannot be raised as it is."), problems + cell_problems)
    return fmt, month, cell_text or None


def _owner_users(owner: str) -> set[int]:
    query = (
        select(User.id).join(User.roles).where(Role.name == roles.owner_role(owner), User.active.is_(True))
    )
    return set(db.session.execute(query).scalars())


def raise_query(
    actor: Actor, format_code: object, period: object, cell: object, subject: object, body: object
) -> HelpdeskQuery:
    """Raise a query from the actor's office to the owner of the format; returns it with its number."""
    if actor.office is None or actor.is_admin:
        raise Forbidden(_("Only users of an office raise helpdesk queries."))
    fmt, month, cell_text = _parse(format_code, period, cell)
    if actor.owner_code == fmt.owner:
        raise Forbidden(_("Your office owns %(format)s; queries on it come to you.", format=fmt.code))
    subject_text, body_text = text.subject_and_body(subject, body)
    stamp = outbox.utcnow()
    query = HelpdeskQuery(
        number=next_number("helpdesk_query"),
        format_code=fmt.code,
        owner_code=fmt.owner,
        period=month.first_day if month is not None else None,
        cell=cell_text,
        subject=subject_text,
        office_id=actor.office.id,
        raised_by_id=actor.user_id,
        raised_at=stamp,
        updated_at=stamp,
        state=QueryState.OPEN,
    )
    query.posts = [_post(actor, "question", body_text, stamp, by_owner=False)]
    db.session.add(query)
    db.session.flush()
    outbox.notify(
        _owner_users(fmt.owner),
        "query",
        _("Helpdesk query No. %(n)d on %(f)s", n=query.number, f=fmt.code),
        f"{actor.office.name} ({actor.office.code}) asks: {subject_text}\n\n{body_text}",
    )
    audit.record(
        actor.user_id,
        actor.username,
        "query_raised",
        "query",
        str(query.number),
        after={"format": fmt.code, "office": actor.office.code, "subject": subject_text},
    )
    db.session.commit()
    return query


def _post(actor: Actor, kind: str, body: str, stamp, by_owner: bool) -> QueryPost:
    user = db.session.get(User, actor.user_id)
    return QueryPost(
        author_id=actor.user_id,
        author_name=display_name(user, actor)[:200],
        by_owner=by_owner,
        kind=kind,
        body=body,
        posted_at=stamp,
    )


def visible_query(actor: Actor | None, number: int) -> HelpdeskQuery:
    """The query with this number if the actor may see it; NotFound otherwise (never say which)."""
    query = db.session.execute(
        select(HelpdeskQuery).where(HelpdeskQuery.number == number)
    ).scalar_one_or_none()
    if query is None or not may_see(actor, query):
        raise NotFound()
    return query


def _notify_other_side(actor: Actor, query: HelpdeskQuery, owner_side: bool, what: str, body: str) -> None:
    subject = _("Helpdesk query No. %(n)d: %(what)s", n=query.number, what=what)
    if owner_side:
        outbox.notify({query.raised_by_id}, "reply", subject, f"{query.subject}\n\n{body}")
    else:
        outbox.notify(_owner_users(query.owner_code), "query", subject, f"{query.subject}\n\n{body}")


def respond(
    actor: Actor, number: int, body: object = None, close: bool = False, reopen: bool = False
) -> HelpdeskQuery:
    """Reply (the asking office or the owner), close, or reopen a query."""
    query = visible_query(actor, number)
    owner_side = may_answer(actor, query)
    if not owner_side and not is_asker(actor, query):
        raise Forbidden(_("Only the asking office and the format's owner take part in a query."))
    has_body = isinstance(body, str) and body.strip() != ""
    if not (has_body or close or reopen):
        text.body_only(body)  # raises: a reply needs a body
    if query.state == QueryState.CLOSED and not reopen:
        raise Conflict(_("Query No. %(n)d is closed; reopen it to continue.", n=number))
    if reopen and query.state == QueryState.OPEN:
        raise Conflict(_("Query No. %(n)d is already open.", n=number))
    stamp = outbox.utcnow()
    if reopen:
        _change_state(actor, query, QueryState.OPEN, "reopen", stamp, owner_side)
    if has_body:
        reply = text.body_only(body)
        query.posts.append(_post(actor, "reply", reply, stamp, owner_side))
        _notify_other_side(actor, query, owner_side, _("new reply"), reply)
        audit.record(actor.user_id, actor.username, "query_reply", "query", str(number))
    if close:
        _change_state(actor, query, QueryState.CLOSED, "close", stamp, owner_side)
    query.updated_at = stamp
    db.session.commit()
    return query


def answered_by(actor: Actor | None, numbers: list[int]) -> list[HelpdeskQuery]:
    """The queries with these numbers if `actor` answers every one; else Forbidden naming the others.

    A batch is all or nothing: one number outside the actor's jurisdiction (or absent,
    never said which) refuses the whole batch before anything changes."""
    wanted = sorted(set(numbers))
    if not wanted:
        raise InvalidInput(_("Select at least one query."))
    found = {
        q.number: q
        for q in db.session.execute(select(HelpdeskQuery).where(HelpdeskQuery.number.in_(wanted))).scalars()
    }
    refused = [n for n in wanted if n not in found or not may_answer(actor, found[n])]
    if refused:
        listed = ", ".join(str(n) for n in refused)
        raise Forbidden(
            ngettext(
                "Nothing was changed: query No. %(numbers)s is not yours to answer.",
                "Nothing was changed: queries No. %(numbers)s are not yours to answer.",
                len(refused),
                numbers=listed,
            )
        )
    return [found[n] for n in wanted]


def close_queries(actor: Actor, numbers: list[int]) -> tuple[int, int]:
    """Close every open query of the batch in one transaction; (closed, already closed)."""
    queries = answered_by(actor, numbers)
    stamp = outbox.utcnow()
    still_open = [q for q in queries if q.state == QueryState.OPEN]
    for query in still_open:
        _change_state(actor, query, QueryState.CLOSED, "close", stamp, owner_side=True)
        query.updated_at = stamp
    db.session.commit()
    return len(still_open), len(queries) - len(still_open)


def _change_state(
    actor: Actor, query: HelpdeskQuery, state: QueryState, kind: str, stamp, owner_side: bool
) -> None:
    query.state = state
    query.closed_at = stamp if state == QueryState.CLOSED else None
    query.posts.append(_post(actor, kind, "", stamp, owner_side))
    word = _("closed") if state == QueryState.CLOSED else _("reopened")
    _notify_other_side(actor, query, owner_side, word, word)
    action = "query_closed" if state == QueryState.CLOSED else "query_reopened"
    audit.record(actor.user_id, actor.username, action, "query", str(query.number))


def search_query(actor: Actor | None, state: str | None = None, words: str | None = None) -> Select:
    """Queries the actor may see, open first then newest; `words` matches number, format or office."""
    query = select(HelpdeskQuery).join(Office, Office.id == HelpdeskQuery.office_id)
    query = query.where(visible_queries(actor) if actor is not None else false())
    if state in {s.value for s in QueryState}:
        query = query.where(HelpdeskQuery.state == state)
    words = (words or "").strip()
    if words.isdigit():
        query = query.where(HelpdeskQuery.number == int(words))
    elif words:
        like = f"%{words.lower()}%"
        query = query.where(
            or_(
                HelpdeskQuery.format_code.ilike(like),
                Office.code.ilike(like),
                Office.name.ilike(like),
                HelpdeskQuery.subject.ilike(like),
            )
        )
    return query.order_by(HelpdeskQuery.state.desc(), HelpdeskQuery.number.desc())


def search(actor: Actor | None, state: str | None = None, words: str | None = None, limit: int = 300):
    """The first `limit` queries of `search_query`."""
    return list(db.session.execute(search_query(actor, state, words).limit(limit)).scalars())


def for_grid(actor: Actor | None, fmt: FormatDef, office: Office, month: Month) -> list[HelpdeskQuery]:
    """The queries about this format from this office for the month (or for no month), for the grid."""
    if actor is None or not may(actor, Action.QUERY, office, fmt):
        return []
    query = select(HelpdeskQuery).where(
        HelpdeskQuery.format_code == fmt.code,
        HelpdeskQuery.office_id == office.id,
        or_(HelpdeskQuery.period == month.first_day, HelpdeskQuery.period.is_(None)),
    )
    return list(db.session.execute(query.order_by(HelpdeskQuery.number.desc()).limit(50)).scalars())
