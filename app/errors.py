"""The refusal catalogue: every "no" a business rule can say, with its HTTP status and code.

Services raise a `Refusal` subclass; pages and the API turn it into a response in one
place (`_refused` in app/web.py), never in per-view `except` clauses.
Messages are translatable (`lazy_gettext` in the subclass, or an already translated
text passed in); values go in by name, e.g. %(code)s.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class Refusal(Exception):
    """A business rule refused the request: HTTP `status`, stable `code`, message, details."""

    status: int = 409
    code: str = "refused"
    default_message: Any = ""

    def __init__(self, message: Any = None, details: list | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)
        self.details = details or []

    def details_as_dicts(self) -> list:
        """Details as JSON-ready values (objects with `as_dict()` are converted)."""
        return [d.as_dict() if hasattr(d, "as_dict") else d for d in self.details]

    def as_dict(self) -> dict:
        """The JSON body of this refusal."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        details = self.details_as_dicts()
        cell_errors = [d for d in details if isinstance(d, dict) and "column" in d]
        if cell_errors:
            body["errors"] = cell_errors
        elif details:
            body["missing"] = details
        return body

    def page_text(self) -> str:
        """The message as a page flashes it: any items in the way (plain strings) listed after it."""
        listed = [d for d in self.details if isinstance(d, str)]
        if not listed:
            return self.message
        return f"{self.message} {_('Missing: %(items)s', items=', '.join(listed))}"

    def http_status(self) -> int:
        """422 when the details are cell errors (input is wrong), else the class's status."""
        if any(isinstance(d, dict) and "column" in d for d in self.details_as_dicts()):
            return 422
        return self.status


class NotFound(Refusal):
    """Absent or outside the caller's jurisdiction (never say which)."""

    status = 404
    code = "not_found"
    default_message = _l("Not found")


class Forbidden(Refusal):
    """The role may not do this at all."""

    status = 403
    code = "forbidden"
    default_message = _l("Forbidden")


class InvalidInput(Refusal):
    """The input is wrong; `details` lists every error."""

    status = 422
    code = "invalid_input"


class Conflict(Refusal):
    """Conflicts with the current state (stale version, wrong status)."""

    status = 409
    code = "conflict"
