"""The messaging part of the JSON API (see shared/API.md): mailbox, groups, helpdesk queries.

JWT only, like the rest of the API. Refusals propagate to the one handler: 404 for a
message or query the caller may not see, 422 with every problem for bad input.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.models.messaging import HelpdeskQuery
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.messaging import groups, helpdesk, mailbox


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _message(item: mailbox.MailItem) -> dict:
    message = item.message
    return {
        "id": message.id,
        "from": message.sender_name,
        "to": message.addressed_to,
        "subject": message.subject,
        "body": message.body,
        "kind": message.kind,
        "sent_at": _iso(message.sent_at),
        "read": item.read,
        "reply_to": message.reply_to_id,
    }


def _query(query: HelpdeskQuery, thread: bool = False) -> dict:
    found = {
        "number": query.number,
        "format": query.format_code,
        "owner": query.owner_code,
        "office": query.office.code,
        "period": query.period.strftime("%Y-%m") if query.period else None,
        "cell": query.cell,
        "subject": query.subject,
        "state": query.state,
        "raised_at": _iso(query.raised_at),
        "updated_at": _iso(query.updated_at),
    }
    if thread:
        found["thread"] = [
            {
                "author": post.author_name,
                "by_owner": post.by_owner,
                "kind": post.kind,
                "body": post.body,
                "at": _iso(post.posted_at),
            }
            for post in query.posts
        ]
    return found


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


class MprMessagingApi(BaseApi):
    """/api/v1/mpr/messages, /groups, /queries."""

    resource_name = "mpr"
    class_permission_name = p.MESSAGING_API
    method_permission_name = p.methods(
        read=("list_messages", "list_groups", "list_queries", "get_query"),
        edit=("send_message", "read_message", "raise_query", "reply_query"),
    )
    openapi_spec_tag = "MPR messaging"

    @expose("/messages", methods=["GET"])
    @protect()
    def list_messages(self):
        """The caller's mailbox, newest first; ?unread=1 for unread only; ?box=sent for sent messages."""
        actor = current_actor()
        if request.args.get("box") == "sent":
            items = mailbox.sent_by(actor)
        else:
            items = mailbox.inbox(actor, unread_only=request.args.get("unread") in ("1", "true"))
        return self.response(
            200, result=[_message(i) for i in items], unread=mailbox.unread_count(actor.user_id)
        )

    @expose("/messages", methods=["POST"])
    @protect()
    def send_message(self):
        """{"to": [username or group code], "subject", "body", "reply_to"?} -> 201."""
        body = _body()
        message = mailbox.send(
            current_actor(), body.get("to"), body.get("subject"), body.get("body"), body.get("reply_to")
        )
        return self.response(201, id=message.id, recipients=message.recipient_count)

    @expose("/messages/<int:pk>/read", methods=["POST"])
    @protect()
    def read_message(self, pk: int):
        """Mark one received message read; 404 unless the caller received it."""
        return self.response(200, **_message(mailbox.mark_read(current_actor(), pk)))

    @expose("/groups", methods=["GET"])
    @protect()
    def list_groups(self):
        """The groups the caller may address (members are resolved when a message is sent)."""
        return self.response(
            200, result=[{"code": g.code, "label": g.label} for g in groups.groups_for(current_actor())]
        )

    @expose("/queries", methods=["GET"])
    @protect()
    def list_queries(self):
        """The queries the caller raised or must answer; ?state=open|closed, ?q= number, format or office."""
        found = helpdesk.search(current_actor(), request.args.get("state"), request.args.get("q"))
        return self.response(200, result=[_query(q) for q in found])

    @expose("/queries", methods=["POST"])
    @protect()
    def raise_query(self):
        """{"format", "period"?, "cell"?, "subject", "body"} -> 201 with its running number."""
        body = _body()
        query = helpdesk.raise_query(
            current_actor(),
            body.get("format"),
            body.get("period"),
            body.get("cell"),
            body.get("subject"),
            body.get("body"),
        )
        return self.response(201, **_query(query, thread=True))

    @expose("/queries/<int:number>", methods=["GET"])
    @protect()
    def get_query(self, number: int):
        """One query with its thread; 404 outside the caller's jurisdiction."""
        return self.response(200, **_query(helpdesk.visible_query(current_actor(), number), thread=True))

    @expose("/queries/<int:number>/replies", methods=["POST"])
    @protect()
    def reply_query(self, number: int):
        """{"body"} replies; {"close": true} closes (a last reply optional); {"reopen": true} reopens."""
        body = _body()
        query = helpdesk.respond(
            current_actor(),
            number,
            body.get("body"),
            close=body.get("close") is True,
            reopen=body.get("reopen") is True,
        )
        return self.response(200, **_query(query, thread=True))
