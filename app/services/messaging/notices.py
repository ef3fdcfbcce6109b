"""System notices caused by other events, written in the event's own transaction (the caller commits)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.models.corrections import CorrectionRequest
from app.services.messaging import mailbox


def correction_decided(request: CorrectionRequest) -> None:
    """Tell the office user who raised a correction that the owner approved or rejected it."""
    if request.requested_by_id is None:
        return
    subject = _(
        "Correction request No. %(n)d on %(format)s was %(status)s",
        n=request.number,
        format=request.format_code,
        status=request.status,
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
