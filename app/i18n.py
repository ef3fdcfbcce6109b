"""Strings the MIS shows but does not itself pass through gettext, listed so extraction keeps them.

FAB's own catalogue has no Hindi: its menu and navbar labels (rendered by FAB's templates
with `_()`) get their Hindi from the app catalogue, which Flask-Babel merges with FAB's
(BABEL_TRANSLATION_DIRECTORIES). Menu entries are rendered the same way, by their label.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.definitions.texts import ENGLISH, in_language

FAB_STRINGS = (
    _l("Security"),
    _l("List Users"),
    _l("List Roles"),
    _l("List Groups"),
    _l("Profile"),
    _l("Logout"),
    _l("Login"),
    _l("Sign In"),  # FAB's login page and its form
    _l("Enter your login and password below"),
    _l("User Name"),
    _l("Password"),
    _l("Access is Denied"),  # FAB's flash when a page is not permitted
    _l("User confirmation needed"),  # FAB's confirmation dialog
)
MENU_LABELS = (
    _l("Formats"),
    _l("Status"),
    _l("Validation"),
    _l("Corrections"),
    _l("Provision users"),
)
HTTP_ERROR_NAMES = (  # Werkzeug's names of the errors the error page shows (mpr/error.html)
    _l("Bad Request"),
    _l("Forbidden"),
    _l("Not Found"),
    _l("Method Not Allowed"),
    _l("Request Entity Too Large"),
    _l("Unprocessable Entity"),
    _l("Too Many Requests"),
    _l("Internal Server Error"),
)
STATUS_TEXTS = {  # a return's and a correction request's status as pages show it (the API keeps the value)
    "not started": _l("not started"),
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "validated": _l("validated"),
    "pending": _l("pending"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "sent": _l("sent"),  # a notification's delivery; "pending" as above
    "failed": _l("failed"),
    "open": _l("open"),  # a helpdesk query
    "closed": _l("closed"),
}


def status_text(status: object) -> str:
    """The status in the page's language; an unknown one as it is."""
    return str(STATUS_TEXTS.get(str(status), status))


def page_language() -> str:
    """The language of the page or message being made ('en' outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else ENGLISH


def local(text: str) -> str:
    """A title or label of the definitions file in the page's language (English where it has no form)."""
    return in_language(text, page_language())
