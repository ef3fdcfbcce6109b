"""Mailbox, helpdesk and outbox pages: thin views over app/services/messaging.

Refusals (unknown recipient, text too long, not yours) propagate to the one handler in
app/web.py, which flashes the message and sends the user back to the form.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.presenters.pagination import page_arg, paginate_select
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.accounts.people import full_name
from app.services.engine import catalogue
from app.services.messaging import groups, helpdesk, mailbox, outbox, preferences


def _recipients_from_form() -> list[str]:
    typed = [part.strip() for part in request.form.get("to", "").replace(";", ",").split(",")]
    return [entry for entry in typed + request.form.getlist("group") if entry]


def age_of(stamp: dt.datetime) -> str:
    """'3 d 4 h' since a moment (how long a query has waited)."""
    delta = outbox.utcnow() - stamp
    days, hours = delta.days, delta.seconds // 3600
    return _("%(d)d d %(h)d h", d=days, h=hours) if days else _("%(h)d h", h=hours)


class MailboxView(BaseView):
    """The user's mailbox: received and sent messages, compose, read, reply, preferences."""

    route_base = "/mpr/mailbox"
    default_view = "index"
    class_permission_name = p.MAILBOX
    method_permission_name = p.methods(
        read=("index", "show", "preferences"), edit=("send", "save_preferences")
    )

    @expose("/")
    @has_access
    def index(self):
        """Received messages (unread first in bold), or sent ones with ?box=sent; the compose form."""
        actor = current_actor()
        sent = request.args.get("box") == "sent"
        if sent:
            items = paginate_select(mailbox.sent_query(actor), page_arg(), wrap=mailbox.sent)
        else:
            items = paginate_select(mailbox.inbox_query(actor), page_arg(), wrap=mailbox.received)
        return self.render_template(
            "mpr/mailbox.html",
            items=items,
            sent=sent,
            groups=groups.groups_for(actor),
            to=request.args.get("to", ""),
        )

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        """One message (opening it marks it read); 404 unless the user received or sent it."""
        actor = current_actor()
        item = mailbox.visible_message(actor, pk)
        if mailbox.is_recipient(actor, pk):
            item = mailbox.mark_read(actor, pk)
        return self.render_template(
            "mpr/message.html", item=item, mine=item.message.sender_id == actor.user_id
        )

    @expose("/send", methods=["POST"])
    @has_access
    def send(self):
        """Send to the users and groups named; a reply names the message it answers."""
        reply_to = request.form.get("reply_to", type=int)
        message = mailbox.send(
            current_actor(),
            _recipients_from_form(),
            request.form.get("subject"),
            request.form.get("body"),
            reply_to,
        )
        flash(_("Message sent to %(n)d recipient(s).", n=message.recipient_count), "success")
        return redirect(url_for("MailboxView.index"))

    @expose("/preferences")
    @has_access
    def preferences(self):
        """Which notifications come by e-mail and SMS."""
        choices = preferences.all_choices(current_actor().user_id)
        return self.render_template("mpr/notification_preferences.html", choices=choices)

    @expose("/preferences", methods=["POST"])
    @has_access
    def save_preferences(self):
        """Store the choices ticked on the form."""
        chosen = {
            kind.code: (f"email|{kind.code}" in request.form, f"sms|{kind.code}" in request.form)
            for kind in preferences.KINDS
        }
        preferences.save_choices(current_actor().user_id, chosen)
        db.session.commit()
        flash(_("Notification choices saved."), "success")
        return redirect(url_for("MailboxView.preferences"))


