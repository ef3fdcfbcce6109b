"""Plain text in, plain text out: trimmed, control characters removed, sizes enforced.

Messages and queries are stored as typed (never as HTML); every page escapes them
(Jinja autoescaping) and e-mails are sent as text/plain with single-line headers.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from app.errors import InvalidInput

SUBJECT_MAX = 200
BODY_MAX = 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TextProblem(InvalidInput):
    """A subject or body is missing or too long."""

    code = "invalid_text"


def _problem(field: str, code: str, message: str) -> dict:
    return {"row": None, "column": field, "code": code, "message": message}


def clean(
    value: object, field: str, limit: int, *, single_line: bool, required: bool = True
) -> tuple[str, list]:
    """The cleaned text of one field and the problems found (empty when acceptable)."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if single_line:
        text = " ".join(text.split())
    if required and not text:
        return text, [_problem(field, "required", _("%(field)s is required.", field=field.capitalize()))]
    if len(text) > limit:
        message = _(
            "%(field)s is too long (%(length)d characters; at most %(limit)d).",
            field=field.capitalize(),
            length=len(text),
            limit=limit,
        )
        return text, [_problem(field, "too_long", message)]
    return text, []


def subject_and_body(subject: object, body: object, *, subject_required: bool = True) -> tuple[str, str]:
    """Clean a subject and a body; raises TextProblem listing every problem."""
    subject_text, problems = clean(
        subject, "subject", SUBJECT_MAX, single_line=True, required=subject_required
    )
    body_text, more = clean(body, "body", BODY_MAX, single_line=False)
    if problems or more:
        raise TextProblem(_("The message cannot be sent as it is."), problems + more)
    return subject_text, body_text


def body_only(body: object) -> str:
    """Clean a reply body; raises TextProblem when empty or too long."""
    text, problems = clean(body, "body", BODY_MAX, single_line=False)
    if problems:
        raise TextProblem(_("The reply cannot be sent as it is."), problems)
    return text
