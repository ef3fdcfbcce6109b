"""The helpdesk queue: a FAB list of the queries an owner answers, with bulk Close and Assign.

Rows are limited by `base_filters` to the service's `queue_queries()`. FAB's actions
ignore `base_filters` and take row ids straight from the form, so each action hands the
numbers to the service, which refuses the whole batch when one of them is not the
caller's to answer (app/security/modelviews.py also answers 404 for rows outside the list).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from app.errors import NotFound
from app.models.messaging import HelpdeskQuery, QueryState
from app.security import permissions as p
from app.security.actor import current_actor
from app.services.accounts.people import full_name
from app.services.messaging import helpdesk
from app.services.messaging.helpdesk_assignment import assign_queries, eligible_officers
from app.views.messaging import age_of

NOT_ROUTED = "not_routed"  # a permission no view declares and no role holds


class InQueue(BaseFilter):
    """The rows of the caller's queue: the helpdesk service's rule, as SQL."""

    name = _l("In your queue")

    def apply(self, query, value):
        """Limit `query` to the signed-in user's queue (`value` is unused)."""
        return query.filter(helpdesk.queue_queries(current_actor()))


def _number_link(number: int) -> Markup:
    return Markup('<a href="{}" class="mpr-query-link">{}</a>').format(
        url_for("HelpdeskView.show", number=number), number
    )


def _state_label(state: str) -> str:
    return _("open") if state == QueryState.OPEN else _("closed")


def _numbers(items: list) -> list[int]:
    if any(item is None for item in items):
        raise NotFound()  # an id that names no query (the model-view guard answers 404 first)
    return [item.number for item in items]


class HelpdeskQueueView(ModelView):
    """Owners' queue of helpdesk queries on their formats; the Board reads every query."""

    route_base = "/mpr/helpdesk/queue"
    datamodel = SQLAInterface(HelpdeskQuery)
    class_permission_name = p.HELPDESK_QUEUE
    include_route_methods = {"list", "action_post", "assign_form", "assign_apply"}
    method_permission_name = {
        **p.methods(read=("list",), edit=("close", "assign", "assign_form", "assign_apply")),
        # FAB's list draws a column of edit buttons for whoever holds the permission `edit` maps
        # to (can_edit, held by the owners for the actions); `edit` is not routed here at all.
        "edit": NOT_ROUTED,
    }
    base_filters = [["id", InQueue, None]]
    base_order = ("number", "desc")
    page_size = 50  # bulk work: a screenful to select from, not FAB's 10
    list_title = _l("Helpdesk queue")
    list_columns = ["number", "format_code", "office", "subject", "state", "raised_at", "assigned_to"]
    order_columns = ["number", "format_code", "state", "raised_at"]
    search_columns = ["number", "format_code", "state", "subject"]
    label_columns = {
        "number": _l("No."),
        "format_code": _l("Format"),
        "office": _l("Office"),
        "subject": _l("Subject"),
        "state": _l("State"),
        "raised_at": _l("Age"),
        "assigned_to": _l("Assigned to"),
    }
    formatters_columns = {
        "number": _number_link,
        "office": lambda office: office.code if office is not None else "",
        "state": _state_label,
        "raised_at": age_of,
        "assigned_to": full_name,
    }

    @action(
        "close", _l("Close"), _l("Close the selected queries? Each asker is told."), "fa-check", single=False
    )
    def close(self, items):
        """Close the selected open queries (all or nothing); their askers are notified."""
        closed, already = helpdesk.close_queries(current_actor(), _numbers(items))
        flash(ngettext("%(num)d query closed.", "%(num)d queries closed.", closed), "success")
        if already:
            flash(
                ngettext(
                    "%(num)d of the selected queries was already closed.",
                    "%(num)d of the selected queries were already closed.",
                    already,
                ),
                "info",
            )
        return redirect(url_for("HelpdeskQueueView.list"))

    @action("assign", _l("Assign to an officer"), None, "fa-user", single=False)
    def assign(self, items):
        """Check the selection, then ask which officer on a follow-up page."""
        numbers = _numbers(items)
        helpdesk.answered_by(current_actor(), numbers)  # refuse a foreign number before the form
        return redirect(url_for("HelpdeskQueueView.assign_form", number=numbers))

    @expose("/assign", methods=["GET"])
    @has_access
    def assign_form(self):
        """The selected queries and the officers of the directorate to choose from."""
        actor = current_actor()
        queries = helpdesk.answered_by(actor, request.args.getlist("number", type=int))
        return self.render_template(
            "mpr/helpdesk_assign.html",
            queries=queries,
            officers=eligible_officers(actor.owner_code),
            person=full_name,
            age_of=age_of,
        )

    @expose("/assign", methods=["POST"])
    @has_access
    def assign_apply(self):
        """Assign the queries named on the form to the officer chosen (all or nothing)."""
        numbers = request.form.getlist("number", type=int)
        changed = assign_queries(current_actor(), numbers, request.form.get("officer", type=int))
        flash(ngettext("%(num)d query assigned.", "%(num)d queries assigned.", changed), "success")
        return redirect(url_for("HelpdeskQueueView.list"))