class HelpdeskView(BaseView):
    """Helpdesk: raise a query about a format, follow its thread; owners answer and close."""

    route_base = "/mpr/helpdesk"
    default_view = "index"
    class_permission_name = p.HELPDESK
    method_permission_name = p.methods(read=("index", "show"), edit=("raise_query", "respond"))

    @expose("/")
    @has_access
    def index(self):
        """Queries the user may see (search by number, format, office), and the form to raise one."""
        actor = current_actor()
        state, words = request.args.get("state") or None, request.args.get("q", "")
        found = paginate_select(helpdesk.search_query(actor, state, words), page_arg())
        formats = sorted(catalogue.definitions().formats.values(), key=lambda f: f.code)
        prefill = {k: request.args.get(k, "") for k in ("format", "period", "cell")}
        return self.render_template(
            "mpr/helpdesk.html",
            queries=found,
            state=state or "",
            words=words,
            formats=formats,
            prefill=prefill,
            age_of=age_of,
            may_answer=lambda q: helpdesk.may_answer(actor, q),
        )

    @expose("/<int:number>")
    @has_access
    def show(self, number: int):
        """The thread of one query, with reply, close and reopen."""
        actor = current_actor()
        query = helpdesk.visible_query(actor, number)
        takes_part = helpdesk.may_answer(actor, query) or helpdesk.is_asker(actor, query)
        return self.render_template(
            "mpr/query.html", query=query, takes_part=takes_part, age_of=age_of, full_name=full_name
        )

    @expose("/raise", methods=["POST"])
    @has_access
    def raise_query(self):
        """Raise a query; it goes to the owner of the format."""
        form = request.form
        query = helpdesk.raise_query(
            current_actor(),
            form.get("format"),
            form.get("period"),
            form.get("cell"),
            form.get("subject"),
            form.get("body"),
        )
        flash(_("Query No. %(n)d sent to %(owner)s.", n=query.number, owner=query.owner_code), "success")
        return redirect(url_for("HelpdeskView.show", number=query.number))

    @expose("/<int:number>/respond", methods=["POST"])
    @has_access
    def respond(self, number: int):
        """Reply, close (with or without a last reply) or reopen."""
        action = request.form.get("action", "reply")
        helpdesk.respond(
            current_actor(),
            number,
            request.form.get("body"),
            close=action == "close",
            reopen=action == "reopen",
        )
        return redirect(url_for("HelpdeskView.show", number=number))


class OutboxView(BaseView):
    """The administrator's view of the outbox: pending, sent, failed with the error."""

    route_base = "/mpr/outbox"
    default_view = "index"
    class_permission_name = p.OUTBOX
    method_permission_name = p.methods(read=("index",))

    @expose("/")
    @has_access
    def index(self):
        """Newest first; ?status=pending|sent|failed."""
        status = request.args.get("status") or None
        items = paginate_select(outbox.listing_query(status), page_arg())
        return self.render_template("mpr/outbox.html", items=items, status=status or "")


def register_messaging_views(appbuilder) -> None:
    """Mailbox and helpdesk for everyone, the owners' queue, the outbox for administrators, the API."""
    from app.security.ratelimit import limit_sending
    from app.views.api_messaging import MprMessagingApi
    from app.views.helpdesk_queue import HelpdeskQueueView
    from app.views.messaging_hooks import register_messaging_hooks

    appbuilder.add_view(MailboxView, p.MENU_MAILBOX, label=_l("Mailbox"), icon="fa-envelope", category="")
    appbuilder.add_view(
        HelpdeskView,
        p.MENU_HELPDESK_QUERIES,
        label=_l("Queries"),
        icon="fa-question-circle",
        category=p.MENU_HELPDESK,
        category_label=_l("Helpdesk"),
        category_icon="fa-question-circle",
    )
    appbuilder.add_view(
        HelpdeskQueueView, p.MENU_HELPDESK_QUEUE, label=_l("Queue"), icon="fa-inbox", category=p.MENU_HELPDESK
    )
    appbuilder.add_view(
        OutboxView, p.MENU_OUTBOX, label=_l("Outbox"), icon="fa-paper-plane", category="Security"
    )
    appbuilder.add_api(MprMessagingApi)
    limit_sending(appbuilder, ("MailboxView", "HelpdeskView", "MprMessagingApi"))
    register_messaging_hooks(current_app._get_current_object())
