"""Page-level messages shared by the grid views."""

from flask_babel import gettext as _


def not_saved_message(errors, submitting: bool = False) -> str:
    """The page-level message for a refused save (or submit): cell problems counted, others spelled out."""
    general = [e.message for e in errors if not e.column]
    cells = len(errors) - len(general)
    parts = [_("%(n)s cell(s) need attention", n=cells)] if cells else []
    problems = "; ".join(parts + general)
    if submitting:
        return _("Not submitted: %(problems)s.", problems=problems)
    return _("Not saved: %(problems)s.", problems=problems)
