"""System notices caused by other events, written in the event's own transaction (the caller commits)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.i18n import status_text
from app.models.corrections import CorrectionRequest
from app.presenters.display import month_name
from app.services.messaging import mailbox


def correction_decided(request: CorrectionRequest) -> None:
    """Tell the office user who raised a correction that the owner approved or rejected it."""
    if request.requested_by_id is None:
        return
    subject = _(
        "Correction request No. %(n)d on %(format)s was %(status)s",
        n=request.number,
        format=request.format_code,
        status=status_text(request.status),
    )
    body = subject + (f"\n\n{_('Reason')}: {request.reason}" if request.reason else "")
    mailbox.record_message(
        None,
        _("MPR MIS"),
        request.office.code,
        {request.requested_by_id},
        subject,
        body,
        notify_as="correction",
        kind="notice",
    )


def return_sent_back(ret, office_code: str, submitted_by_id: int | None, remarks: str, cells: list) -> None:
    """Tell the office user who submitted a return that its validator sent it back, with the remarks."""
    if submitted_by_id is None:
        return
    subject = _(
        "%(format)s for %(month)s was sent back with remarks",
        format=ret.format_code,
        month=month_name(ret.period),
    )
    lines = [remarks, *(f"{c.row} / {c.column}: {c.remark}" for c in cells)]
    mailbox.record_message(
        None,
        _("MPR MIS"),
        office_code,
        {submitted_by_id},
        subject,
        "\n".join(lines),
        notify_as="sent_back",
        kind="notice",
    )
