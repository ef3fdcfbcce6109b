"""Strings the MIS shows but does not itself pass through gettext, listed so extraction keeps them.

FAB's own catalogue has no Hindi: its menu and navbar labels (rendered by FAB's templates
with `_()`) get their Hindi from the app catalogue, which Flask-Babel merges with FAB's
(BABEL_TRANSLATION_DIRECTORIES). Menu entries are rendered the same way, by their label.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FAB_STRINGS = (
    _l("Security"),
    _l("List Users"),
    _l("List Roles"),
    _l("List Groups"),
    _l("Profile"),
    _l("Logout"),
    _l("Login"),
)
MENU_LABELS = (
    _l("Formats"),
    _l("Status"),
    _l("Validation"),
    _l("Corrections"),
    _l("Provision users"),
)
